"""The tests' environment: paths, free ports, the real SMTP box and its messages, settings, PostgreSQL databases."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import socket
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
from temporalio.testing import WorkflowEnvironment

from notifications.puits import GestionnairePuits
from persistence.migrations import migrer_async
from settings import Settings

RACINE = Path(__file__).resolve().parent.parent.parent
BIN = RACINE / ".venv" / "bin"
PG_ADMIN = os.environ.get("CNRACL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class BoiteMail:
    """The real SMTP server of the tests, and what it received, parsed."""

    gestionnaire: GestionnairePuits
    port: int
    vus: int = field(default=0)

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(brut, _class=EmailMessage, policy=email.policy.default)
            for brut in self.gestionnaire.recus
        ]

    def pour(self, destinataire: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == destinataire]

    def sujets(self, destinataire: str | None = None) -> list[str]:
        return [str(m["Subject"]).strip() for m in (self.pour(destinataire) if destinataire else self.messages)]

    def vider(self) -> None:
        self.gestionnaire.recus.clear()


def texte(message: EmailMessage) -> str:
    corps = message.get_body(preferencelist=("plain",))
    assert corps is not None
    contenu: str = corps.get_content()
    return contenu


def settings_de_test(tmp_path: Path, url: str, port_smtp: int, **autres: Any) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        database_url=url,
        smtp_host="127.0.0.1",
        smtp_port=port_smtp,
        secret_key="cle-de-test-" + "x" * 40,
        task_queue=f"test-{uuid.uuid4().hex[:8]}",
        **autres,
    )


def settings_sur(env: WorkflowEnvironment, tmp_path: Path, url: str, port_smtp: int, **autres: Any) -> Settings:
    """The settings of a service whose API and worker reach the test's Temporal server ``env``."""
    adresse: str = env.client.service_client.config.target_host
    return settings_de_test(tmp_path, url, port_smtp, temporal_address=adresse, **autres)


def delais_eir_courts(notification: float = 1, enquete: float = 1) -> dict[str, timedelta]:
    """EIR delays for a run in real time on the dev server: the employer notified and the survey sent within
    seconds, the reminder and the escalation out of the test's reach."""
    return {
        "eir_delai_notification_employeur": timedelta(seconds=notification),
        "relance_employeur": timedelta(minutes=5),
        "escalade_superviseur": timedelta(minutes=10),
        "eir_delai_enquete": timedelta(seconds=enquete),
    }


async def creer_base_postgres(modele: str | None = None) -> str:
    """A new PostgreSQL database, empty or a copy of the database ``modele``; its name."""
    nom = f"cnracl_test_{uuid.uuid4().hex[:10]}"
    connexion = await asyncpg.connect(PG_ADMIN)
    try:
        await connexion.execute(f'CREATE DATABASE "{nom}"' + (f' TEMPLATE "{modele}"' if modele else ""))
    finally:
        await connexion.close()
    return nom


async def supprimer_base_postgres(nom: str) -> None:
    connexion = await asyncpg.connect(PG_ADMIN)
    try:
        await connexion.execute(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')
    finally:
        await connexion.close()


# The databases the tests start from are copies of one migrated per test process: running the migrations takes
# about half a second, and some 400 tests each start from a fresh database.
_modeles: dict[str, str] = {}


async def base_sqlite_migree(fichier: Path) -> str:
    """A SQLite database at ``fichier`` holding the latest schema; its URL."""
    modele = _modeles.get("sqlite")
    if modele is None:
        modele = str(Path(tempfile.mkdtemp(prefix="cnracl-modele-")) / "modele.db")
        await migrer_async(f"sqlite+aiosqlite:///{modele}")
        _modeles["sqlite"] = modele
    shutil.copyfile(modele, fichier)
    return f"sqlite+aiosqlite:///{fichier}"


def url_postgres(nom: str) -> str:
    """The SQLAlchemy (asyncpg) URL of the test server's database ``nom``."""
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{nom}"


async def base_postgres_migree() -> str:
    """A new PostgreSQL database holding the latest schema (a copy of this process's migrated template); its
    name, for :func:`supprimer_base_postgres`."""
    modele = _modeles.get("postgresql")
    if modele is None:
        modele = await creer_base_postgres()
        await migrer_async(url_postgres(modele))
        _modeles["postgresql"] = modele
    return await creer_base_postgres(modele)


async def supprimer_modeles() -> None:
    """Remove this process's templates (at the end of the session)."""
    if (modele := _modeles.pop("postgresql", None)) is not None:
        await supprimer_base_postgres(modele)
    if (fichier := _modeles.pop("sqlite", None)) is not None:
        shutil.rmtree(Path(fichier).parent, ignore_errors=True)
