"""Benchmark (not a test): the processor each request costs, process by process, on an idle stack.

    python -m bench.bench_cout                   # 300 reads of each kind, 100 completions, PostgreSQL
    python -m bench.bench_cout --lectures 100 --completions 30

The stack of ``bench_charge`` (Temporal dev server persisted, the SMTP sink, one worker, the API), on a dedicated
PostgreSQL database. Requests are sent one at a time, so nothing queues: the processor time each process
spent (``/proc/<pid>/stat``: user + system, all threads; PostgreSQL: all its processes) divided by the number
of requests is what one request costs, wherever it is spent. A completion is counted with all it sets off: the
workflow task of the update, the employer's answer written, the RIS stored, its mail sent, the next state
written (the measure ends when every process is in that state and every mail sent). Processor counters, not
clocks: what the load test runs out of (bench_charge: the first seconds of 200 clients saturate the 2 cores).
The machine's own speed drifts on a shared host (a pure Python loop: 0.83 to 1.23 s within a minute, 02/12/2026),
so compare two versions by running them in turns (A, B, A, B), and read a single run by its ratios: a
completion against a read.
"""

from __future__ import annotations

import argparse
import asyncio
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
    return subprocess.run(["pgrep", "-f", motif], capture_output=True, text=True).stdout.split()


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
            (en_etat,), = await lire(f"SELECT count(*) FROM demande_eir WHERE etat = '{etat}'")
            (envoyes,), = await lire("SELECT count(*) FROM mail WHERE etat = 'envoye'")
            if en_etat >= args.completions and envoyes >= mails:
                return
            await asyncio.sleep(0.05)
        raise SystemExit(f"les processus n'ont pas atteint l'état {etat} en 5 minutes")

    couts: dict[str, dict[str, float]] = {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_api}/api/v1", timeout=30) as http:
        superviseur = await _jeton(http, "superviseur-banc")
        nirs = [n for (n,) in await lire("SELECT a.nir FROM compte c JOIN affilie a ON a.id = c.affilie_id "
                                         "WHERE c.role = 'affilie' ORDER BY a.id")]
        for nir in nirs:
            (await http.post("/eir", json={"nir": nir}, headers=superviseur)).raise_for_status()
        await attendre("verification_employeur", 3 * args.completions)
        taches = await lire("SELECT id, employeur_id FROM tache WHERE etat = 'ouverte' ORDER BY id")
        jetons = {e: await _jeton(http, f"rh-{e}") for e in sorted({e for _, e in taches})}
        demandes = [d for (d,) in await lire("SELECT id FROM demande_eir ORDER BY id")]
        employeur = jetons[taches[0][1]]
        lectures = (("corbeille", lambda i: "/taches", employeur),
                    ("etat_processus", lambda i: f"/eir/{demandes[i % len(demandes)]}", superviseur),
                    ("liste_processus", lambda i: "/processus", superviseur))
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
            (await http.post(f"/taches/{tache_id}/completion", headers=jetons[employeur_id],
                             json={"carriere_verifiee": True, "indice_fin_de_carriere": 600})).raise_for_status()
        await attendre("ris_disponible", 4 * args.completions)
        couts["completion"] = _ms_par(avant, _releve(), len(taches))
        couts["completion"]["duree"] = 1000 * (time.perf_counter() - debut) / len(taches)
    await moteur.dispose()
    return couts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lectures", type=int, default=300, help="lectures de chaque sorte")
    parser.add_argument("--completions", type=int, default=100, help="tâches complétées (autant d'EIR ouverts)")
    args = parser.parse_args(argv)

    dossier = Path(tempfile.mkdtemp(prefix="banc-cout-"))
    nom_base = f"banc_cout_{os.getpid()}"
    asyncio.run(_base_postgres(nom_base, creer=True))
    url = f"{POSTGRES}/{nom_base}"
    try:
        with PileEmbarquee(dossier, url, {"CNRACL_EIR_DELAI_NOTIFICATION_EMPLOYEUR": "PT1S",
                                          "CNRACL_RELANCE_EMPLOYEUR": "PT1H", "CNRACL_ESCALADE_SUPERVISEUR": "PT2H",
                                          "CNRACL_LIMITES_ACTIVES": "false"}) as pile:
            pile.peupler(max(1000, 3 * args.completions))
            asyncio.run(_preparer(url, args.completions))
            asyncio.run(_superviseur(url))
            pile.demarrer()
            couts = asyncio.run(_mesurer(pile.port_api, url, args))
    finally:
        asyncio.run(_base_postgres(nom_base, creer=False))
        shutil.rmtree(dossier, ignore_errors=True)

    noms = ("api", "worker", "temporal", "postgresql")
    lecture_moyenne = sum(sum(couts[n][p] for p in noms) for n in couts if n != "completion") / 3
    lignes = []
    for nature, cout in couts.items():
        total = sum(cout[p] for p in noms)
        lignes.append(f"| {nature.replace('_', ' ')} | {cout['duree']:.1f} ms | "
                      + " | ".join(f"{cout[p]:.1f}" for p in noms) + f" | **{total:.1f}** | {total / lecture_moyenne:.1f} |")
    tableau = ("| requête | durée (une à la fois) | API | worker | Temporal | PostgreSQL | total | / lecture moyenne |\n"
               "|---|---|---|---|---|---|---|---|\n" + "\n".join(lignes))
    print(tableau)
    ecrire_section("bench_cout", f"""## Processeur par requête, processus par processus (`python -m bench.bench_cout`)

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
""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
