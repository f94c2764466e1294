"""What a Python process of the service costs to start, with and without the bytecode written at install time.

    python -m bench.bench_demarrage [--tours 3]
    (or through make bench's machinery: python -m bench demarrage)

The suite starts hundreds of Python processes (its two workers, ``cnracl api``, ``cnracl worker``, each ``cnracl``
command a test runs), and CI's environment sets PYTHONDONTWRITEBYTECODE: without bytecode on disk, each of them
compiles every module it imports, every time. ``make installer`` and ``make bytecode`` write it once.

Two commands, each run with the bytecode (as after ``make installer``) and without it (PYTHONPYCACHEPREFIX pointing
to an empty directory, where Python finds no bytecode and, with PYTHONDONTWRITEBYTECODE, writes none), in turns
A B A B on the same machine:
1. the imports of a service process: ``python -c "import api.app, worker, cli.main"``;
2. a test module that runs ``cnracl`` commands as an operator does: ``pytest tests/cli/test_commandes.py``.
Reported: the median wall time and processor time (user + system of the process and its children) of each side,
and their ratio.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))

from bench.rapport import ecrire_section  # noqa: E402

PYTHON = str(RACINE / ".venv" / "bin" / "python")
COMMANDES = {
    'imports d\'un processus du service (`python -c "import api.app, worker, cli.main"`)': [
        PYTHON,
        "-c",
        "import api.app, worker, cli.main",
    ],
    "un module de tests qui lance des commandes `cnracl` (`pytest tests/cli/test_commandes.py`)": [
        PYTHON,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/cli/test_commandes.py",
    ],
}


def _processeur_des_enfants() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def mesurer(commande: list[str], sans_bytecode: str | None) -> tuple[float, float]:
    """Wall and processor seconds of one run; ``sans_bytecode``: an empty directory to look for bytecode in."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if sans_bytecode:
        env["PYTHONPYCACHEPREFIX"] = sans_bytecode
    else:
        env.pop("PYTHONPYCACHEPREFIX", None)
    debut, debut_cpu = time.perf_counter(), _processeur_des_enfants()
    resultat = subprocess.run(commande, cwd=RACINE, env=env, capture_output=True, check=False)
    if resultat.returncode:
        raise SystemExit(f"{' '.join(commande)} a échoué : {resultat.stdout[-2000:]!r} {resultat.stderr[-2000:]!r}")
    return time.perf_counter() - debut, _processeur_des_enfants() - debut_cpu


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tours", type=int, default=3, help="runs of each side, in turns")
    options = parser.parse_args(arguments)
    subprocess.run(["make", "-s", "bytecode"], cwd=RACINE, check=True)
    lignes = []
    with tempfile.TemporaryDirectory() as vide:
        for libelle, commande in COMMANDES.items():
            avec: list[tuple[float, float]] = []
            sans: list[tuple[float, float]] = []
            for _ in range(options.tours):
                sans.append(mesurer(commande, vide))
                avec.append(mesurer(commande, None))
            horloge = [statistics.median(m[0] for m in cote) for cote in (sans, avec)]
            cpu = [statistics.median(m[1] for m in cote) for cote in (sans, avec)]
            lignes.append(
                f"| {libelle} | {horloge[0]:.2f} s / {cpu[0]:.2f} s | {horloge[1]:.2f} s / {cpu[1]:.2f} s | "
                f"**{horloge[0] / horloge[1]:.2f} ×** / **{cpu[0] / cpu[1]:.2f} ×** |"
            )
            print(lignes[-1], flush=True)
    ecrire_section(
        "bench_demarrage",
        "## Démarrage des processus Python, avec et sans bytecode (`python -m bench.bench_demarrage --tours "
        f"{options.tours}`)\n\n"
        "Chaque commande lancée sans bytecode (ce que faisait chaque processus de la CI, où PYTHONDONTWRITEBYTECODE "
        "est posé) puis avec celui que `make installer` et `make bytecode` écrivent, en alternance, "
        f"{options.tours} fois chacune ; médianes, à l'horloge / en processeur (utilisateur + système, enfants "
        "compris).\n\n"
        "| commande | sans bytecode | avec | rapport sans ÷ avec |\n|---|---|---|---|\n" + "\n".join(lignes),
    )


if __name__ == "__main__":
    main()
