"""The API and its PostgreSQL connections: a connection the server closed is replaced before use (the next
call succeeds), and while the database refuses connections the API answers 503 in French, not 500."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import asyncpg
import pytest

from tests.support.environnement import (
    PG_ADMIN,
    base_postgres_migree,
    settings_de_test,
    supprimer_base_postgres,
    url_postgres,
)
from tests.support.navigateur import navigateur
from tests.support.service import assembler

pytestmark = pytest.mark.postgres


@pytest.fixture
async def base():
    nom = await base_postgres_migree()
    url = url_postgres(nom)
    try:
        yield nom, url
    finally:
        admin = await asyncpg.connect(PG_ADMIN)
        try:
            await admin.execute(f'ALTER DATABASE "{nom}" ALLOW_CONNECTIONS true')
        finally:
            await admin.close()
        await supprimer_base_postgres(nom)


async def _couper(nom: str, refuser: bool | None = None) -> int:
    """Close every connection to the database ``nom`` from the server side (what a restart does to its
    clients); ``refuser``: and refuse new ones (True) or accept them again (False)."""
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        if refuser is not None:
            await admin.execute(f'ALTER DATABASE "{nom}" ALLOW_CONNECTIONS {"false" if refuser else "true"}')
        coupees = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1", nom
        )
    finally:
        await admin.close()
    await asyncio.sleep(0.3)  # the clients' event loop reads the end of each stream
    return coupees


@pytest.fixture
async def service(tmp_path, base):
    """The API on that database (Temporal unreachable: not needed here)."""
    _, url = base
    async with AsyncExitStack() as pile:
        yield await assembler(settings_de_test(tmp_path, url, 1, temporal_address="127.0.0.1:1"), pile)


@pytest.fixture
async def superviseur(service):
    """A supervisor's client of the API."""
    return await service.http("superviseur")


async def test_une_connexion_coupee_par_le_serveur_est_remplacee(base, superviseur):
    for _ in range(3):  # a few connections in the pool
        assert (await superviseur.get("/processus")).status_code == 200
    assert await _couper(base[0]) >= 1
    for _ in range(5):
        reponse = await superviseur.get("/processus")
        assert reponse.status_code == 200, reponse.text


async def test_base_injoignable_503_puis_reprise(base, superviseur):
    assert (await superviseur.get("/processus")).status_code == 200
    await _couper(base[0], refuser=True)
    reponse = await superviseur.get("/processus")
    assert reponse.status_code == 503, reponse.text
    assert "base de données" in reponse.json()["detail"] and "réessayez" in reponse.json()["detail"]
    assert reponse.headers.get("Retry-After")
    await _couper(base[0], refuser=False)
    assert (await superviseur.get("/processus")).status_code == 200


async def test_une_page_pendant_la_panne_dit_de_revenir(base, service):
    """A supervisor on the pages when the database stops: the page of the service says so in French (503,
    Retry-After), not a JSON body; the same page works again once the database is back."""
    nav = await navigateur(service, "superviseur")
    assert (await nav.get("/processus")).status_code == 200
    await _couper(base[0], refuser=True)
    page = await nav.get("/processus", headers={"Accept": "text/html"})
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Service momentanément indisponible</h1>" in page.text and "réessayez" in page.text
    assert page.headers.get("Retry-After")
    await _couper(base[0], refuser=False)
    assert (await nav.get("/processus")).status_code == 200
