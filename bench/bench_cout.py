"""Benchmark (not a test): the processor each request costs, process by process, on an idle stack.

    python -m bench.bench_cout                   # 300 reads of each kind, 100 completions, PostgreSQL
    python -m bench.bench_cout --lectures 100 --completions 30
    python -m bench.bench_cout --comparer HEAD~1 --tours 3 --lectures 20 --completions 150

The stack of ``bench_charge`` (Temporal dev server persisted, the SMTP sink, one worker, the API), on a dedicated
PostgreSQL database. Requests are sent one at a time, so nothing queues: the processor time each process
spent (``/proc/<pid>/stat``: user + system, all threads; PostgreSQL: all its processes) divided by the number
of requests is what one request costs, wherever it is spent. A completion is counted with all it sets off: the
workflow task of the update, the employer's answer written, the RIS stored, its mail sent, the next state
written (the measure ends when every process is in that state and every mail sent). Processor counters, not
clocks: what the load test runs out of (bench_charge: the first seconds of 200 clients saturate the 2 cores).
The machine's own speed drifts on a shared host (a pure Python loop: 0.83 to 1.23 s within a minute, 02/12/2026),
so compare two versions by running them in turns, and read a single run by its ratios: a completion against
a read.

``--comparer REV`` does the turns: the service of the revision ``REV`` (a git worktree made for the run) and the
one of this tree, each on a stack of its own, ``--tours`` times, in the order A B, B A, A B… (the machine's drift
falls on both); it prints each run and, per process, the mean of this tree over the mean of ``REV``. The stack's
processes import the tree under test (``PYTHONPATH``); this harness (the population, the EIRs opened) stays the
current one: ``REV`` must share the current schema. Nothing is written to ``bench/sections``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from bench.bench_charge import POSTGRES, _base_postgres, _superviseur  # noqa: E402
from bench.bench_eir import _jeton, _preparer  # noqa: E402
from bench.pile import PileEmbarquee  # noqa: E402
from bench.rapport import ecrire_section  # noqa: E402

TOPS = os.sysconf("SC_CLK_TCK")
PROCESSUS = {"api": "cnracl api", "worker": "cnracl worker", "temporal": "temporal server"}


def _tops(pid: str) -> int:
    """User + system clock ticks of a process, all its threads; 0 once gone."""
    try:
        champs = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(champs[11]) + int(champs[12])


def _pids(motif: str) -> list[str]:
    return subprocess.run(["pgrep", "-f", motif], capture_output=True, text=True, check=False).stdout.split()


def _releve() -> dict[str, int]:
    releve = {nom: sum(_tops(p) for p in _pids(motif)) for nom, motif in PROCESSUS.items()}
    releve["postgresql"] = sum(_tops(p) for p in _pids("postgres"))
    return releve


def _ms_par(avant: dict[str, int], apres: dict[str, int], nombre: int) -> dict[str, float]:
    return {nom: 1000 * (apres[nom] - avant[nom]) / TOPS / nombre for nom in avant}


async def _mesurer(port_api: int, url: str, args) -> dict[str, dict[str, float]]:
    import httpx
    from sqlalchemy import text

    from persistence.db import creer_moteur

    moteur = creer_moteur(url)

    async def lire(sql: str):
        async with moteur.connect() as connexion:
            return (await connexion.execute(text(sql))).all()

    async def attendre(etat: str, mails: int) -> None:
        for _ in range(6000):
            ((en_etat,),) = await lire(f"SELECT count(*) FROM demande_eir WHERE etat = '{etat}'")
            ((envoyes,),) = await lire("SELECT count(*) FROM mail WHERE etat = 'envoye'")
            if en_etat >= args.completions and envoyes >= mails:
                return
            await asyncio.sleep(0.05)
        raise SystemExit(f"les processus n'ont pas atteint l'état {etat} en 5 minutes")

    couts: dict[str, dict[str, float]] = {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_api}/api/v1", timeout=30) as http:
        superviseur = await _jeton(http, "superviseur-banc")
        nirs = [
            n
            for (n,) in await lire(
                "SELECT a.nir FROM compte c JOIN affilie a ON a.id = c.affilie_id "
                "WHERE c.role = 'affilie' ORDER BY a.id"
            )
        ]
        for nir in nirs:
            (await http.post("/eir", json={"nir": nir}, headers=superviseur)).raise_for_status()
        await attendre("verification_employeur", 3 * args.completions)
        taches = await lire("SELECT id, employeur_id FROM tache WHERE etat = 'ouverte' ORDER BY id")
        jetons = {e: await _jeton(http, f"rh-{e}") for e in sorted({e for _, e in taches})}
        demandes = [d for (d,) in await lire("SELECT id FROM demande_eir ORDER BY id")]
        employeur = jetons[taches[0][1]]
        lectures = (
            ("corbeille", lambda i: "/taches", employeur),
            ("etat_processus", lambda i: f"/eir/{demandes[i % len(demandes)]}", superviseur),
            ("liste_processus", lambda i: "/processus", superviseur),
        )
        for nature, chemin, entete in lectures:
            for i in range(20):  # warm: statement caches, the first connections
                (await http.get(chemin(i), headers=entete)).raise_for_status()
            avant, debut = _releve(), time.perf_counter()
            for i in range(args.lectures):
                (await http.get(chemin(i), headers=entete)).raise_for_status()
            couts[nature] = _ms_par(avant, _releve(), args.lectures)
            couts[nature]["duree"] = 1000 * (time.perf_counter() - debut) / args.lectures
        avant, debut = _releve(), time.perf_counter()
        for tache_id, employeur_id in taches:
            (
                await http.post(
                    f"/taches/{tache_id}/completion",
                    headers=jetons[employeur_id],
                    json={"carriere_verifiee": True, "indice_fin_de_carriere": 600},
                )
            ).raise_for_status()
        await attendre("ris_disponible", 4 * args.completions)
        couts["completion"] = _ms_par(avant, _releve(), len(taches))
        couts["completion"]["duree"] = 1000 * (time.perf_counter() - debut) / len(taches)
    await moteur.dispose()
    return couts


NOMS = ("api", "worker", "temporal", "postgresql")


def _comparer(args) -> int:
    """Run the revision ``args.comparer`` and this tree in turns; print the runs and the ratios."""
    depot = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=RACINE, capture_output=True, text=True, check=False
    )
    if depot.returncode != 0:
        raise SystemExit("--comparer : ce dossier n'est pas un dépôt git.")
    arbre = Path(tempfile.mkdtemp(prefix="banc-cout-rev-")) / "arbre"
    ajout = subprocess.run(
        ["git", "worktree", "add", "--detach", str(arbre), args.comparer],
        cwd=RACINE,
        capture_output=True,
        text=True,
        check=False,
    )
    if ajout.returncode != 0:
        raise SystemExit(f"--comparer : révision {args.comparer!r} introuvable ({ajout.stderr.strip()}).")
    mesures: dict[str, list[dict]] = {args.comparer: [], "ce code": []}
    try:
        for tour in range(args.tours):
            ordre = [(args.comparer, arbre), ("ce code", RACINE)]
            for nom, racine in ordre if tour % 2 == 0 else ordre[::-1]:
                with tempfile.NamedTemporaryFile(suffix=".json") as sortie:
                    subprocess.run(
                        [
                            sys.executable,
                            "-m",
                            "bench.bench_cout",
                            "--lectures",
                            str(args.lectures),
                            "--completions",
                            str(args.completions),
                            "--json",
                            sortie.name,
                        ],
                        cwd=RACINE,
                        env={**os.environ, "PYTHONPATH": str(racine)},
                        check=True,
                    )
                    couts = json.loads(Path(sortie.name).read_text())
                mesures[nom].append(couts)
                print(
                    f"tour {tour + 1}, {nom} : complétion "
                    + ", ".join(f"{p} {couts['completion'][p]:.1f}" for p in NOMS)
                    + " ms ; corbeille "
                    + f"{sum(couts['corbeille'][p] for p in NOMS):.1f} ms",
                    flush=True,
                )
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(arbre)], cwd=RACINE, capture_output=True, check=False
        )
        shutil.rmtree(arbre.parent, ignore_errors=True)

    def moyenne(nom: str, nature: str, partie: str | None) -> float:
        valeurs = [sum(c[nature][p] for p in NOMS) if partie is None else c[nature][partie] for c in mesures[nom]]
        return sum(valeurs) / len(valeurs)

    print(
        f"| requête | partie | {args.comparer} (ms) | ce code (ms) | ce code / {args.comparer} |\n|---|---|---|---|---|"
    )
    for nature in ("corbeille", "etat_processus", "liste_processus", "completion"):
        for partie in (*NOMS, None):
            avant, apres = moyenne(args.comparer, nature, partie), moyenne("ce code", nature, partie)
            if avant or apres:
                rapport = f"{apres / avant:.2f}" if avant else "–"
                print(
                    f"| {nature.replace('_', ' ')} | {partie or '**total**'} | {avant:.1f} | {apres:.1f} | {rapport} |"
                )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lectures", type=int, default=300, help="lectures de chaque sorte")
    parser.add_argument("--completions", type=int, default=100, help="tâches complétées (autant d'EIR ouverts)")
    parser.add_argument("--comparer", metavar="REV", help="révision git à mesurer à tour de rôle avec ce code")
    parser.add_argument("--tours", type=int, default=3, help="avec --comparer : exécutions de chaque version")
    parser.add_argument("--json", metavar="FICHIER", help=argparse.SUPPRESS)  # one run of --comparer
    args = parser.parse_args(argv)
    if args.comparer:
        return _comparer(args)

    dossier = Path(tempfile.mkdtemp(prefix="banc-cout-"))
    nom_base = f"banc_cout_{os.getpid()}"
    asyncio.run(_base_postgres(nom_base, creer=True))
    url = f"{POSTGRES}/{nom_base}"
    try:
        with PileEmbarquee(
            dossier,
            url,
            {
                "CNRACL_EIR_DELAI_NOTIFICATION_EMPLOYEUR": "PT1S",
                "CNRACL_RELANCE_EMPLOYEUR": "PT1H",
                "CNRACL_ESCALADE_SUPERVISEUR": "PT2H",
                "CNRACL_LIMITES_ACTIVES": "false",
            },
        ) as pile:
            pile.peupler(max(1000, 3 * args.completions))
            asyncio.run(_preparer(url, args.completions))
            asyncio.run(_superviseur(url))
            pile.demarrer()
            couts = asyncio.run(_mesurer(pile.port_api, url, args))
    finally:
        asyncio.run(_base_postgres(nom_base, creer=False))
        shutil.rmtree(dossier, ignore_errors=True)

    if args.json:
        Path(args.json).write_text(json.dumps(couts))
        return 0
    noms = NOMS
    lecture_moyenne = sum(sum(couts[n][p] for p in noms) for n in couts if n != "completion") / 3
    lignes = []
    for nature, cout in couts.items():
        total = sum(cout[p] for p in noms)
        lignes.append(
            f"| {nature.replace('_', ' ')} | {cout['duree']:.1f} ms | "
            + " | ".join(f"{cout[p]:.1f}" for p in noms)
            + f" | **{total:.1f}** | {total / lecture_moyenne:.1f} |"
        )
    tableau = (
        "| requête | durée (une à la fois) | API | worker | Temporal | PostgreSQL | total | / lecture moyenne |\n"
        "|---|---|---|---|---|---|---|---|\n" + "\n".join(lignes)
    )
    print(tableau)
    ecrire_section(
        "bench_cout",
        f"""## Processeur par requête, processus par processus (`python -m bench.bench_cout`)

La pile de `bench_charge` (serveur Temporal de développement persisté, un worker, l'API, PostgreSQL), au repos ;
les requêtes partent une à une, rien n'attend : le temps processeur de chaque processus (utilisateur + système,
tous ses fils ; PostgreSQL : tous ses processus) divisé par le nombre de requêtes. {args.lectures} lectures de
chaque sorte, {args.completions} complétions de tâche comptées avec tout ce qu'elles déclenchent
(tâche de workflow de la mise à jour, réponse écrite, RIS enregistré, mail envoyé, état suivant écrit). En
millisecondes de processeur par requête :

{tableau}

Des compteurs de processeur, pas des horloges : c'est ce qui manque à 200 clients (`bench_charge` : les premières
secondes saturent les 2 cœurs, quand les complétions s'enchaînent). La vitesse de la machine partagée dérive d'une
minute à l'autre (±20 % et plus) : lire une exécution par ses rapports (une complétion contre une lecture), et
comparer deux versions en les faisant tourner à tour de rôle.
""",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
