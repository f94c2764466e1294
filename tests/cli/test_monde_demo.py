"""The demo world `cnracl run` loads on an empty database: a supervisor sees processes in every state the demo
claims, rectifications on each routing path, validation dossiers, overdue tasks, a past campaign and the current
one; a second run adds nothing."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import func, select
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from notifications.rendu import date_fr
from persistence.db import creer_moteur, fabrique_sessions
from persistence.models import Compte, DemandeEirTable, DossierValidationTable, RectificationTable, Tache
from persistence.models_campagne import CampagneTable
from services import campagnes
from services.demo import animer
from services.donnees import charger_la_demo
from tests.support.environnement import BIN, settings_de_test
from tests.support.lexique import mots_de_code
from tests.support.navigateur import Navigateur
from worker import creer_worker
from workflows.campagne_client import demande_campagne, demarrer_campagne

pytestmark = pytest.mark.e2e

ETATS_EIR = {
    "attente_notification_employeur",
    "verification_employeur",
    "ris_disponible",
    "consolidation_employeur",
    "bilan_disponible",
    "enquete_envoyee",
    "close",
    "retiree",
}
ROUTAGES = {"employeur_actuel", "employeur_precedent", "employeur_precedent_hors_systeme", "autre_regime"}


async def _lignes(sessions) -> dict[str, int]:
    async with sessions() as session:
        return {
            table.__name__: (await session.exec(select(func.count()).select_from(table))).one()
            for table in (Compte, DemandeEirTable, RectificationTable, DossierValidationTable, Tache, CampagneTable)
        }


@pytest.fixture
async def env_demo() -> AsyncIterator[WorkflowEnvironment]:
    """The demo's own engine, as `cnracl run` has: the session's shared dev server keeps other tests' campaigns
    (test_arret_worker_campagne completes next year's), whose ids the demo's would meet once that year comes."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"), data_converter=pydantic_data_converter
    )
    yield env
    await env.shutdown()


