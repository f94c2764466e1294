"""A campaign whose perimeter a supervisor steers, on the real service: the API and the pages in process, a real
worker on Temporal's time-skipping server, the real SMTP server; the campaign's population (tests.support.campagne)
with a supervisor and two employers' accounts, and a late affiliate the selection cannot see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import date

import httpx
from fastapi import FastAPI
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from persistence.comptes import creer_compte, hacher
from persistence.db import SessionFactory, creer_moteur, fabrique_sessions, transaction
from persistence.fabrique import creer_affilie
from persistence.models import Affilie, Evenement
from persistence.models_campagne import CibleCampagne
from settings import Settings
from tests.support.campagne import PopulationCampagne, annee_de_campagne, population_campagne
from tests.support.environnement import BoiteMail, settings_de_test
from tests.support.fabriques import avec_question_secrete
from tests.support.navigateur import Navigateur
from tests.support.service import CODE
from worker import creer_worker


@dataclass
class BancPerimetre:
    env: WorkflowEnvironment
    settings: Settings
    sessions: SessionFactory
    boite: BoiteMail
    pop: PopulationCampagne
    pile: AsyncExitStack
    app: FastAPI

    async def http(self, identifiant: str) -> httpx.AsyncClient:
        client = await self.pile.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://test/api/v1", timeout=60)
        )
        jeton = (await client.post("/auth/jeton", data={"username": identifiant, "password": CODE})).json()
        client.headers["Authorization"] = f"Bearer {jeton['access_token']}"
        return client

    async def navigateur(self, identifiant: str) -> Navigateur:
        client = await self.pile.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://test", timeout=60)
        )
        nav = Navigateur(client)
        assert (await nav.connecter(identifiant)).status_code == 303
        return nav

    async def cibles(self) -> dict[int, CibleCampagne]:
        """The campaign's targets by agent (one cohort each in this population)."""
        async with self.sessions() as session:
            return {c.affilie_id: c for c in (await session.exec(select(CibleCampagne))).all()}

    async def evenements(self, *types: str) -> list[Evenement]:
        async with self.sessions() as session:
            requete = select(Evenement).where(col(Evenement.type).in_(types)).order_by(col(Evenement.id))
            return list((await session.exec(requete)).all())

    async def affilier(self, affilie: Affilie, employeur: str) -> None:
        """The late affiliation reaches the CNRACL: the agent now has his employer."""
        async with transaction(self.sessions) as session:
            ligne = await session.get(Affilie, affilie.id)
            assert ligne is not None
            ligne.employeur_id = self.pop.employeurs[employeur].id
            session.add(ligne)


@asynccontextmanager
async def banc_perimetre(
    env: WorkflowEnvironment, tmp_path, boite: BoiteMail, url: str, avec_eig: bool = True
) -> AsyncIterator[BancPerimetre]:
    """Batches of two employers, packets of two agents (several batches and packets to go through). ``yanis``: an
    agent of the RIS cohort (45 in the sending year) whose affiliation is not yet known at the selection."""
    settings = settings_de_test(
        tmp_path,
        url,
        boite.port,
        temporal_address=env.client.service_client.config.target_host,
        campagne_taille_lot_employeurs=2,
        campagne_taille_paquet=2,
        campagne_paquet_smtp=2,
    )
    moteur = creer_moteur(url)
    sessions = fabrique_sessions(moteur)
    annee = await annee_de_campagne(env)
    pop = await population_campagne(sessions, annee, avec_eig=avec_eig)
    async with transaction(sessions) as session:
        pop.agents["yanis"] = await creer_affilie(
            session,
            nom="NomYanis",
            prenom="Yanis",
            naissance=date(annee + 1 - 45, 5, 4),
            email="yanis@agents.example.fr",
            employeur=None,
            debut_carriere=date(annee - 20, 9, 1),
            ordre=60,
            sexe=1,
        )
        for role, identifiant, cible in (
            ("superviseur", "superviseur", {}),
            ("employeur", "rh-commune", {"siret": pop.employeurs["commune"].siret}),
        ):
            compte = await creer_compte(session, role=role, identifiant=identifiant, code_hash=hacher(CODE), **cible)
            session.add(avec_question_secrete(compte))
    app = create_app(settings)
    try:
        async with AsyncExitStack() as pile, creer_worker(env.client, settings, sessions):
            await pile.enter_async_context(app.router.lifespan_context(app))
            yield BancPerimetre(env, settings, sessions, boite, pop, pile, app)
    finally:
        await moteur.dispose()
