"""Benchmark (not a test): 200 concurrent clients for 60 seconds on the embedded stack, on loopback.

    python -m bench.bench_charge                         # 200 clients, 60 s, PostgreSQL
    python -m bench.bench_charge --clients 50 --duree 20 --sqlite

The stack as ``make run`` starts it (Temporal dev server persisted to a file, the SMTP sink, one worker, the
API under uvicorn), on a dedicated PostgreSQL database created and dropped by the run (127.0.0.1:5432) or on
SQLite. Before the measure, supervisors open ``--eir`` EIRs by phone; their employer tasks appear after one
second. Then each client loops, as its role would: employers read their inbox (``GET /taches``) and complete
the tasks in it (``POST /taches/{id}/completion``), supervisors read process states (``GET /eir/{id}``) and
the process list (``GET /processus``). Reported per kind: count, p50, p99, errors (any 5xx, any transport
error, any unexpected 4xx). Targets (issue 7): zero errors, p99 of a task completion under 500 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from bench.pile import PileEmbarquee  # noqa: E402
from bench.bench_eir import CODE, _jeton, _preparer  # noqa: E402
from bench.rapport import ecrire_section  # noqa: E402

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432"


async def _superviseur(url: str) -> None:
    from persistence.comptes import creer_compte, hacher
    from persistence.db import creer_moteur, fabrique_sessions, transaction

    moteur = creer_moteur(url)
    try:
        async with transaction(fabrique_sessions(moteur)) as session:
            await creer_compte(session, role="superviseur", identifiant="superviseur-banc", code_hash=hacher(CODE))
    finally:
        await moteur.dispose()


async def _base_postgres(nom: str, creer: bool) -> None:
    import asyncpg

    connexion = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        await connexion.execute(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')
        if creer:
            await connexion.execute(f'CREATE DATABASE "{nom}"')
    finally:
        await connexion.close()


def _quantile(valeurs: list[float], q: float) -> float:
    if not valeurs:
        return float("nan")
    if len(valeurs) == 1:
        return valeurs[0]
    return statistics.quantiles(valeurs, n=100, method="inclusive")[round(q * 100) - 1]


async def _charge(port_api: int, agents, args) -> dict:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_api}/api/v1", timeout=30) as http:
        superviseur = await _jeton(http, "superviseur-banc")
        employeurs = {e: await _jeton(http, f"rh-{e}") for e in sorted({e for _, e in agents})}
        # Supervisors open the EIRs by phone; the employer tasks follow after the (shortened) delay.
        from sqlalchemy import text

        from persistence.db import creer_moteur

        moteur = creer_moteur(args.url)
        async with moteur.connect() as connexion:
            nirs = [n for (n,) in (await connexion.execute(text(
                "SELECT a.nir FROM compte c JOIN affilie a ON a.id = c.affilie_id WHERE c.role = 'affilie' "
                "ORDER BY a.id"))).all()]
        demandes: list[int] = []
        for nir in nirs:
            reponse = await http.post("/eir", json={"nir": nir}, headers=superviseur)
            reponse.raise_for_status()
            demandes.append(reponse.json()["id"])
        for _ in range(600):
            async with moteur.connect() as connexion:
                ouvertes = (await connexion.execute(text("SELECT count(*) FROM tache WHERE etat = 'ouverte'"))).scalar()
            if ouvertes >= len(demandes):
                break
            await asyncio.sleep(0.5)
        await moteur.dispose()

    # The load itself through aiohttp: httpx's connection pool, with 200 connections in flight, costs more CPU
    # than the service under test (measured: 223 requests/s on a route answering 4,000/s to aiohttp).
    import aiohttp

    mesures: dict[str, list[float]] = defaultdict(list)
    erreurs: dict[str, int] = defaultdict(int)
    exemples: dict[str, str] = {}
    prises: set[int] = set()
    connecteur = aiohttp.TCPConnector(limit=args.clients + 20)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port_api}", connector=connecteur,
                                     timeout=aiohttp.ClientTimeout(total=30)) as http:
        fin = time.monotonic() + args.duree

        async def appel(nature: str, methode: str, chemin: str, entete, **kw) -> tuple[int, object] | None:
            debut = time.perf_counter()
            try:
                async with http.request(methode, "/api/v1" + chemin, headers=entete, **kw) as reponse:
                    corps = await reponse.json() if reponse.status == 200 else await reponse.text()
                    statut = reponse.status
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                erreurs[nature] += 1
                exemples.setdefault(nature, repr(exc))
                return None
            mesures[nature].append((time.perf_counter() - debut) * 1000)
            if statut >= 500 or (statut >= 400 and statut != 409):
                erreurs[nature] += 1
                exemples.setdefault(nature, f"{statut} {str(corps)[:200]}")
            return statut, corps

        async def client(rang: int) -> None:
            hasard = random.Random(rang)
            employeur = list(employeurs.values())[rang % len(employeurs)]
            while time.monotonic() < fin:
                tirage = hasard.random()
                if tirage < 0.45:
                    reponse = await appel("corbeille", "GET", "/taches", employeur)
                    if reponse is not None and reponse[0] == 200 and hasard.random() < 0.3:
                        libres = [t["id"] for t in reponse[1] if t["etat"] == "ouverte" and t["id"] not in prises]
                        if libres:
                            tache_id = hasard.choice(libres)
                            prises.add(tache_id)
                            await appel("completion", "POST", f"/taches/{tache_id}/completion", employeur,
                                        json={"carriere_verifiee": True, "indice_fin_de_carriere": 600})
                elif tirage < 0.85:
                    await appel("etat_processus", "GET", f"/eir/{hasard.choice(demandes)}", superviseur)
                else:
                    await appel("liste_processus", "GET", "/processus", superviseur)
                if args.pause:
                    await asyncio.sleep(hasard.uniform(0, 2 * args.pause))

        debut = time.monotonic()
        await asyncio.gather(*(client(i) for i in range(args.clients)))
        duree = time.monotonic() - debut
    return {"duree_s": duree, "eir": len(demandes), "mesures": mesures, "erreurs": erreurs, "exemples": exemples}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duree", type=float, default=60.0, help="secondes de charge")
    parser.add_argument("--pause", type=float, default=1.0,
                        help="pause moyenne d'un client entre deux actions, en secondes (tirée entre 0 et le double : "
                             "le temps de lire une page) ; 0 : boucle fermée, à saturation")
    parser.add_argument("--eir", type=int, default=400, help="EIR ouverts (donc tâches employeur) avant la charge")
    parser.add_argument("--population", type=int, default=3000)
    parser.add_argument("--api-processus", type=int, default=1, help="processus d'API (CNRACL_API_PROCESSUS)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite au lieu d'une base PostgreSQL dédiée")
    args = parser.parse_args(argv)

    dossier = Path(tempfile.mkdtemp(prefix="banc-charge-"))
    nom_base = f"banc_charge_{os.getpid()}"
    if args.sqlite:
        args.url = f"sqlite+aiosqlite:///{dossier / 'cnracl.db'}"
    else:
        asyncio.run(_base_postgres(nom_base, creer=True))
        args.url = f"{POSTGRES}/{nom_base}"
    try:
        with PileEmbarquee(dossier, args.url, {"CNRACL_EIR_DELAI_NOTIFICATION_EMPLOYEUR": "PT1S",
                                               "CNRACL_RELANCE_EMPLOYEUR": "PT1H", "CNRACL_ESCALADE_SUPERVISEUR": "PT2H",
                                               "CNRACL_LIMITES_ACTIVES": "false",
                                               "CNRACL_API_PROCESSUS": str(args.api_processus)}) as pile:
            pile.peupler(args.population)
            agents = asyncio.run(_preparer(args.url, args.eir))
            asyncio.run(_superviseur(args.url))
            pile.demarrer()
            r = asyncio.run(_charge(pile.port_api, agents, args))
    finally:
        if not args.sqlite:
            asyncio.run(_base_postgres(nom_base, creer=False))
        shutil.rmtree(dossier, ignore_errors=True)

    lignes, total_erreurs = [], 0
    for nature in ("corbeille", "etat_processus", "liste_processus", "completion"):
        valeurs = r["mesures"].get(nature, [])
        total_erreurs += r["erreurs"].get(nature, 0)
        lignes.append(f"| {nature.replace('_', ' ')} | {len(valeurs)} | {_quantile(valeurs, 0.5):.0f} ms | "
                      f"{_quantile(valeurs, 0.99):.0f} ms | {r['erreurs'].get(nature, 0)} |")
    requetes = sum(len(v) for v in r["mesures"].values())
    completion_p99 = _quantile(r["mesures"].get("completion", []), 0.99)
    tableau = "\n".join(lignes)
    print(f"{requetes} requêtes en {r['duree_s']:.0f} s ({requetes / r['duree_s']:.0f}/s), {total_erreurs} erreurs")
    print(tableau)
    for nature, exemple in r["exemples"].items():
        print(f"  exemple d'erreur ({nature}) : {exemple}")
    base = "SQLite" if args.sqlite else "PostgreSQL (base dédiée)"
    ecrire_section("bench_charge", f"""## Charge : {args.clients} clients pendant {args.duree:.0f} s (`python -m bench.bench_charge`)

Pile embarquée sur la boucle locale (serveur Temporal de développement persisté, un worker, l'API sous uvicorn en un
processus, {base}), {r['eir']} EIR ouverts avant la mesure. Chaque client joue un employeur (corbeille, puis
complétion d'une tâche de sa corbeille une fois sur trois environ) ou un superviseur (état d'un processus, liste).
{requetes} requêtes en {r['duree_s']:.0f} s ({requetes / r['duree_s']:.0f} par seconde), **{total_erreurs} erreur(s)**.

| requête | nombre | p50 | p99 | erreurs |
|---|---|---|---|---|
{tableau}

Objectifs de l'issue 7 : aucune erreur ; p99 d'une complétion de tâche sous 500 ms (mesuré : {completion_p99:.0f} ms).
Une complétion attend que le processus ait écrit son état suivant (lecture de sa propre écriture).
""")
    return 0 if total_erreurs == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
