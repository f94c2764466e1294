"""A campaign under test: a small population (three employers, agents in and out of the cohorts, CIR up to date or
not), the campaign year, the test server's clock moved forward, the employers' tasks and their answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import httpx
from fastapi import FastAPI
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

import pension
from api.app import create_app
from domain.campagne import TYPE_TACHE_CAMPAGNE
from domain.cir import LigneCir
from persistence import depots, depots_campagne
from persistence.comptes import creer_compte, hacher
from persistence.db import SessionFactory, creer_moteur, fabrique_sessions, transaction
from persistence.fabrique import creer_affilie, creer_employeur, identifiant
from persistence.models import Affilie, Employeur, Tache
from settings import Settings
from tests.support.fabriques import avec_question_secrete
from tests.support.navigateur import Navigateur, connecte
from tests.support.service import CODE, client_api
from worker import creer_worker

# The EIG of the campaign needs the pension estimate.
AVEC_EIG = hasattr(pension, "estimer")


@dataclass
class PopulationCampagne:
    annee: int
    employeurs: dict[str, Employeur]
    agents: dict[str, Affilie]
    attendus: dict[str, str]  # agent → document expected
    a_mettre_a_jour: dict[str, set[str]]  # employer → agents whose CIR must be updated


async def population_campagne(sessions: SessionFactory, annee: int, avec_eig: bool = True) -> PopulationCampagne:
    """Campaign ``annee`` (sending year ``annee + 1``): ages below are reached in the sending year."""
    envoi = annee + 1
    annee_cir = annee - 1
    async with transaction(sessions) as session:
        employeurs = {
            "commune": await creer_employeur(session, 21330063, "Commune de Saint-Exemple", "rh@saint-exemple.fr"),
            "hopital": await creer_employeur(
                session, 26330108, "Centre hospitalier de Lautreville", "drh@ch-lautreville.fr", type="hopital"
            ),
            "sdis": await creer_employeur(session, 28330001, "SDIS de l'Exemple", "rh@sdis-exemple.fr"),
        }
        agents: dict[str, Affilie] = {}
        attendus: dict[str, str] = {}
        a_jour: set[str] = set()
        ordre = 0

        async def agent(
            cle: str,
            age: int,
            employeur: str,
            document: str | None,
            cir_complet: bool,
            debut: date | None = None,
            radiation: date | None = None,
        ) -> None:
            nonlocal ordre
            ordre += 1
            naissance = date(envoi - age, 3, 10 + ordre)
            affilie = await creer_affilie(
                session,
                nom=f"Nom{cle.capitalize()}",
                prenom=cle.capitalize(),
                naissance=naissance,
                email=f"{cle}@agents.example.fr",
                employeur=employeurs[employeur],
                debut_carriere=debut or date(naissance.year + 23, 9, 1),
                ordre=ordre,
                fin_carriere=radiation,
                indice_majore=450 + 3 * age,
                enfants=(date(naissance.year + 30, 6, 1),) if age > 40 else (),
            )
            agents[cle] = affilie
            if cir_complet:
                a_jour.add(cle)
                await depots.ecrire_ligne_cir(
                    session,
                    identifiant(affilie),
                    LigneCir(
                        date_debut=date(annee_cir, 1, 1), date_fin=date(annee_cir, 12, 31), indice_majore=400 + 4 * age
                    ),
                    employeurs[employeur].id,
                    datetime.now(UTC),
                )
            if document:
                attendus[cle] = document

        await agent("alice", 35, "commune", "ris", cir_complet=False)
        await agent("bruno", 40, "commune", "ris", cir_complet=True)
        await agent("denis", 38, "commune", None, cir_complet=False)  # not in a cohort
        await agent("emma", 50, "hopital", "ris", cir_complet=False)
        await agent("chloe", 45, "sdis", "ris", cir_complet=True)
        await agent("rachid", 35, "hopital", None, cir_complet=False, radiation=date(annee - 1, 6, 30))  # left
        # A newcomer: 2 trimestres validated for the first time during year N.
        await agent("nina", 26, "commune", "information_generale", cir_complet=False, debut=date(annee, 3, 1))
        if avec_eig:
            await agent("celine", 55, "commune", "eig", cir_complet=False)
            await agent("henri", 60, "hopital", "eig", cir_complet=True)
    a_mettre_a_jour: dict[str, set[str]] = {"commune": set(), "hopital": set(), "sdis": set()}
    for cle, affilie in agents.items():
        if cle in attendus and attendus[cle] != "information_generale" and cle not in a_jour:
            nom = next(n for n, e in employeurs.items() if e.id == affilie.employeur_id)
            a_mettre_a_jour[nom].add(cle)
    return PopulationCampagne(annee, employeurs, agents, attendus, a_mettre_a_jour)


@asynccontextmanager
async def campagne_et_worker(
    env: WorkflowEnvironment, settings: Settings
) -> AsyncIterator[tuple[SessionFactory, PopulationCampagne]]:
    """The campaign population in ``settings``' database (with its EIG agents when the estimate exists) and a
    worker, on ``env`` (the time-skipping server)."""
    moteur = creer_moteur(settings.database_url)
    sessions = fabrique_sessions(moteur)
    try:
        pop = await population_campagne(sessions, await annee_de_campagne(env), avec_eig=AVEC_EIG)
        async with creer_worker(env.client, settings, sessions):
            yield sessions, pop
    finally:
        await moteur.dispose()


@dataclass
class ServiceCampagne:
    """The API and the pages over the campaign population, with the accounts ``superviseur``, ``rh-commune`` (the
    commune) and ``drh`` (the hospital)."""

    app: FastAPI
    pile: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def http(self, identifiant: str) -> httpx.AsyncClient:
        return await client_api(self.app, self.pile, identifiant)

    async def navigateur(self, identifiant: str) -> Navigateur:
        return await connecte(self.app, self.pile, identifiant)


@asynccontextmanager
async def service_campagne(
    env: WorkflowEnvironment, settings: Settings, sessions: SessionFactory
) -> AsyncIterator[tuple[ServiceCampagne, PopulationCampagne]]:
    """The campaign population without its EIG agents, its accounts, a worker on ``env`` and the service."""
    pop = await population_campagne(sessions, await annee_de_campagne(env), avec_eig=False)
    async with transaction(sessions) as session:
        for role, identifiant, cible in (
            ("superviseur", "superviseur", {}),
            ("employeur", "rh-commune", {"siret": pop.employeurs["commune"].siret}),
            ("employeur", "drh", {"siret": pop.employeurs["hopital"].siret}),
        ):
            compte = await creer_compte(session, role=role, identifiant=identifiant, code_hash=hacher(CODE), **cible)
            session.add(avec_question_secrete(compte))
    app = create_app(settings)
    async with AsyncExitStack() as pile, creer_worker(env.client, settings, sessions):
        await pile.enter_async_context(app.router.lifespan_context(app))
        yield ServiceCampagne(app, pile), pop


async def annee_de_campagne(env: WorkflowEnvironment) -> int:
    """A campaign whose July is still ahead of the test server's clock (shared by the session's tests)."""
    return (await env.get_current_time()).year + 1


async def avancer_jusqua(env: WorkflowEnvironment, instant: datetime) -> None:
    maintenant = await env.get_current_time()
    if instant > maintenant:
        await env.sleep(instant - maintenant)


async def taches_de_campagne(sessions: SessionFactory) -> list[Tache]:
    async with sessions() as session:
        return list(
            (await session.exec(select(Tache).where(Tache.type == TYPE_TACHE_CAMPAGNE).order_by(col(Tache.id)))).all()
        )


async def completer_taches(sessions: SessionFactory, taches: list[Tache]) -> None:
    """What the employer does through the API: its answer closes the task."""
    async with transaction(sessions) as session:
        for tache in taches:
            assert tache.id is not None
            assert await depots_campagne.terminer_tache_campagne(
                session, tache.id, None, {"donnees_verifiees": True}, datetime.now(UTC)
            )
