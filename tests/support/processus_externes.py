"""Components in processes of their own, killed and restarted by the fault tests: the worker, the Temporal
dev server persisted to a file."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path

from bench.pile import attendre_port
from services.moteur import commande_serveur_dev
from settings import Settings
from tests.support.environnement import BIN, port_libre


class _ProcessusExterne:
    """A command started in its own process, its output appended to ``journal``; killed or stopped."""

    delai_arret = 10.0

    def __init__(self, journal: Path, env: dict[str, str] | None = None) -> None:
        self.journal, self.env = journal, env
        self.processus: subprocess.Popen[bytes] | None = None

    def _lancer(self, commande: list[str]) -> None:
        with open(self.journal, "ab") as sortie:
            self.processus = subprocess.Popen(commande, env=self.env, stdout=sortie, stderr=subprocess.STDOUT)

    def tuer(self) -> None:
        assert self.processus is not None
        self.processus.send_signal(signal.SIGKILL)
        self.processus.wait(timeout=10)

    def arreter(self) -> None:
        if self.processus and self.processus.poll() is None:
            self.processus.terminate()
            self.processus.wait(timeout=self.delai_arret)


def environnement(settings: Settings, **autres: str) -> dict[str, str]:
    """The environment a ``cnracl`` command reads ``settings`` from, as in production; ``autres``: more settings."""
    return {
        **os.environ,
        "CNRACL_DATABASE_URL": settings.database_url,
        "CNRACL_TEMPORAL_ADDRESS": settings.temporal_address,
        "CNRACL_SMTP_HOST": settings.smtp_host,
        "CNRACL_SMTP_PORT": str(settings.smtp_port),
        "CNRACL_TASK_QUEUE": settings.task_queue,
        "CNRACL_VAR_DIR": str(settings.var_dir),
        **autres,
    }


async def commande_cnracl(settings: Settings, *arguments: str, delai: float = 180) -> tuple[int, str, str]:
    """The ``cnracl`` command run as an operator runs it, with ``settings`` in its environment, while the test's event
    loop goes on (its worker answers the command's processes): exit code, output, errors."""
    processus = await asyncio.create_subprocess_exec(
        str(BIN / "cnracl"),
        *arguments,
        env=environnement(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    sortie, erreurs = await asyncio.wait_for(processus.communicate(), delai)
    assert processus.returncode is not None
    return processus.returncode, sortie.decode(), erreurs.decode()


class WorkerExterne(_ProcessusExterne):
    """``cnracl worker`` in its own process, configured through the environment as in production; ``part``: the
    whole worker, or its workflows or activities part."""

    # Stopped (SIGTERM), it lets its running activities finish: a short grace in the tests (a test may ask a longer
    # one), and the wait for the process covers it.
    delai_arret = 30.0

    def __init__(self, settings: Settings, journal: Path, part: str = "tout", **autres: str) -> None:
        super().__init__(journal, environnement(settings, **{"CNRACL_WORKER_ARRET_GRACE": "PT5S", **autres}))
        self.part = part

    def demarrer(self) -> None:
        self._lancer([str(BIN / "cnracl"), "worker", "--part", self.part])


class ServeurTemporal(_ProcessusExterne):
    """The Temporal dev server persisted to ``fichier``: restarted on the same file, it resumes its processes."""

    delai_arret = 20.0

    def __init__(self, fichier: Path, journal: Path) -> None:
        super().__init__(journal)
        self.port, self.fichier = port_libre(), fichier

    @property
    def adresse(self) -> str:
        return f"127.0.0.1:{self.port}"

    def demarrer(self) -> None:
        self._lancer(commande_serveur_dev(self.port, self.fichier))
        attendre_port(self.port)


class ApiExterne(_ProcessusExterne):
    """``cnracl api`` in its own process on a free port, configured through the environment as in production;
    ``autres``: more settings (``CNRACL_…``), e.g. a fault point that makes it exit right after a commit."""

    def __init__(self, settings: Settings, journal: Path, **autres: str) -> None:
        super().__init__(
            journal,
            environnement(
                settings, **{"CNRACL_SECRET_KEY": settings.secret_key, "CNRACL_LIMITES_ACTIVES": "false", **autres}
            ),
        )
        self.port = port_libre()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def lancer(self) -> None:
        """Start it without waiting for it to listen (it takes seconds: the test does something else meanwhile)."""
        self._lancer([str(BIN / "cnracl"), "api", "--port", str(self.port)])

    def ecoute(self) -> None:
        """Wait until it listens (its imports take long on a busy machine)."""
        attendre_port(self.port, delai=180)

    def demarrer(self) -> None:
        self.lancer()
        self.ecoute()

    def code_de_sortie(self, delai: float = 10.0) -> int:
        """Wait for the process to end by itself (a fault point); its exit code."""
        assert self.processus is not None
        return self.processus.wait(timeout=delai)
