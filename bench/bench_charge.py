"""Benchmark (not a test): 200 concurrent clients for 60 seconds on the embedded stack, on loopback.

    python -m bench.bench_charge                         # 200 clients, 60 s, PostgreSQL
    python -m bench.bench_charge --clients 50 --duree 20 --sqlite --pause 0

The stack as ``make run`` starts it (Temporal dev server persisted to a file, the SMTP sink, one worker, the
API under uvicorn), on a dedicated PostgreSQL database created and dropped by the run (127.0.0.1:5432) or on
SQLite. Before the measure, supervisors open ``--eir`` EIRs by phone; the measure starts once every one waits
for its employer. Then each client loops, as its role would, with a pause between actions (``--pause``):
employers read their inbox (``GET /taches``) and complete the tasks in it (``POST /taches/{id}/completion``),
supervisors read process states (``GET /eir/{id}``) and the process list (``GET /processus``). A tenth of the
clients first run for ``--duree-reference`` seconds, then all of them for ``--duree``, on the same stack: the
report puts the two side by side. Reported per kind: count, p50, p99, errors (any 5xx, any transport error,
any unexpected 4xx). Targets (issue 7): zero errors, p99 of a task completion under 500 ms.
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
from typing import Any

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from bench.bench_eir import CODE, _jeton, _preparer  # noqa: E402
from bench.pile import PileEmbarquee, ecart, option_population, options_pile  # noqa: E402
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


def vitesse_machine(essais: int = 3) -> list[float]:
    """Seconds for a pure Python loop, ``essais`` times: this shared host's speed drifts by tens of percent
    from one minute to the next, so a run's figures are read beside it (lower is faster)."""
    durees = []
    for _ in range(essais):
        debut, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        durees.append(time.perf_counter() - debut)
    return durees


def _quantile(valeurs: list[float], q: float) -> float:
    if not valeurs:
        return float("nan")
    if len(valeurs) == 1:
        return valeurs[0]
    return statistics.quantiles(valeurs, n=100, method="inclusive")[round(q * 100) - 1]


