"""Fault tests: the ``chaos`` marker (``make chaos``, also in ``make test``) and a private PostgreSQL server
that a test may stop and restart (the machine's shared server is never touched)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.environnement import port_libre

CHAOS = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "chaos: fault tests (worker, Temporal, PostgreSQL or SMTP stopped mid-process)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if CHAOS in item.path.parents:
            item.add_marker(pytest.mark.chaos)


def _binaires_postgresql() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return versions[-1].parent if versions else None


class PostgresqlPrive:
    """A PostgreSQL server of its own (initdb in a temporary directory, a free port, trust on loopback)."""

    def __init__(self, binaires: Path, dossier: Path) -> None:
        self.binaires, self.dossier, self.port = binaires, dossier, port_libre()
        self.donnees, self.journal = dossier / "donnees", dossier / "postgresql.log"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _executer(self, *commande: str) -> None:
        # initdb refuses root: the server runs as the postgres system user when the tests run as root.
        prefixe = ["runuser", "-u", "postgres", "--"] if _root() else []
        subprocess.run([*prefixe, *commande], check=True, capture_output=True, timeout=60)

    def initialiser(self) -> None:
        self._executer(
            str(self.binaires / "initdb"),
            "-D",
            str(self.donnees),
            "--auth=trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def demarrer(self) -> None:
        self._executer(
            str(self.binaires / "pg_ctl"),
            "-D",
            str(self.donnees),
            "-l",
            str(self.journal),
            "-w",
            "-o",
            f"-p {self.port} -k {self.dossier} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def arreter(self, mode: str = "fast") -> None:
        """``fast``: a clean shutdown (clients cut); ``immediate``: a crash, recovered at the next start."""
        self._executer(str(self.binaires / "pg_ctl"), "-D", str(self.donnees), "-m", mode, "-w", "stop")

    def en_marche(self) -> bool:
        return (self.donnees / "postmaster.pid").exists()


def _root() -> bool:
    return os.geteuid() == 0


@pytest.fixture
def postgresql_prive() -> Iterator[PostgresqlPrive]:
    binaires = _binaires_postgresql()
    if binaires is None:
        pytest.skip("binaires PostgreSQL absents (/usr/lib/postgresql/*/bin)")
    dossier = Path(tempfile.mkdtemp(prefix="cnracl-pg-"))
    if _root():
        shutil.chown(dossier, "postgres")
    serveur = PostgresqlPrive(binaires, dossier)
    serveur.initialiser()
    serveur.demarrer()
    try:
        yield serveur
    finally:
        if serveur.en_marche():
            serveur.arreter("immediate")
        time.sleep(0.2)
        shutil.rmtree(dossier, ignore_errors=True)
