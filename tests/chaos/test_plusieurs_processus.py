"""Several processes, one service: two API processes and a worker split in two (its workflows part and its
activities part), on PostgreSQL, the dev server and Redis. EIRs go through both APIs and a small campaign runs,
while one API process and the activities worker are killed (SIGKILL) and restarted: every process completes, no
task or document exists twice, each mail has one Message-ID, and the login rate limit counts the attempts of
both API processes together."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlmodel import select

from domain.campagne import Calendrier, DemandeCampagne, ReglagesCampagne
from persistence.comptes import creer_compte, hacher
from persistence.db import creer_moteur, fabrique_sessions, transaction
from persistence.models import Document, Mail, Tache
from tests.support.attente import attendre
from tests.support.campagne import population_campagne
from tests.support.environnement import settings_de_test
from tests.support.fabriques import avec_question_secrete
from tests.support.processus_externes import ApiExterne, WorkerExterne
from tests.support.service import CODE
from workflows.campagne_client import demarrer_campagne

pytestmark = pytest.mark.e2e

AGENTS_EIR = ("emma", "celine", "henri")  # 45 or more today
LIMITE_CONNEXIONS = 12  # per hour: the logins of the test stay in the window


async def _connexion(http: httpx.AsyncClient, identifiant: str) -> dict[str, str]:
    reponse = await http.post("/auth/jeton", data={"username": identifiant, "password": CODE})
    assert reponse.status_code == 200, reponse.text
    return {"Authorization": f"Bearer {reponse.json()['access_token']}"}


async def _etat(http: httpx.AsyncClient, entetes: dict[str, str], demande_id: int) -> str:
    return str((await http.get(f"/eir/{demande_id}", headers=entetes)).json()["etat"])


async def _attendre_etat(http: httpx.AsyncClient, entetes: dict[str, str], demande_id: int, etat: str) -> None:
    async def atteint() -> bool:
        return await _etat(http, entetes, demande_id) == etat

    await attendre(atteint, delai=120)


def _calendrier_comprime(t0: datetime) -> Calendrier:
    """The campaign's year in a minute and a half: update window, cut-off, transmission, three sending tranches."""
    limite = t0 + timedelta(seconds=40)
    return Calendrier(
        lancement=t0 + timedelta(seconds=2),
        rappels=[t0 + timedelta(seconds=20)],
        date_limite=limite,
        transmission=limite + timedelta(seconds=2),
        debut_envoi=limite + timedelta(seconds=10),
        fin_envoi=limite + timedelta(seconds=16),
        intervalle_envoi=timedelta(seconds=3),
    )


