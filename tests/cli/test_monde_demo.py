"""The demo world `cnracl run` loads on an empty database: a supervisor sees processes in every state the demo
claims, rectifications on each routing path, validation dossiers, overdue tasks, a past campaign and the current
one; a second run adds nothing."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack

import httpx
import pytest
from sqlmodel import func, select

from api.app import create_app
from persistence.db import creer_moteur, fabrique_sessions
from persistence.models import Compte, DemandeEirTable, DossierValidationTable, RectificationTable, Tache
from persistence.models_campagne import CampagneTable
from services.demo import animer
from services.donnees import charger_la_demo
from tests.support.environnement import settings_de_test
from worker import creer_worker

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


async def test_la_demo_montre_chaque_etat_et_des_taches_en_retard(env_dev, tmp_path, boite_mail, url_sqlite):
    settings = settings_de_test(
        tmp_path, url_sqlite, boite_mail.port, temporal_address=env_dev.client.service_client.config.target_host
    )
    assert await charger_la_demo(settings, forcer=False)
    moteur = creer_moteur(url_sqlite)
    async with AsyncExitStack() as pile:
        pile.push_async_callback(moteur.dispose)
        sessions = fabrique_sessions(moteur)
        await pile.enter_async_context(creer_worker(env_dev.client, settings, sessions))
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

        # A second run (the next `cnracl run`) adds nothing.
        avant = await _lignes(sessions)
        assert await charger_la_demo(settings, forcer=False) is None
        assert await animer(sessions, settings)
        assert await _lignes(sessions) == avant
