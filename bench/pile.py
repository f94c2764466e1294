"""The embedded stack of a benchmark, as ``make run`` starts it: Temporal dev server, SMTP sink, one worker,
the API under uvicorn, each a process of its own, on free ports; stopped when the ``with`` block ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.bench_campagne import _attendre_port, _port
from workflows.client import persistance_serveur_dev

BIN = Path(sys.executable).parent


class PileEmbarquee:
    def __init__(self, dossier: Path, url: str, reglages: dict[str, str]) -> None:
        self.dossier = dossier
        self.port_temporal, self.port_smtp, self.port_api = _port(), _port(), _port()
        self.env = {**os.environ, "CNRACL_VAR_DIR": str(dossier), "CNRACL_DATABASE_URL": url,
                    "CNRACL_TEMPORAL_ADDRESS": f"127.0.0.1:{self.port_temporal}", "CNRACL_SMTP_HOST": "127.0.0.1",
                    "CNRACL_SMTP_PORT": str(self.port_smtp), **reglages}
        self._journal = open(dossier / "processus.log", "ab")
        self._processus: list[subprocess.Popen] = []

    def peupler(self, affilies: int) -> None:
        """Migrations, then a synthetic population of ``affilies`` agents."""
        for commande in (["migrer"], ["donnees", "synthetiques", "--affilies", str(affilies)]):
            subprocess.run([str(BIN / "cnracl"), *commande], env=self.env, check=True, capture_output=True)

    def lancer(self, commande: list[str]) -> None:
        self._processus.append(subprocess.Popen(commande, env=self.env, stdout=self._journal,
                                                stderr=subprocess.STDOUT, start_new_session=True))

    def demarrer(self, temporal_persiste: bool = True, workers: int = 1) -> None:
        persistance = persistance_serveur_dev(self.dossier / "temporal.db") if temporal_persiste else []
        self.lancer([str(BIN / "temporal"), "server", "start-dev", "--ip", "127.0.0.1", "--port",
                     str(self.port_temporal), "--headless", "--log-level", "error", *persistance])
        _attendre_port(self.port_temporal)
        self.lancer([str(BIN / "cnracl"), "smtp", "--port", str(self.port_smtp)])
        for _ in range(workers):
            self.lancer([str(BIN / "cnracl"), "worker"])
        self.lancer([str(BIN / "cnracl"), "api", "--port", str(self.port_api)])
        _attendre_port(self.port_smtp)
        _attendre_port(self.port_api)

    def __enter__(self) -> "PileEmbarquee":
        return self

    def __exit__(self, *_) -> None:
        for p in self._processus:
            p.terminate()
        for p in self._processus:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        self._journal.close()