@pytest.mark.parametrize("url_base", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
async def test_deux_api_et_un_worker_en_deux_parties_tues_et_relances(env_dev, tmp_path, boite_mail, url_base):
    settings = settings_de_test(
        tmp_path, url_base, boite_mail.port, temporal_address=env_dev.client.service_client.config.target_host
    )
    moteur = creer_moteur(url_base)
    sessions = fabrique_sessions(moteur)
    annee = date.today().year
    pop = await population_campagne(sessions, annee)
    async with transaction(sessions) as session:
        empreinte = hacher(CODE)
        for cle in AGENTS_EIR:
            compte = await creer_compte(
                session, role="affilie", identifiant=cle, code_hash=empreinte, nir=pop.agents[cle].nir
            )
            session.add(avec_question_secrete(compte))
        for nom in ("commune", "hopital"):
            compte = await creer_compte(
                session,
                role="employeur",
                identifiant=f"rh-{nom}",
                code_hash=empreinte,
                siret=pop.employeurs[nom].siret,
                profil="admin",
            )
            session.add(avec_question_secrete(compte))

    reglages = {
        "CNRACL_REDIS_URL": "redis://127.0.0.1:6379/0",
        "CNRACL_LIMITES_ACTIVES": "true",
        "CNRACL_LIMITE_CONNEXIONS": f"{LIMITE_CONNEXIONS}/hour",
        "CNRACL_EIR_DELAI_NOTIFICATION_EMPLOYEUR": "PT2S",
        "CNRACL_EIR_DELAI_ENQUETE": "PT2S",
        "CNRACL_TASK_QUEUE": f"multi-{uuid.uuid4().hex[:8]}",
    }
    settings = settings.model_copy(update={"task_queue": reglages["CNRACL_TASK_QUEUE"]})
    api_a = ApiExterne(settings, tmp_path / "api-a.log", **reglages)
    api_b = ApiExterne(settings, tmp_path / "api-b.log", **reglages)
    workflows = WorkerExterne(settings, tmp_path / "worker-workflows.log", "workflows", **reglages)
    activites = WorkerExterne(settings, tmp_path / "worker-activites.log", "activites", **reglages)
    async with AsyncExitStack() as pile:
        pile.push_async_callback(moteur.dispose)
        for processus in (api_a, api_b, workflows, activites):
            pile.callback(processus.arreter)
        api_a.lancer()
        api_b.lancer()
        workflows.demarrer()
        activites.demarrer()
        api_a.ecoute()
        api_b.ecoute()
        a = await pile.enter_async_context(httpx.AsyncClient(base_url=api_a.base, timeout=120))
        b = await pile.enter_async_context(httpx.AsyncClient(base_url=api_b.base, timeout=120))

        # The campaign runs beside the EIRs.
        campagne = await demarrer_campagne(
            env_dev.client,
            settings.task_queue,
            DemandeCampagne(annee, _calendrier_comprime(datetime.now(UTC)), ReglagesCampagne()),
        )

        # Each agent asks through API A; the employers answer through API B.
        agents = {cle: await _connexion(a, cle) for cle in AGENTS_EIR}
        employeurs = {nom: await _connexion(b, f"rh-{nom}") for nom in ("commune", "hopital")}
        demandes = {}
        for cle, entetes in agents.items():
            reponse = await a.post("/eir", json={}, headers=entetes)
            assert reponse.status_code == 201, reponse.text
            demandes[cle] = reponse.json()["id"]

        api_a.tuer()  # API A dies with the requests recorded; the agents go on through B meanwhile
        for cle, demande_id in demandes.items():
            await _attendre_etat(b, agents[cle], demande_id, "verification_employeur")

        async def taches_eir(entetes: dict[str, str]) -> list[dict]:
            taches = (await b.get("/taches", headers=entetes)).json()
            return [t for t in taches if t["type"] == "verification_carriere_eir"]

        for nom, entetes in employeurs.items():
            attendues = sum(1 for cle in AGENTS_EIR if pop.agents[cle].employeur_id == pop.employeurs[nom].id)

            async def toutes_la(entetes: dict[str, str] = entetes, attendues: int = attendues) -> bool:
                return len(await taches_eir(entetes)) == attendues

            await attendre(toutes_la, delai=120)
            for tache in await taches_eir(entetes):
                reponse = await b.post(
                    f"/taches/{tache['id']}/completion",
                    json={"carriere_verifiee": True, "indice_fin_de_carriere": 600},
                    headers=entetes,
                )
                assert reponse.status_code == 200, reponse.text

        api_a.demarrer()  # back: the agents validate their RIS and answer the survey through it
        for cle, demande_id in demandes.items():
            await _attendre_etat(a, agents[cle], demande_id, "ris_disponible")
            assert (await a.post(f"/eir/{demande_id}/ris/validation", headers=agents[cle])).status_code == 200

        # The activities worker dies while the campaign sends its documents, and comes back.
        async def envoi_commence() -> bool:
            async with sessions() as session:
                mails = (await session.exec(select(Mail).where(Mail.evenement == "campagne_document_disponible"))).all()
            return any(m.etat == "envoye" for m in mails)

        await attendre(envoi_commence, delai=180)
        activites.tuer()
        await asyncio.sleep(1)
        activites.demarrer()

        for cle, demande_id in demandes.items():
            await _attendre_etat(a, agents[cle], demande_id, "enquete_envoyee")
            reponse = await a.post(
                f"/eir/{demande_id}/enquete", json={"reponses": [4, 4, 4, 4, 4]}, headers=agents[cle]
            )
            assert reponse.status_code == 200 and reponse.json()["etat"] == "close", reponse.text
        vue = await asyncio.wait_for(campagne.result(), timeout=240)
        assert vue.compteurs.documents == len(pop.attendus)

        # Nothing twice.
        async with sessions() as session:
            documents = (await session.exec(select(Document))).all()
            taches = (await session.exec(select(Tache))).all()
            mails = (await session.exec(select(Mail))).all()
        de_campagne = [d for d in documents if d.demande_id is None]
        assert Counter(d.affilie_id for d in de_campagne) == Counter(pop.agents[cle].id for cle in pop.attendus)
        for demande_id in demandes.values():
            assert Counter(d.type for d in documents if d.demande_id == demande_id) == {"ris": 1, "bilan": 1}
        assert max(Counter((t.workflow_id, t.type, t.affilie_id) for t in taches).values()) == 1
        assert {m.etat for m in mails} == {"envoye"}
        recus = {str(m["Message-ID"]) for m in boite_mail.messages}
        assert recus == {m.message_id for m in mails}  # each outbox row left under one Message-ID, none unknown

        # The login limit, with both processes answering in turn: one allowance in all.
        deja = len(agents) + len(employeurs)  # the logins so far (a token outlives the process that issued it)
        statuts = [
            (
                await (a, b)[essai % 2].post("/auth/jeton", data={"username": f"inconnu-{essai}", "password": "x"})
            ).status_code
            for essai in range(LIMITE_CONNEXIONS - deja + 2)
        ]
        assert statuts == [401] * (LIMITE_CONNEXIONS - deja) + [429, 429]
