"""The service assembled for tests: the real API (in-process ASGI), a real worker, real SMTP and DB."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI

from api.app import create_app
from persistence.comptes import creer_compte, hacher
from persistence.db import SessionFactory, creer_moteur, fabrique_sessions, transaction
from settings import Settings
from tests.support.fabriques import Population, population

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
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://test/api/v1", timeout=60
        )
        await self.pile.enter_async_context(client)
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
            await creer_compte(session, role=role, identifiant=identifiant, code_hash=empreinte, **cible)
    app = create_app(settings)
    await pile.enter_async_context(app.router.lifespan_context(app))
    return Service(settings, sessions, pop, app, pile)
