"""Nothing left behind by a crash or an outage (issue 28): the API process killed right after committing a request
(before its process starts) or an account mail (before it is sent), and the SMTP relay down during a request for a
new code. The worker's reconciler (its own process, as in production) finishes the job: the process started once,
the mail sent once — counted at the real SMTP server and in the engine. Past the sweeper's bound, the mail is an
incident and the code it carried no longer opens the account."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import re
from collections import Counter
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import select

from notifications.puits import demarrer_puits
from observabilite.metriques import etat_du_service
from persistence import comptes as depot_comptes
from persistence.db import transaction
from persistence.models import Compte, DemandeEirTable, Mail
from services.reconciliation import Bilan, balayer_la_boite_envoi, reconcilier
from tests.support.attente import attendre
from tests.support.environnement import port_libre, settings_de_test, texte
from tests.support.fabriques import AGENT
from tests.support.processus_externes import ApiExterne, WorkerExterne
from tests.support.service import CODE, assembler

pytestmark = pytest.mark.e2e

RH = "rh@saint-exemple.fr"
REPONSE = "Durand"
REGENERATION = {
    "nom": "Dupont",
    "prenom": "Marcel",
    "identifiant": "rh-commune",
    "email": RH,
    "question": "nom_naissance_mere",
    "reponse": REPONSE,
}
_CODE_MAILE = re.compile(r"code confidentiel est le suivant :\s+([A-Z0-9]{8})\s")
# The reconciler of the tests: every second, for requests and mails five seconds old (the test looks at what the
# killed API left behind within that time).
RECONCILIATEUR_RAPIDE = {
    "CNRACL_RECONCILIATION_PERIODE": "PT1S",
    "CNRACL_RECONCILIATION_DELAI": "PT5S",
    "CNRACL_BOITE_ENVOI_DELAI": "PT5S",
    "CNRACL_BOITE_ENVOI_INTERVALLE": "PT1S",
}


async def _preparer_rh(service) -> None:
    """rh-commune is Marcel Dupont, with a mailbox and a secret question: it may ask for a new code."""
    async with transaction(service.sessions) as session:
        compte = (await session.exec(select(Compte).where(Compte.identifiant == "rh-commune"))).one()
        compte.nom, compte.prenom, compte.email = "Dupont", "Marcel", RH
        depot_comptes.definir_question_secrete(compte, "nom_naissance_mere", REPONSE)
        session.add(compte)


async def _plus_rien_a_reprendre(service, client) -> None:
    """Three passes of the reconciler, as the worker's, but for everything however recent: nothing left to start
    or to send (the state is settled, whatever the worker's own passes meet later)."""
    tout = service.settings.model_copy(update={"reconciliation_delai": timedelta(0), "boite_envoi_delai": timedelta(0)})
    for _ in range(3):
        assert await reconcilier(service.sessions, client, tout) == Bilan()


def _par_message_id(messages) -> Counter[str]:
    return Counter(str(m["Message-ID"]) for m in messages)


async def test_api_tuee_entre_le_commit_et_le_demarrage_du_processus(env_dev, tmp_path, url_sqlite, boite_mail):
    settings = settings_de_test(
        tmp_path, url_sqlite, boite_mail.port, temporal_address=env_dev.client.service_client.config.target_host
    )
    api = ApiExterne(settings, tmp_path / "api.log", CNRACL_PANNE_APRES_ECRITURE="demarrage")
    worker = WorkerExterne(settings, tmp_path / "worker.log", **RECONCILIATEUR_RAPIDE)
    async with AsyncExitStack() as pile:
        pile.callback(worker.arreter)
        pile.callback(api.arreter)
        service = await assembler(settings, pile)
        worker.demarrer()  # running all along, as in production
        api.demarrer()
        async with httpx.AsyncClient(base_url=api.base, timeout=30) as http:
            jeton = (await http.post("/auth/jeton", data={"username": "camille", "password": CODE})).json()
            entetes = {"Authorization": f"Bearer {jeton['access_token']}"}
            with pytest.raises(httpx.TransportError):  # the process exits before it answers
                await http.post("/eir", json={}, headers=entetes)
        assert api.code_de_sortie() == 70

        # Committed, no process behind it: the engine does not know it.
        async with transaction(service.sessions) as session:
            demande = (await session.exec(select(DemandeEirTable))).one()
        assert demande.etat == "enregistree" and demande.processus_demarre_le is None
        requete = f'WorkflowId = "{demande.workflow_id}"'
        assert [w async for w in env_dev.client.list_workflows(requete)] == []

        # The API restarted without the fault point; the worker's reconciler starts the process meanwhile.
        api = ApiExterne(settings, tmp_path / "api.log")
        pile.callback(api.arreter)
        api.lancer()

        async def en_route() -> bool:
            async with transaction(service.sessions) as session:
                ligne = await session.get(DemandeEirTable, demande.id)
            return ligne is not None and ligne.etat == "attente_notification_employeur"

        await attendre(en_route, delai=45)
        await attendre(lambda: len(boite_mail.pour(AGENT)) >= 2)  # the acknowledgment, then the advice

        async def demarrage_confirme() -> bool:
            async with service.sessions() as session:
                ligne = await session.get(DemandeEirTable, demande.id)
            return ligne is not None and ligne.processus_demarre_le is not None

        await attendre(demarrage_confirme)
        await _plus_rien_a_reprendre(service, env_dev.client)
        await asyncio.to_thread(api.ecoute)
        async with httpx.AsyncClient(base_url=api.base, timeout=30) as http:
            jeton = (await http.post("/auth/jeton", data={"username": "camille", "password": CODE})).json()
            vue = await http.get(f"/eir/{demande.id}", headers={"Authorization": f"Bearer {jeton['access_token']}"})
        assert vue.status_code == 200 and vue.json()["etat"] == "attente_notification_employeur"
        assert len([w async for w in env_dev.client.list_workflows(requete)]) == 1
        async with transaction(service.sessions) as session:
            ligne = await session.get(DemandeEirTable, demande.id)
            mails = (await session.exec(select(Mail).where(Mail.processus_id == demande.workflow_id))).all()
        assert ligne is not None and ligne.processus_demarre_le is not None
        # The acknowledgment and the advice to the agent, each written once and received once.
        assert sorted(m.evenement for m in mails) == ["accuse_reception", "contacter_employeur"]
        recus = _par_message_id(boite_mail.pour(AGENT))
        assert [recus[m.message_id] for m in mails] == [1, 1], boite_mail.sujets()


async def test_relais_smtp_en_panne_pendant_une_demande_de_code(tmp_path, url_base):
    port_smtp = port_libre()  # nothing listens there yet: the relay is down
    settings = settings_de_test(
        tmp_path,
        url_base,
        port_smtp,
        limite_comptes="100/hour",
        boite_envoi_delai=timedelta(0),
        boite_envoi_intervalle=timedelta(0),
    )
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        await _preparer_rh(service)
        api = await service.http()
        reponse = await api.post("/auth/code-confidentiel", json=REGENERATION)
        assert reponse.status_code == 201, reponse.text
        certification = reponse.json()["code_certification"]

        # The send after the answer failed; a pass of the sweeper during the outage fails too: the row waits.
        assert await balayer_la_boite_envoi(service.sessions, settings, datetime.now(UTC)) == 1
        async with transaction(service.sessions) as session:
            [mail] = (await session.exec(select(Mail).where(Mail.destinataire == RH))).all()
        assert mail.etat == "a_envoyer" and mail.tentatives == 1

        # The relay is back: two sweepers at once, then one more pass; the mail arrives once.
        controleur, puits = demarrer_puits(tmp_path / "mail", port=port_smtp)
        pile.callback(controleur.stop)
        maintenant = datetime.now(UTC)
        await asyncio.gather(*(balayer_la_boite_envoi(service.sessions, settings, maintenant) for _ in range(2)))
        await balayer_la_boite_envoi(service.sessions, settings, datetime.now(UTC))
        assert len(puits.recus) == 1
        async with transaction(service.sessions) as session:
            envoye = await session.get(Mail, mail.id)
        assert envoye is not None and envoye.etat == "envoye"

        # The code it carried opens the account (with the certification code), and is no longer stored.
        recu = email.message_from_bytes(puits.recus[0], policy=email.policy.default)
        code = _CODE_MAILE.search(texte(recu)).group(1)
        assert code not in envoye.corps_texte and code not in envoye.corps_html
        connexion = await api.post(
            "/auth/jeton", data={"username": "rh-commune", "password": code, "certification": certification}
        )
        assert connexion.status_code == 200, connexion.text


async def test_un_mail_de_code_jamais_parti_devient_un_incident_et_son_code_expire(tmp_path, url_sqlite):
    settings = settings_de_test(
        tmp_path,
        url_sqlite,
        port_libre(),  # the relay stays down
        limite_comptes="100/hour",
        boite_envoi_delai=timedelta(0),
        boite_envoi_intervalle=timedelta(0),
        boite_envoi_tentatives=2,
    )
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        await _preparer_rh(service)
        api = await service.http()
        reponse = await api.post("/auth/code-confidentiel", json=REGENERATION)
        certification = reponse.json()["code_certification"]
        async with transaction(service.sessions) as session:
            [mail] = (await session.exec(select(Mail).where(Mail.destinataire == RH))).all()
        code = _CODE_MAILE.search(mail.corps_texte).group(1)  # what the mail would have said

        for _ in range(3):  # the bound is two sends: the third pass finds nothing to send
            await balayer_la_boite_envoi(service.sessions, settings, datetime.now(UTC))
        async with transaction(service.sessions) as session:
            abandonne = await session.get(Mail, mail.id)
            familles = {famille.name: famille for famille in await etat_du_service(session)}
        assert abandonne is not None and abandonne.etat == "incident" and abandonne.tentatives == 2
        incidents = {
            echantillon.labels["type"]: echantillon.value for echantillon in familles["cnracl_incidents"].samples
        }
        assert incidents["courriel"] == 1

        connexion = await api.post(
            "/auth/jeton", data={"username": "rh-commune", "password": code, "certification": certification}
        )
        assert connexion.status_code == 401, connexion.text


async def test_api_tuee_entre_le_commit_et_l_envoi_du_mail(env_dev, tmp_path, url_sqlite, boite_mail):
    settings = settings_de_test(
        tmp_path,
        url_sqlite,
        boite_mail.port,
        temporal_address=env_dev.client.service_client.config.target_host,
        limite_comptes="100/hour",
    )
    api = ApiExterne(settings, tmp_path / "api.log", CNRACL_PANNE_APRES_ECRITURE="envoi")
    worker = WorkerExterne(settings, tmp_path / "worker.log", **RECONCILIATEUR_RAPIDE)
    async with AsyncExitStack() as pile:
        pile.callback(worker.arreter)
        pile.callback(api.arreter)
        service = await assembler(settings, pile)
        await _preparer_rh(service)
        worker.demarrer()  # running all along, as in production
        api.demarrer()
        async with httpx.AsyncClient(base_url=api.base, timeout=30) as http:
            # The answer leaves before the send: it may or may not reach us before the exit.
            with contextlib.suppress(httpx.TransportError):
                await http.post("/auth/code-confidentiel", json=REGENERATION)
        assert api.code_de_sortie() == 70
        assert boite_mail.pour(RH) == []
        async with transaction(service.sessions) as session:
            [mail] = (await session.exec(select(Mail).where(Mail.destinataire == RH))).all()
        assert mail.etat == "a_envoyer"

        await attendre(lambda: boite_mail.pour(RH), delai=45)

        async def envoye() -> bool:
            async with service.sessions() as session:
                ligne = await session.get(Mail, mail.id)
            return ligne is not None and ligne.etat == "envoye"

        await attendre(envoye)
        await _plus_rien_a_reprendre(service, env_dev.client)
        assert len(boite_mail.pour(RH)) == 1