async def test_la_demo_montre_chaque_etat_et_des_taches_en_retard(env_demo, tmp_path, boite_mail, url_sqlite):
    settings = settings_de_test(
        tmp_path, url_sqlite, boite_mail.port, temporal_address=env_demo.client.service_client.config.target_host
    )
    annee = date.today().year if date.today().month >= 7 else date.today().year - 1
    # What CI's shared engine held (test_planification triggers and terminates this year's campaign): a closed
    # campaign-dai-N that never wrote to this base. The demo must still open its own.
    await (await demarrer_campagne(env_demo.client, "file-sans-worker", demande_campagne(settings, annee))).terminate()
    assert await charger_la_demo(settings, forcer=False)
    moteur = creer_moteur(url_sqlite)
    async with AsyncExitStack() as pile:
        pile.push_async_callback(moteur.dispose)
        sessions = fabrique_sessions(moteur)
        await pile.enter_async_context(creer_worker(env_demo.client, settings, sessions))
        assert await animer(sessions, settings)

        app = create_app(settings)
        await pile.enter_async_context(app.router.lifespan_context(app))
        http = await pile.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test/api/v1", timeout=60)
        )
        comptes = json.loads((settings.var_dir / "demo.json").read_text(encoding="utf-8"))
        superviseur = next(c for c in comptes if c["role"] == "superviseur")
        assert all(c["a_voir"] for c in comptes)
        jeton = await http.post("/auth/jeton", data={"username": "superviseur", "password": superviseur["code"]})
        http.headers["Authorization"] = f"Bearer {jeton.json()['access_token']}"

        processus = (await http.get("/processus", params={"limite": 1000})).json()
        assert {p["etat"] for p in processus if p["type"] == "eir"} >= ETATS_EIR
        assert {p["type"] for p in processus} >= {"eir", "rectification", "validation"}
        async with sessions() as session:
            routages = {r.routage for r in (await session.exec(select(RectificationTable))).all()}
        assert routages == ROUTAGES
        taches = (await http.get("/taches")).json()
        en_retard = [t for t in taches if t["en_retard"]]
        assert len(en_retard) >= 2, taches  # one reminded, one escalated to the supervisors

        vues: dict[int, dict] = {}

        async def aux_etapes_attendues() -> bool:
            for a in (annee - 1, annee):
                vues[a] = (await http.get(f"/campagnes/{a}")).json()
            return vues[annee].get("etape") == "mise_a_jour_employeurs" and vues[annee - 1].get("etape") in {
                "attente_envoi",
                "envoi_documents",
                "terminee",
            }

        for _ in range(150):  # a read a second: the API's rate limit counts every call of the token
            if await aux_etapes_attendues():
                break
            await asyncio.sleep(1)
        assert vues[annee].get("etape") == "mise_a_jour_employeurs", vues[annee]
        assert vues[annee]["progression"]["taches"].get("ouverte", 0) >= 1, vues[annee]
        assert vues[annee - 1].get("etape") in {"attente_envoi", "envoi_documents", "terminee"}, vues
        # The previous one: its documents out, no task of it left open in the employers' inboxes.
        passee = vues[annee - 1]
        assert passee["compteurs"].get("documents", 0) >= 1, passee
        assert passee["progression"]["taches"].get("ouverte", 0) == 0, passee

        # The supervisor's campaign pages say where each campaign stands today, and a dry run counts the demo's agents.
        nav = Navigateur(
            await pile.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60)
            )
        )
        assert (await nav.connecter("superviseur", superviseur["code"])).status_code == 303
        liste = (await nav.get("/superviseur/campagnes")).text
        # the pages speak Paris time: between 23:00 and midnight UTC it is already tomorrow there
        assert f"Calendrier des campagnes au {date_fr(datetime.now(ZoneInfo('Europe/Paris')).date())}" in liste
        assert f"Campagne {annee} (envoi des documents en {annee + 1}) : lancée" in liste
        assert f"Campagne {annee + 1} (envoi des documents en {annee + 2}) : pas encore lancée" in liste
        courante = (await nav.get(f"/superviseur/campagnes/{annee}")).text
        assert "Relevé individuel de situation (RIS)</th>" in courante and "sélection aura lieu" not in courante
        # Its next step: the first of its reminders (30 and 7 days before its deadline, 30 days from today at
        # 08:00 Paris) still to come — before 08:00 in Paris the first one is today.
        limite = datetime.combine(date.today() + timedelta(days=30), time(8), ZoneInfo("Europe/Paris"))
        prochaine = min(r for r in (limite - timedelta(days=30), limite - timedelta(days=7)) if r > datetime.now(UTC))
        assert f"prochaine échéance le {date_fr(prochaine.date())} à " in courante
        limite = re.search(r"Date limite de mise à jour par les employeurs</th><td>([^<]+)</td><td>([^<]+)<", courante)
        assert limite and limite.groups() == (date_fr(date.today() + timedelta(days=30)), "À venir"), limite
        simulation = await nav.post("/superviseur/campagnes", {"annee": str(annee), "simulation": "oui"})
        assert simulation.status_code == 303, simulation.text
        page = (await nav.get(simulation.headers["location"])).text
        cohortes = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>(?:<td>\d+</td>)*<td>(\d+)</td></tr>", page)
        assert dict(cohortes).get("Relevé individuel de situation (RIS)", "0") != "0", cohortes
        assert "ne retient aucun agent" not in page
        passee = (await nav.get(f"/superviseur/campagnes/{annee - 1}")).text
        assert "Documents produits</th><td>0<" not in passee
        for html in (liste, courante, page, passee):
            assert mots_de_code(html) == []

        # A second run (the next `cnracl run`) adds nothing.
        avant = await _lignes(sessions)
        assert await charger_la_demo(settings, forcer=False) is None
        assert await animer(sessions, settings)
        assert await _lignes(sessions) == avant


async def test_le_calendrier_du_jour_dit_ou_en_sont_les_campagnes(tmp_path, url_sqlite, sessions_sqlite):
    """What the launch form reads: in December, this year's campaign is past its launch and its cut-off (launched
    now, every employer would be late at once); the next one is to come. Before July, the one under way is last
    year's."""
    settings = settings_de_test(tmp_path, url_sqlite, 25)
    async with sessions_sqlite() as session:
        decembre = await campagnes.calendrier_du_jour(session, settings, datetime(2026, 12, 5, 12, tzinfo=UTC))
    assert [(c.annee, c.lancee, c.limite_passee) for c in decembre] == [(2026, False, True), (2027, False, False)]
    assert [(r.cle, r.passe) for r in decembre[0].reperes] == [
        ("lancement", True),
        ("date_limite", True),
        ("relance_retardataires", False),
        ("transmission", False),
        ("debut_envoi", False),
        ("fin_envoi", False),
    ]
    assert not any(r.passe for r in decembre[1].reperes)
    assert campagnes.annee_en_cours(settings, datetime(2026, 6, 30, 12, tzinfo=UTC)) == 2025
    assert campagnes.annee_en_cours(settings, datetime(2026, 7, 1, 12, tzinfo=UTC)) == 2026
