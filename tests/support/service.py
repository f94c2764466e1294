"""The service assembled for tests: the real API (in-process ASGI), a real worker, real SMTP and DB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from domain.task_queues import id_workflow_eir
from persistence import depots
from persistence.comptes import creer_compte, hacher
from persistence.db import SessionFactory, creer_moteur, fabrique_sessions, transaction
from persistence.models import DemandeEirTable
from settings import Settings
from tests.support.environnement import port_libre, settings_de_test
from tests.support.fabriques import Population, avec_question_secrete, population
from tests.support.processus_externes import ServeurTemporal, WorkerExterne
from worker import creer_worker

CODE = "code-de-test-123"


@dataclass
class Service:
    settings: Settings
    sessions: SessionFactory
    pop: Population
    app: FastAPI
    pile: AsyncExitStack = field(default_factory=AsyncExitStack)
    jetons: dict[str, str] = field(default_factory=dict)

    async def http(self, identifiant: str | None = None) -> httpx.AsyncClient:
        return await client_api(self.app, self.pile, identifiant)


async def client_api(app: FastAPI, pile: AsyncExitStack, identifiant: str | None = None) -> httpx.AsyncClient:
    """A client of the JSON API of ``app`` (in process), closed with ``pile``; signed in as ``identifiant``."""
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test/api/v1", timeout=60)
    await pile.enter_async_context(client)
    if identifiant:
        reponse = await client.post("/auth/jeton", data={"username": identifiant, "password": CODE})
        assert reponse.status_code == 200, reponse.text
        client.headers["Authorization"] = f"Bearer {reponse.json()['access_token']}"
    return client


async def assembler(settings: Settings, pile: AsyncExitStack) -> Service:
    """Accounts: agent ``camille``, ``lea`` (40), ``jean`` (other employer); ``rh-commune`` and ``drh``; ``superviseur``."""
    moteur = creer_moteur(settings.database_url)
    pile.push_async_callback(moteur.dispose)
    sessions = fabrique_sessions(moteur)
    pop = await population(sessions)
    empreinte = hacher(CODE)
    async with transaction(sessions) as session:
        for role, identifiant, cible in (
            ("affilie", "camille", {"nir": pop.affilie.nir}),
            ("affilie", "lea", {"nir": pop.jeune.nir}),
            ("affilie", "jean", {"nir": pop.collegue.nir}),
            ("employeur", "rh-commune", {"siret": pop.employeur.siret, "profil": "admin"}),
            ("employeur", "drh", {"siret": pop.autre_employeur.siret}),
            ("superviseur", "superviseur", {}),
        ):
            compte = await creer_compte(session, role=role, identifiant=identifiant, code_hash=empreinte, **cible)
            session.add(avec_question_secrete(compte))
    app = create_app(settings)
    await pile.enter_async_context(app.router.lifespan_context(app))
    return Service(settings, sessions, pop, app, pile)


@asynccontextmanager
async def service_seul(tmp_path: Path, url: str, **autres: Any) -> AsyncIterator[Service]:
    """The service alone, for what the API and the pages do over the database: no worker, no mail server."""
    async with AsyncExitStack() as pile:
        yield await assembler(settings_de_test(tmp_path, url, port_libre(), **autres), pile)


@asynccontextmanager
async def service_et_worker(env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Service]:
    """The service and a worker in the test's process, on the Temporal server ``env`` (``settings_sur(env, …)``)."""
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        await pile.enter_async_context(creer_worker(env.client, settings, service.sessions))
        yield service


@asynccontextmanager
async def service_et_worker_externe(settings: Settings, journal: Path) -> AsyncIterator[tuple[Service, WorkerExterne]]:
    """The service, and its worker in a process of its own, not started: the test starts, kills and restarts it."""
    worker = WorkerExterne(settings, journal)
    async with AsyncExitStack() as pile:
        pile.callback(worker.arreter)
        service = await assembler(settings, pile)
        yield service, worker


@asynccontextmanager
async def service_sur_moteur_arretable(
    tmp_path: Path, url: str
) -> AsyncIterator[tuple[Service, ServeurTemporal, DemandeEirTable]]:
    """The service on a dev server of its own that the test may kill, with an EIR request stored whose process
    was never started (the engine does not know it)."""
    temporal = ServeurTemporal(tmp_path / "temporal.db", tmp_path / "temporal.log")
    temporal.demarrer()
    settings = settings_de_test(tmp_path, url, 1, temporal_address=temporal.adresse)
    async with AsyncExitStack() as pile:
        pile.callback(temporal.arreter)
        service = await assembler(settings, pile)
        maintenant = datetime.now(UTC)
        async with transaction(service.sessions) as session:
            demande = await depots.creer_demande_eir(
                session, service.pop.affilie, maintenant.date(), "en_ligne", maintenant, id_workflow_eir
            )
        yield service, temporal, demande
