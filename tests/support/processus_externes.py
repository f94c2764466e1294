"""Components in processes of their own, killed and restarted by the fault tests: the worker, the Temporal
dev server persisted to a file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from settings import Settings
from tests.support.environnement import BIN, port_libre
from workflows.client import persistance_serveur_dev


class WorkerExterne:
    """``cnracl worker`` in its own process, configured through the environment as in production."""

    def __init__(self, settings: Settings, journal: Path) -> None:
        self.env = {
            **os.environ,
            "CNRACL_DATABASE_URL": settings.database_url,
            "CNRACL_TEMPORAL_ADDRESS": settings.temporal_address,
            "CNRACL_SMTP_HOST": settings.smtp_host,
            "CNRACL_SMTP_PORT": str(settings.smtp_port),
            "CNRACL_TASK_QUEUE": settings.task_queue,
            "CNRACL_VAR_DIR": str(settings.var_dir),
        }
        self.journal = journal
        self.processus: subprocess.Popen | None = None

    def demarrer(self) -> None:
        with open(self.journal, "ab") as sortie:
            self.processus = subprocess.Popen(
                [str(BIN / "cnracl"), "worker"], env=self.env, stdout=sortie, stderr=subprocess.STDOUT
            )

    def tuer(self) -> None:
        assert self.processus is not None
        self.processus.send_signal(signal.SIGKILL)
        self.processus.wait(timeout=10)

    def arreter(self) -> None:
        if self.processus and self.processus.poll() is None:
            self.processus.terminate()
            self.processus.wait(timeout=10)


class ServeurTemporal:
    def __init__(self, fichier: Path, journal: Path) -> None:
        self.port, self.fichier, self.journal = port_libre(), fichier, journal
        self.processus: subprocess.Popen | None = None

    @property
    def adresse(self) -> str:
        return f"127.0.0.1:{self.port}"

    def demarrer(self) -> None:
        with open(self.journal, "ab") as sortie:
            self.processus = subprocess.Popen(
                [
                    str(BIN / "temporal"),
                    "server",
                    "start-dev",
                    "--ip",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--headless",
                    "--log-level",
                    "error",
                    *persistance_serveur_dev(self.fichier),
                ],
                stdout=sortie,
                stderr=subprocess.STDOUT,
            )
        fin = time.monotonic() + 60
        while time.monotonic() < fin:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError("le serveur Temporal ne démarre pas")

    def tuer(self) -> None:
        assert self.processus is not None
        self.processus.send_signal(signal.SIGKILL)
        self.processus.wait(timeout=10)

    def arreter(self) -> None:
        if self.processus and self.processus.poll() is None:
            self.processus.terminate()
            self.processus.wait(timeout=20)