async def _charge(port_api: int, port_temporal: int, agents, args, processeur) -> dict:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_api}/api/v1", timeout=30) as http:
        superviseur = await _jeton(http, "superviseur-banc")
        employeurs = {e: await _jeton(http, f"rh-{e}") for e in sorted({e for _, e in agents})}
        # Supervisors open the EIRs by phone; the employer tasks follow after the (shortened) delay.
        from sqlalchemy import text

        from persistence.db import creer_moteur

        moteur = creer_moteur(args.url)
        async with moteur.connect() as connexion:
            nirs = [
                n
                for (n,) in (
                    await connexion.execute(
                        text(
                            "SELECT a.nir FROM compte c JOIN affilie a ON a.id = c.affilie_id WHERE c.role = 'affilie' "
                            "ORDER BY a.id"
                        )
                    )
                ).all()
            ]
        demandes: list[int] = []
        for nir in nirs:
            reponse = await http.post("/eir", json={"nir": nir}, headers=superviseur)
            reponse.raise_for_status()
            demandes.append(reponse.json()["id"])
        # The measure starts in the steady state: every EIR waits for its employer (task open, the three mails
        # of its first steps sent), none still running the steps of its start.
        for _ in range(1200):
            async with moteur.connect() as connexion:
                en_attente = (
                    await connexion.execute(
                        text("SELECT count(*) FROM demande_eir WHERE etat = 'verification_employeur'")
                    )
                ).scalar() or 0
                a_envoyer = (
                    await connexion.execute(text("SELECT count(*) FROM mail WHERE etat = 'a_envoyer'"))
                ).scalar()
                envoyes = (
                    await connexion.execute(text("SELECT count(*) FROM mail WHERE etat = 'envoye'"))
                ).scalar() or 0
            if en_attente >= len(demandes) and a_envoyer == 0 and envoyes >= 3 * len(demandes):
                break
            await asyncio.sleep(0.5)
        else:
            raise SystemExit("les EIR ouverts n'ont pas atteint l'attente de l'employeur en 10 minutes")
        await moteur.dispose()

    # The load itself through aiohttp: httpx's connection pool, with 200 connections in flight, costs more CPU
    # than the service under test (measured: 223 requests/s on a route answering 4,000/s to aiohttp).
    import aiohttp

    prises: set[int] = set()
    connecteur = aiohttp.TCPConnector(limit=args.clients + 20)
    async with aiohttp.ClientSession(
        f"http://127.0.0.1:{port_api}", connector=connecteur, timeout=aiohttp.ClientTimeout(total=30)
    ) as aio:

        async def phase(clients: int, duree: float) -> dict:
            mesures: dict[str, list[float]] = defaultdict(list)
            chronologie: list[tuple[float, str, float]] = []  # (seconds into the phase, kind, ms)
            completions: list[
                tuple[float, float, float, str]
            ] = []  # (s into the phase, wall-clock start, ms, workflow)
            erreurs: dict[str, int] = defaultdict(int)
            exemples: dict[str, str] = {}
            fin = time.monotonic() + duree
            debut_phase = time.perf_counter()
            print(f"{clients} clients pendant {duree:g} s…", file=sys.stderr, flush=True)

            async def appel(
                nature: str, methode: str, chemin: str, entete: dict[str, str], **kw: Any
            ) -> tuple[int, Any] | None:
                debut = time.perf_counter()
                try:
                    async with aio.request(methode, "/api/v1" + chemin, headers=entete, **kw) as reponse:
                        corps = await reponse.json() if reponse.status == 200 else await reponse.text()
                        statut = reponse.status
                except (TimeoutError, aiohttp.ClientError) as exc:
                    erreurs[nature] += 1
                    exemples.setdefault(nature, repr(exc))
                    return None
                mesures[nature].append((time.perf_counter() - debut) * 1000)
                chronologie.append((debut - debut_phase, nature, mesures[nature][-1]))
                if statut >= 500 or (statut >= 400 and statut != 409):
                    erreurs[nature] += 1
                    exemples.setdefault(nature, f"{statut} {str(corps)[:200]}")
                return statut, corps

            async def client(rang: int) -> None:
                hasard = random.Random(rang)
                employeur = list(employeurs.values())[rang % len(employeurs)]
                if args.pause:  # clients arrive over one pause, not all in the same millisecond
                    await asyncio.sleep(hasard.uniform(0, 2 * args.pause))
                while time.monotonic() < fin:
                    tirage = hasard.random()
                    if tirage < 0.45:
                        reponse = await appel("corbeille", "GET", "/taches", employeur)
                        if reponse is not None and reponse[0] == 200 and hasard.random() < 0.3:
                            libres = [t["id"] for t in reponse[1] if t["etat"] == "ouverte" and t["id"] not in prises]
                            if libres:
                                tache_id = hasard.choice(libres)
                                prises.add(tache_id)
                                horloge = time.time()
                                faite = await appel(
                                    "completion",
                                    "POST",
                                    f"/taches/{tache_id}/completion",
                                    employeur,
                                    json={"carriere_verifiee": True, "indice_fin_de_carriere": 600},
                                )
                                if faite is not None and faite[0] == 200:
                                    seconde, _, ms = chronologie[-1]
                                    completions.append((seconde, horloge, ms, faite[1]["workflow_id"]))
                    elif tirage < 0.85:
                        await appel("etat_processus", "GET", f"/eir/{hasard.choice(demandes)}", superviseur)
                    else:
                        await appel("liste_processus", "GET", "/processus", superviseur)
                    if args.pause:
                        await asyncio.sleep(hasard.uniform(0, 2 * args.pause))

            debut = time.monotonic()
            await asyncio.gather(*(client(i) for i in range(clients)))
            return {
                "clients": clients,
                "duree_s": time.monotonic() - debut,
                "mesures": mesures,
                "erreurs": erreurs,
                "exemples": exemples,
                "chronologie": chronologie,
                "completions": completions,
            }

        # A light load first (the same clients' behaviour, a tenth of them), then the full load, on the same
        # stack and the same processes: the ratio of the two says what the load itself costs.
        vitesse = vitesse_machine()
        reference = await phase(max(1, args.clients // 10), args.duree_reference) if args.duree_reference else None
        releve = None if args.sqlite else asyncio.create_task(_attentes_de_verrou(args.url))
        avant = processeur()
        par_seconde = asyncio.create_task(_processeur_par_seconde(processeur, 12))
        pleine = await phase(args.clients, args.duree)
        apres = processeur()
        pleine["processeur_par_seconde"] = await par_seconde
        pleine["processeur"], pleine["connexions"] = ecart(avant, apres)
        if releve is not None:
            releve.cancel()
            pleine["verrous"] = await releve
    await asyncio.sleep(5)  # the stack drains what the load left
    vitesse += vitesse_machine()
    pleine["decomposition"] = await _decomposer(port_temporal, pleine["completions"])
    return {"eir": len(demandes), "phases": [p for p in (reference, pleine) if p], "vitesse": vitesse}


async def _attentes_de_verrou(url: str, pas: float = 0.1) -> list[tuple[float, int]]:
    """Every ``pas`` seconds until cancelled, the sessions of the bench's database waiting for a lock
    (``pg_stat_activity``): a row every transaction must take (the history's anchor) shows here first."""
    import asyncpg

    connexion = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    debut, releve = time.perf_counter(), []
    try:
        while True:
            attente = await connexion.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            releve.append((time.perf_counter() - debut, attente))
            await asyncio.sleep(pas)
    except asyncio.CancelledError:
        return releve
    finally:
        await connexion.close()


async def _processeur_par_seconde(processeur, secondes: int) -> list[dict[str, float]]:
    """The first ``secondes`` of the phase, second by second: the share of a core each part of the stack used."""
    releves, precedent, debut = [], processeur(), time.perf_counter()
    instant_precedent = debut
    for rang in range(1, secondes + 1):
        await asyncio.sleep(max(0.0, debut + rang - time.perf_counter()))
        courant, instant = processeur(), time.perf_counter()
        parts, connexions = ecart(precedent, courant)
        releve = {nom: 100 * s / max(instant - instant_precedent, 1e-3) for nom, s in parts.items()}
        releves.append({**releve, "connexions": connexions})
        precedent, instant_precedent = courant, instant
    return releves


def _verrous(releve: list[tuple[float, int]]) -> str:
    if not releve:
        return "relevé des verrous : PostgreSQL seulement"
    parts = []
    for nom, choix in (
        ("les 10 premières secondes", [n for t, n in releve if t < 10]),
        ("ensuite", [n for t, n in releve if t >= 10]),
    ):
        if choix:
            parts.append(f"{nom} : en moyenne {statistics.fmean(choix):.2f}, au plus {max(choix)}")
    return (
        f"sessions PostgreSQL en attente d'un verrou ({len(releve)} relevés de `pg_stat_activity`, toutes les "
        "0,1 s) : " + " ; ".join(parts)
    )


async def _decomposer(port_temporal: int, completions) -> list[tuple[float, float, float, float, float, float]]:
    """Where a completion's time goes, from each process's Temporal history: the update arrives (workflow task
    scheduled), waits for the worker (task started), runs its local activities (task completed); the rest is
    the API before and after, and the round trips. ``(s into the phase, ms total, ms before the task is
    scheduled, ms waiting for the worker, ms in the worker, ms after)``."""
    from temporalio.api.enums.v1 import EventType
    from temporalio.client import Client

    client = await Client.connect(f"127.0.0.1:{port_temporal}")
    parts = []
    for seconde, horloge, ms, workflow_id in completions:
        evenements = [e async for e in client.get_workflow_handle(workflow_id).fetch_history_events()]
        accepte = next(
            (
                i
                for i, e in enumerate(evenements)
                if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
            ),
            None,
        )
        if accepte is None:
            continue
        avant = evenements[:accepte]
        t = [
            next(e for e in reversed(avant) if e.event_type == type_).event_time.ToDatetime().timestamp()
            for type_ in (
                EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
                EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
            )
        ]
        avant_ms, attente, travail = (t[0] - horloge) * 1000, (t[1] - t[0]) * 1000, (t[2] - t[1]) * 1000
        parts.append((seconde, ms, avant_ms, attente, travail, ms - avant_ms - attente - travail))
    return parts


NATURES = ("corbeille", "etat_processus", "liste_processus", "completion")


def _resume(phase: dict) -> tuple[int, int, dict[str, tuple[int, float, float, int]]]:
    lignes = {}
    for nature in NATURES:
        valeurs = phase["mesures"].get(nature, [])
        lignes[nature] = (
            len(valeurs),
            _quantile(valeurs, 0.5),
            _quantile(valeurs, 0.99),
            phase["erreurs"].get(nature, 0),
        )
    return sum(len(v) for v in phase["mesures"].values()), sum(phase["erreurs"].values()), lignes


def _tranches(phase: dict, largeur: float = 10.0) -> str:
    """The full phase by slices of ``largeur`` seconds: where in the minute the slow answers are."""
    tranches: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for seconde, nature, ms in phase["chronologie"]:
        tranches[int(seconde // largeur)].append((nature, ms))
    lignes = [
        "| de … à (s) | requêtes | lectures : p50 | p99 | complétions | p50 | p99 |",
        "|---|---|---|---|---|---|---|",
    ]
    for rang in sorted(tranches):
        lectures = [ms for nature, ms in tranches[rang] if nature != "completion"]
        completions = [ms for nature, ms in tranches[rang] if nature == "completion"]
        fin = min((rang + 1) * largeur, phase["duree_s"])
        lignes.append(
            f"| {rang * largeur:.0f} … {fin:.0f} | {len(tranches[rang])} | {_quantile(lectures, 0.5):.0f} ms | "
            f"{_quantile(lectures, 0.99):.0f} ms | {len(completions)} | "
            + (
                f"{_quantile(completions, 0.5):.0f} ms | {_quantile(completions, 0.99):.0f} ms |"
                if completions
                else "– | – |"
            )
        )
    return "\n".join(lignes)


_PARTIES = {
    "api": "API",
    "worker": "worker",
    "worker-workflows": "worker (workflows)",
    "worker-activites": "worker (activités)",
    "temporal": "serveur Temporal",
    "postgres": "PostgreSQL",
    "smtp": "serveur SMTP",
    "banc": "générateur de charge",
}


def _processeur(phase: dict) -> str:
    """Where the machine's processor went during the phase: seconds per part, its share of the two cores'
    time, and per request for the service's parts."""
    duree, requetes = phase["duree_s"], sum(len(v) for v in phase["mesures"].values())
    disponible = duree * (os.cpu_count() or 1)
    lignes = ["| partie | processeur | part des cœurs | par requête |", "|---|---|---|---|"]
    for nom, secondes in sorted(phase["processeur"].items(), key=lambda p: -p[1]):
        lignes.append(
            f"| {_PARTIES.get(nom, nom)} | {secondes:.1f} s | {100 * secondes / disponible:.0f} % | "
            f"{1000 * secondes / max(requetes, 1):.1f} ms |"
        )
    total = sum(phase["processeur"].values())
    lignes.append(
        f"| total | {total:.1f} s | {100 * total / disponible:.0f} % | {1000 * total / max(requetes, 1):.1f} ms |"
    )
    return "\n".join(lignes)


def _processeur_secondes(releves: list[dict[str, float]]) -> str:
    noms = [
        n
        for n in ("api", "worker", "worker-workflows", "worker-activites", "temporal", "postgres", "banc", "smtp")
        if releves and n in releves[0]
    ]
    lignes = [
        "| seconde | " + " | ".join(_PARTIES[n] for n in noms) + " | total | connexions PostgreSQL ouvertes |",
        "|---|" + "---|" * (len(noms) + 2),
    ]
    for rang, releve in enumerate(releves):
        lignes.append(
            f"| {rang} … {rang + 1} | "
            + " | ".join(f"{releve[n]:.0f} %" for n in noms)
            + f" | {sum(releve[n] for n in noms):.0f} % | {releve['connexions']} |"
        )
    return "\n".join(lignes)


def _decomposition(parts, largeur: float = 10.0) -> str:
    """The completions' time by part, first slice and the rest, p50 / p99 of each part."""
    lignes = [
        "| complétions | nombre | totale | avant la tâche de workflow | attente du worker | dans le worker | après |",
        "|---|---|---|---|---|---|---|",
    ]
    for nom, choix in (
        (f"0 … {largeur:.0f} s", [p for p in parts if p[0] < largeur]),
        (f"après {largeur:.0f} s", [p for p in parts if p[0] >= largeur]),
    ):
        if choix:
            colonnes = [
                " / ".join(f"{_quantile([p[i] for p in choix], q):.0f}" for q in (0.5, 0.99)) for i in range(1, 6)
            ]
            lignes.append(f"| {nom} | {len(choix)} | " + " | ".join(f"{c} ms" for c in colonnes) + " |")
    return "\n".join(lignes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duree", type=float, default=60.0, help="secondes de charge")
    parser.add_argument(
        "--duree-reference",
        type=float,
        default=20.0,
        help="secondes d'une charge légère (un dixième des clients) mesurée d'abord ; 0 : aucune",
    )
    parser.add_argument(
        "--pause",
        type=float,
        default=1.0,
        help="pause moyenne d'un client entre deux actions, en secondes (tirée entre 0 et le double : "
        "le temps de lire une page) ; 0 : boucle fermée, à saturation",
    )
    parser.add_argument("--eir", type=int, default=400, help="EIR ouverts (donc tâches employeur) avant la charge")
    option_population(parser)
    parser.add_argument("--api-processus", type=int, default=1, help="processus d'API (CNRACL_API_PROCESSUS)")
    options_pile(parser)
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
        with PileEmbarquee(
            dossier,
            args.url,
            {
                "CNRACL_EIR_DELAI_NOTIFICATION_EMPLOYEUR": "PT1S",
                "CNRACL_RELANCE_EMPLOYEUR": "PT1H",
                "CNRACL_ESCALADE_SUPERVISEUR": "PT2H",
                "CNRACL_LIMITES_ACTIVES": "false",
                "CNRACL_API_PROCESSUS": str(args.api_processus),
            },
        ) as pile:
            pile.peupler(args.population)
            agents = asyncio.run(_preparer(args.url, args.eir))
            asyncio.run(_superviseur(args.url))
            pile.demarrer_selon(args)
            r = asyncio.run(_charge(pile.port_api, pile.port_temporal, agents, args, pile.processeur))
    finally:
        if not args.sqlite:
            asyncio.run(_base_postgres(nom_base, creer=False))
        shutil.rmtree(dossier, ignore_errors=True)

    resumes = [_resume(p) for p in r["phases"]]
    pleine, (requetes, total_erreurs, lignes) = r["phases"][-1], resumes[-1]
    for phase, (n, e, _) in zip(r["phases"], resumes, strict=False):
        print(
            f"{phase['clients']} clients : {n} requêtes en {phase['duree_s']:.0f} s ({n / phase['duree_s']:.0f}/s), "
            f"{e} erreurs"
        )
        for nature, exemple in phase["exemples"].items():
            print(f"  exemple d'erreur ({nature}) : {exemple}")
    if len(resumes) == 2:
        ref = resumes[0][2]
        entete = (
            f"| requête | {r['phases'][0]['clients']} clients : p50 | p99 | {pleine['clients']} clients : nombre | "
            "p50 | p99 | erreurs | p99 / p99 à faible charge |\n|---|---|---|---|---|---|---|---|"
        )
        tableau = "\n".join(
            f"| {nature.replace('_', ' ')} | {ref[nature][1]:.0f} ms | {ref[nature][2]:.0f} ms | {n} | {p50:.0f} ms | "
            f"{p99:.0f} ms | {e} | {p99 / ref[nature][2]:.1f} |"
            for nature, (n, p50, p99, e) in lignes.items()
        )
    else:
        entete = "| requête | nombre | p50 | p99 | erreurs |\n|---|---|---|---|---|"
        tableau = "\n".join(
            f"| {nature.replace('_', ' ')} | {n} | {p50:.0f} ms | {p99:.0f} ms | {e} |"
            for nature, (n, p50, p99, e) in lignes.items()
        )
    print(entete + "\n" + tableau)
    chronologie = _tranches(pleine)
    print(chronologie)
    # The first slice second by second: the clients all arrive within it (where the slow answers were).
    debut_seconde = _tranches({**pleine, "chronologie": [c for c in pleine["chronologie"] if c[0] < 10]}, 1.0)
    print(debut_seconde)
    decomposition = _decomposition(pleine["decomposition"])
    print(decomposition)
    verrous = _verrous(pleine.get("verrous", []))
    print(verrous)
    processeur = _processeur(pleine)
    print(processeur)
    print(f"connexions PostgreSQL ouvertes pendant la minute : {pleine['connexions']}")
    processeur_secondes = _processeur_secondes(pleine["processeur_par_seconde"])
    print(processeur_secondes)
    vitesse = (
        f"{min(r['vitesse']):.2f} à {max(r['vitesse']):.2f} s (avant la mesure : "
        + ", ".join(f"{v:.2f}" for v in r["vitesse"][:3])
        + " ; après : "
        + ", ".join(f"{v:.2f}" for v in r["vitesse"][3:])
        + ")"
    )
    print(f"vitesse de la machine (boucle de référence) : {vitesse}")
    completion_p99 = lignes["completion"][2]
    completions_s = lignes["completion"][0] / pleine["duree_s"]
    base = "SQLite" if args.sqlite else "PostgreSQL (base dédiée)"
    pause = (
        f"chaque client marque une pause tirée entre 0 et {2 * args.pause:g} s entre deux actions (le temps de lire "
        "une page) et arrive pendant la première"
        if args.pause
        else "sans pause (boucle fermée, à saturation)"
    )
    separes = (
        " en deux processus chacun, workflows et activités, celui des activités sous `nice -n 10`"
        if args.workers_separes
        else ""
    )
    ecrire_section(
        "bench_charge",
        f"""## Charge : {args.clients} clients pendant {args.duree:.0f} s (`python -m bench.bench_charge`)

Pile embarquée sur la boucle locale (serveur Temporal de développement {"en mémoire" if args.temporal_en_memoire else "persisté"}, {args.workers} worker(s){separes}, l'API sous
uvicorn en {args.api_processus} processus, {base}), générateur de charge aiohttp sur la même machine. {r["eir"]} EIR
ouverts par téléphone avant la mesure, qui commence quand tous attendent leur employeur (tâche ouverte, mails envoyés).
Chaque client joue un employeur (corbeille, puis complétion d'une tâche de sa corbeille une fois sur trois environ) ou
un superviseur (état d'un processus, liste des processus) ; {pause}. Dans la même exécution, sur la même pile :
{r["phases"][0]["clients"]} clients pendant {r["phases"][0]["duree_s"]:.0f} s, puis {pleine["clients"]} clients pendant
{pleine["duree_s"]:.0f} s ({requetes} requêtes, {requetes / pleine["duree_s"]:.0f} par seconde, {completions_s:.1f}
complétions par seconde), **{total_erreurs} erreur(s)**. Vitesse de la machine partagée pendant l'exécution, une
boucle Python de référence mesurée avant et après : {vitesse} (plus c'est long, plus les autres occupants de la
machine prennent de processeur : comparer deux exécutions à vitesse semblable).

{entete}
{tableau}

La même minute à {pleine["clients"]} clients, par tranches de 10 s (les clients arrivent pendant les 2 premières secondes,
face aux tâches ouvertes de tous les EIR ; les complétions s'espacent quand ces tâches sont faites) :

{chronologie}

Les 10 premières secondes, seconde par seconde (les 200 clients arrivent pendant les deux premières) :

{debut_seconde}

Où passe le temps d'une complétion (p50 / p99 de chaque part ; horodatages de l'historique Temporal de chaque
processus : la tâche de workflow planifiée à l'arrivée de la mise à jour, prise par le worker, terminée après ses
activités locales) :

{decomposition}

Pendant la minute à {pleine["clients"]} clients, {verrous}.

Le processeur de la machine pendant cette minute ({os.cpu_count()} cœurs, `/proc` de chaque processus ; PostgreSQL :
tous ses processus sur la machine ; « par requête » : divisé par toutes les requêtes de la minute, complétions et
leurs suites comprises ; {pleine["connexions"]} connexions PostgreSQL ouvertes pendant la minute) :

{processeur}

Les 12 premières secondes, seconde par seconde, en part d'un cœur (la machine en a {os.cpu_count()}, soit
{100 * (os.cpu_count() or 1)} %) :

{processeur_secondes}

Objectifs de l'issue 7 : aucune erreur ; p99 d'une complétion de tâche sous 500 ms (mesuré à {pleine["clients"]} clients :
{completion_p99:.0f} ms). Une complétion attend que le processus ait écrit son état suivant (lecture de sa propre
écriture) : un aller-retour par le serveur Temporal et le worker, qui enchaîne ensuite le RIS et les mails de l'étape.
""",
    )
    return 0 if total_erreurs == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
