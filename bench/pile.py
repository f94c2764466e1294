"""The embedded stack of a benchmark, as ``make run`` starts it: Temporal dev server, SMTP sink, one worker,
the API under uvicorn, each a process of its own, on free ports; stopped when the ``with`` block ends."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from services.moteur import commande_serveur_dev

BIN = Path(sys.executable).parent


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def attendre_port(port: int, delai: float = 60) -> None:
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"le port {port} ne répond pas")


def option_population(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--population", type=int, default=3000, help="agents synthétiques en base")


def options_pile(parser: argparse.ArgumentParser) -> None:
    """How the stack runs, as ``PileEmbarquee.demarrer_selon`` reads it."""
    parser.add_argument("--workers", type=int, default=1, help="processus worker sur la file de tâches")
    parser.add_argument(
        "--workers-separes",
        action="store_true",
        help="chaque worker en deux processus : workflows, et activités sous nice",
    )
    parser.add_argument(
        "--temporal-en-memoire",
        action="store_true",
        help="serveur Temporal sans fichier (par défaut : persisté, comme make run)",
    )


def _processus_de_la_machine() -> dict[int, tuple[str, int, float]]:
    """pid → (name, parent pid, processor seconds, user and system), from ``/proc``."""
    tic = os.sysconf("SC_CLK_TCK")
    resultat = {}
    for entree in os.listdir("/proc"):
        if not entree.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entree}/stat").read_text()
        except OSError:  # ended meanwhile
            continue
        nom, reste = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        resultat[int(entree)] = (nom, int(reste[1]), (int(reste[11]) + int(reste[12])) / tic)
    return resultat


def _partie(commande: list[str]) -> str:
    """The name of a part of the stack from its command: ``temporal``, ``api``, ``worker``, ``worker-activites``."""
    cnracl = str(BIN / "cnracl")
    if cnracl not in commande:
        return Path(commande[0]).name
    nom = commande[commande.index(cnracl) + 1]
    return f"{nom}-{commande[commande.index('--part') + 1]}" if "--part" in commande else nom


class PileEmbarquee:
    def __init__(self, dossier: Path, url: str, reglages: dict[str, str]) -> None:
        self.dossier = dossier
        self.port_temporal, self.port_smtp, self.port_api = port_libre(), port_libre(), port_libre()
        self.env = {
            **os.environ,
            "CNRACL_VAR_DIR": str(dossier),
            "CNRACL_DATABASE_URL": url,
            "CNRACL_TEMPORAL_ADDRESS": f"127.0.0.1:{self.port_temporal}",
            "CNRACL_SMTP_HOST": "127.0.0.1",
            "CNRACL_SMTP_PORT": str(self.port_smtp),
            **reglages,
        }
        self._journal = open(dossier / "processus.log", "ab")  # noqa: SIM115 (closed by __exit__)
        self._processus: list[subprocess.Popen[bytes]] = []
        self._parties: dict[int, str] = {}  # pid → part of the stack

    def peupler(self, affilies: int) -> None:
        """Migrations, then a synthetic population of ``affilies`` agents."""
        for commande in (["migrer"], ["donnees", "synthetiques", "--affilies", str(affilies)]):
            subprocess.run([str(BIN / "cnracl"), *commande], env=self.env, check=True, capture_output=True)

    def lancer(self, commande: list[str]) -> None:
        processus = subprocess.Popen(
            commande, env=self.env, stdout=self._journal, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._processus.append(processus)
        self._parties[processus.pid] = _partie(commande)

    def processeur(self) -> dict[str, dict[int, float]]:
        """Processor seconds used so far by each process of each part of the stack (a process and its children:
        uvicorn's workers), of every PostgreSQL process of the machine, and of this process (the load
        generator). Two readings are compared with ``ecart``."""
        arbre = _processus_de_la_machine()
        enfants: dict[int, list[int]] = {}
        for pid, (_, parent, _) in arbre.items():
            enfants.setdefault(parent, []).append(pid)

        def descendance(pid: int) -> dict[int, float]:
            lignes = {pid: arbre[pid][2]} if pid in arbre else {}
            for enfant in enfants.get(pid, []):
                lignes.update(descendance(enfant))
            return lignes

        releve: dict[str, dict[int, float]] = {}
        for p in self._processus:
            nom = self._parties[p.pid]
            releve.setdefault(nom, {}).update(descendance(p.pid))
        releve["postgres"] = {pid: s for pid, (nom, _, s) in arbre.items() if nom == "postgres"}
        releve["banc"] = {os.getpid(): arbre.get(os.getpid(), ("", 0, 0.0))[2]}
        return releve

    def demarrer_selon(self, options: argparse.Namespace) -> None:
        """``demarrer`` with the options ``options_pile`` declares."""
        self.demarrer(not options.temporal_en_memoire, options.workers, options.workers_separes)

    def demarrer(self, temporal_persiste: bool = True, workers: int = 1, separes: bool = False) -> None:
        """``separes``: each worker as two processes, workflows and activities, the second under ``nice``."""
        self.lancer(
            commande_serveur_dev(self.port_temporal, self.dossier / "temporal.db" if temporal_persiste else None)
        )
        attendre_port(self.port_temporal)
        self.lancer([str(BIN / "cnracl"), "smtp", "--port", str(self.port_smtp)])
        for _ in range(workers):
            if separes:
                self.lancer([str(BIN / "cnracl"), "worker", "--part", "workflows"])
                self.lancer(["nice", "-n", "10", str(BIN / "cnracl"), "worker", "--part", "activites"])
            else:
                self.lancer([str(BIN / "cnracl"), "worker"])
        self.lancer([str(BIN / "cnracl"), "api", "--port", str(self.port_api)])
        attendre_port(self.port_smtp)
        attendre_port(self.port_api)

    def __enter__(self) -> PileEmbarquee:
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


def ecart(avant: dict[str, dict[int, float]], apres: dict[str, dict[int, float]]) -> tuple[dict[str, float], int]:
    """Processor seconds of each part between two readings, and the PostgreSQL processes started between them
    (a connection each). A process ended in between is not counted: its last seconds are lost (PostgreSQL
    connections closed by a pool)."""
    parts = {
        nom: sum(s - avant.get(nom, {}).get(pid, 0.0) for pid, s in lignes.items()) for nom, lignes in apres.items()
    }
    return parts, len(set(apres.get("postgres", {})) - set(avant.get("postgres", {})))
