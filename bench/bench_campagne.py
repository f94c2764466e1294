"""Benchmark (not a test): a whole DAI campaign on the embedded default (SQLite file, Temporal dev
server, the local SMTP sink), pacing compressed, on a synthetic population, run twice in one execution:
with one worker process, then with the worker split as in production (``cnracl worker --part workflows``
beside ``cnracl worker --part activites``, docs/deploiement.md), each from the same fresh copy of the
population and an empty Temporal store.

    python -m bench.bench_campagne                     # 2,200,000 agents in 40,000 employers, both topologies
    python -m bench.bench_campagne --affilies 100000   # a quick run
    python -m bench.bench_campagne --topologies un     # one topology only

Measured in the same run: the campaign's wall time (selection → last document announced), documents
per second, the raw throughput of the SMTP sink (the same rendered mail, as many connections as the
worker uses), the worker's peak memory (VmHWM) and the longest workflow history.
Targets (issue 4): < 30 min, >= 40 % of the raw SMTP throughput, < 1.5 GB, no history > 10,000 events.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from bench.pile import BIN, attendre_port, port_libre  # noqa: E402
from services.moteur import commande_serveur_dev  # noqa: E402


def _memoire_pic(pid: int) -> int:
    """Peak resident memory of a process, in bytes (VmHWM)."""
    for ligne in Path(f"/proc/{pid}/status").read_text().splitlines():
        if ligne.startswith("VmHWM:"):
            return int(ligne.split()[1]) * 1024
    return 0


async def _debit_smtp_brut(port: int, connexions: int, messages: int) -> float:
    """Messages per second the sink accepts: one rendered agent mail, sent as fast as possible."""
    import aiosmtplib

    from notifications.exemples import contexte_exemple
    from notifications.rendu import Gabarits
    from notifications.transport import TransportSmtp

    transport = TransportSmtp("127.0.0.1", port, "CNRACL <ne-pas-repondre@cnracl.example.fr>")
    rendu = Gabarits().rendre("campagne_document_disponible", contexte_exemple("campagne_document_disponible"))

    async def envoyer(rang: int, n: int) -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30)
        await client.connect()
        for i in range(n):
            await transport.deposer(
                client, f"brut-{rang}-{i}@agents.example.fr", rendu, f"<brut-{rang}-{i}@cnracl.example.fr>"
            )
        await client.quit()

    debut = time.monotonic()
    await asyncio.gather(*(envoyer(r, messages // connexions) for r in range(connexions)))
    return (messages // connexions * connexions) / (time.monotonic() - debut)


async def _campagne(args, dossier: Path, env: dict[str, str], workers: list[subprocess.Popen]) -> dict:
    from sqlalchemy import text

    from domain.campagne import Calendrier, DemandeCampagne, ReglagesCampagne
    from persistence.db import creer_moteur
    from workflows.campagne_client import demarrer_campagne
    from workflows.client import connecter

    annee = date.today().year
    wid = f"campagne-dai-{annee}"
    client = await connecter(env["CNRACL_TEMPORAL_ADDRESS"])
    moteur = creer_moteur(env["CNRACL_DATABASE_URL"])
    t0 = datetime.now(UTC)
    # The reminder comes once the launch mails are out (the campaign's steps follow one another; selecting and
    # notifying 2.2 M agents' employers took ~80 s here): a later one would only add idle time to the figure.
    rappel = max(20.0, args.affilies / 25000)
    limite = t0 + timedelta(seconds=rappel + 30)
    calendrier = Calendrier(
        lancement=t0 + timedelta(seconds=2),
        rappels=[t0 + timedelta(seconds=rappel)],
        date_limite=limite,
        transmission=limite + timedelta(seconds=2),
        debut_envoi=limite + timedelta(seconds=10),
        fin_envoi=limite + timedelta(seconds=10 + args.tranches - 1),
        intervalle_envoi=timedelta(seconds=1),
    )
    demande = DemandeCampagne(
        annee,
        calendrier,
        ReglagesCampagne(
            taille_lot_employeurs=args.taille_lot,
            lots_en_parallele=args.lots_en_parallele,
            taille_paquet=args.taille_paquet,
        ),
    )
    debut = time.monotonic()
    handle = await demarrer_campagne(client, env["CNRACL_TASK_QUEUE"], demande)
    jalons: dict[str, float] = {}
    reponses_faites = False
    documents: list[tuple[float, int]] = []
    pics = [0] * len(workers)

    def relever_pics() -> None:
        for i, worker in enumerate(workers):
            pics[i] = max(pics[i], _memoire_pic(worker.pid))

    tache = asyncio.ensure_future(handle.result())
    while not tache.done():
        await asyncio.sleep(2)
        relever_pics()
        async with moteur.connect() as c:
            evenements = [
                t
                for (t,) in (
                    await c.execute(text("SELECT type FROM evenement WHERE processus_id = :wf"), {"wf": wid})
                ).all()
            ]
            annonces = (
                await c.execute(
                    text(
                        "SELECT COUNT(*) FROM mail WHERE evenement = 'campagne_document_disponible' AND etat = 'envoye'"
                    )
                )
            ).scalar()
        for e in evenements:
            if e.endswith("_termine") and e not in jalons:
                jalons[e] = round(time.monotonic() - debut, 1)
                print(f"  {jalons[e]:>7} s  {e}", flush=True)
        if "notification_termine" in evenements and not reponses_faites:
            # Most employers answer before the reminder (the rest are reminded, then listed as late).
            async with moteur.begin() as c:
                await c.execute(
                    text(
                        "UPDATE tache SET etat = 'terminee', terminee_le = CURRENT_TIMESTAMP WHERE workflow_id = :wf "
                        "AND type = 'maj_cir_campagne' AND employeur_id % 10 < :part"
                    ),
                    {"wf": wid, "part": 7},
                )
            reponses_faites = True
        if annonces or "transmission_termine" in evenements:
            documents.append((time.monotonic(), int(annonces or 0)))
    vue = tache.result()
    duree = time.monotonic() - debut
    relever_pics()
    historiques = []
    async for execution in client.list_workflows(f"WorkflowId STARTS_WITH '{wid}'"):
        historiques.append(execution.history_length)
    async with moteur.connect() as c:
        mails: dict[str, int] = dict(
            (await c.execute(text("SELECT evenement, COUNT(*) FROM mail GROUP BY evenement"))).tuples().all()
        )
        taches = (await c.execute(text("SELECT COUNT(*) FROM tache WHERE workflow_id = :wf"), {"wf": wid})).scalar()
        docs = (await c.execute(text("SELECT COUNT(*) FROM document"))).scalar()
    await moteur.dispose()
    # From the last sample before the first announcement to the first sample showing them all.
    total = documents[-1][1] if documents else 0
    avant = [t for t, n in documents if n == 0] or [t for t, n in documents[:1]]
    fin = next((t for t, n in documents if n == total), 0.0)
    debit = total / (fin - avant[-1]) if documents and fin > avant[-1] else 0.0
    return {
        "duree_campagne_s": round(duree, 1),
        "jalons_s": jalons,
        "compteurs": vue.compteurs.__dict__,
        "documents": docs,
        "taches": taches,
        "mails": mails,
        "documents_par_s": round(debit, 1),
        "memoire_pic_worker_mo": round(max(pics) / 2**20),
        "memoire_pic_workers_mo": [round(p / 2**20) for p in pics],
        "historique_max": max(historiques, default=0),
        "workflows": len(historiques),
    }


def _lancer_et_mesurer(
    args: argparse.Namespace,
    dossier: Path,
    env: dict[str, str],
    journal: IO[bytes],
    port_temporal: int,
    port_smtp: int,
    topologie: str,
) -> tuple[dict[str, Any], float]:
    """The Temporal server, the SMTP sink (its raw rate measured first) and the worker(s) of the topology;
    the campaign measured."""
    processus: list[subprocess.Popen[bytes]] = []

    def lancer(commande: list[str]) -> subprocess.Popen[bytes]:
        p = subprocess.Popen(commande, env=env, stdout=journal, stderr=subprocess.STDOUT, start_new_session=True)
        processus.append(p)
        return p

    try:
        (dossier / "temporal.db").unlink(missing_ok=True)
        lancer(commande_serveur_dev(port_temporal, dossier / "temporal.db"))
        lancer([str(BIN / "cnracl"), "smtp", "--port", str(port_smtp)])
        attendre_port(port_temporal)
        attendre_port(port_smtp)
        brut = asyncio.run(_debit_smtp_brut(port_smtp, args.lots_en_parallele, args.messages_bruts))
        print(f"Débit brut du puits SMTP : {brut:.0f} messages/s ({args.lots_en_parallele} connexion(s))", flush=True)
        workers = [lancer([str(BIN / "cnracl"), "worker", *options]) for options in TOPOLOGIES[topologie]]
        resultat = asyncio.run(_campagne(args, dossier, env, workers))
    finally:
        for p in reversed(processus):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(processus):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
    return resultat, brut


# The worker processes of each topology: their ``cnracl worker`` options.
TOPOLOGIES: dict[str, list[list[str]]] = {
    "un": [[]],
    "separe": [["--part", "workflows"], ["--part", "activites"]],
}
NOMS_TOPOLOGIES = {"un": "un worker", "separe": "worker séparé (workflows + activités)"}


def _une_execution(
    args: argparse.Namespace, dossier: Path, population: Path, base_env: dict[str, str], topologie: str
) -> dict[str, Any]:
    """One campaign on a fresh copy of the population and an empty Temporal store."""
    base = dossier / "cnracl.db"
    for suffixe in ("", "-wal", "-shm"):
        Path(f"{base}{suffixe}").unlink(missing_ok=True)
    shutil.copyfile(population, base)
    # Nothing of an earlier run: its print batches' manifests would list this run's letters as already laid out.
    for sortie in ("mail", "exports", "impression"):
        shutil.rmtree(dossier / sortie, ignore_errors=True)
    port_temporal, port_smtp = port_libre(), port_libre()
    env = base_env | {
        "CNRACL_TEMPORAL_ADDRESS": f"127.0.0.1:{port_temporal}",
        "CNRACL_SMTP_HOST": "127.0.0.1",
        "CNRACL_SMTP_PORT": str(port_smtp),
        "CNRACL_TASK_QUEUE": f"bench-campagne-{topologie}",
    }
    print(f"— Campagne, {NOMS_TOPOLOGIES[topologie]} —", flush=True)
    with open(dossier / "bench.log", "ab") as journal:
        resultat, brut = _lancer_et_mesurer(args, dossier, env, journal, port_temporal, port_smtp, topologie)
    resultat |= {
        "topologie": topologie,
        "debit_smtp_brut_par_s": round(brut, 1),
        "part_du_debit_brut": round(resultat["documents_par_s"] / brut, 3) if brut else None,
    }
    resultat["objectifs"] = {
        "campagne < 30 min": resultat["duree_campagne_s"] < 1800,
        ">= 40 % du débit SMTP brut": (resultat["part_du_debit_brut"] or 0) >= 0.40,
        "chaque worker < 1,5 Go": resultat["memoire_pic_worker_mo"] < 1536,
        "historique <= 10 000 événements": resultat["historique_max"] <= 10000,
    }
    return resultat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark de la campagne DAI")
    parser.add_argument("--affilies", type=int, default=2_200_000)
    parser.add_argument("--employeurs", type=int, default=None, help="défaut : 40 000 pour 2,2 M (1 pour 55)")
    parser.add_argument("--dossier", type=Path, default=RACINE / "var" / "bench-campagne")
    parser.add_argument("--taille-lot", type=int, default=500, help="employeurs par lot")
    parser.add_argument("--lots-en-parallele", type=int, default=2)
    parser.add_argument("--taille-paquet", type=int, default=1000, help="agents par appel d'activité")
    parser.add_argument("--tranches", type=int, default=6, help="tranches d'envoi (rythme compressé : 1 s)")
    parser.add_argument("--messages-bruts", type=int, default=4000)
    parser.add_argument(
        "--topologies",
        choices=["les-deux", *TOPOLOGIES],
        default="les-deux",
        help="un worker, le worker séparé, ou les deux l'un après l'autre (défaut)",
    )
    args = parser.parse_args(argv)
    employeurs = args.employeurs or max(1, round(args.affilies / 55))

    import pension

    if not hasattr(pension, "estimer"):
        print("pension.estimer n'est pas encore livré : les EIG ne peuvent pas être chiffrées. Benchmark annulé.")
        return 1
    dossier: Path = args.dossier
    dossier.mkdir(parents=True, exist_ok=True)
    population = dossier / f"population-{args.affilies}-{employeurs}.db"
    base = dossier / "cnracl.db"
    env = {**os.environ, "CNRACL_VAR_DIR": str(dossier), "CNRACL_DATABASE_URL": f"sqlite+aiosqlite:///{base}"}
    if not population.exists():
        print(f"Population synthétique : {args.affilies} agents, {employeurs} employeurs…", flush=True)
        debut = time.monotonic()
        subprocess.run(
            [
                str(BIN / "cnracl"),
                "donnees",
                "synthetiques",
                "--affilies",
                str(args.affilies),
                "--employeurs",
                str(employeurs),
            ],
            env={**env, "CNRACL_DATABASE_URL": f"sqlite+aiosqlite:///{population}"},
            check=True,
        )
        print(f"  générée en {time.monotonic() - debut:.0f} s", flush=True)
    topologies = list(TOPOLOGIES) if args.topologies == "les-deux" else [args.topologies]
    resultats = {t: _une_execution(args, dossier, population, env, t) for t in topologies}
    rapport = {"affilies": args.affilies, "employeurs": employeurs, "executions": resultats}
    (dossier / "rapport.json").write_text(json.dumps(rapport, ensure_ascii=False, indent=2, default=str))
    print(json.dumps(rapport, ensure_ascii=False, indent=2, default=str))
    from bench.rapport import ecrire_section

    def ligne(titre: str, valeur, objectif: str) -> str:
        return f"| {titre} | " + " | ".join(valeur(resultats[t]) for t in topologies) + f" | {objectif} |"

    entete = " | ".join(NOMS_TOPOLOGIES[t] for t in topologies)
    lignes = "\n".join(
        [
            f"| mesure | {entete} | objectif (issue 4, à 2,2 M) |",
            "|---|" + "---|" * len(topologies) + "---|",
            ligne(
                "durée de la campagne (sélection → dernier document annoncé)",
                lambda r: f"**{r['duree_campagne_s']:.0f} s** ({r['duree_campagne_s'] / 60:.1f} min)",
                "< 1 800 s",
            ),
            ligne("documents produits", lambda r: f"{r['documents']:_}".replace("_", " "), "—"),
            ligne("documents annoncés par seconde", lambda r: str(r["documents_par_s"]), "—"),
            ligne(
                "débit brut du puits SMTP, mesuré juste avant",
                lambda r: f"{r['debit_smtp_brut_par_s']} messages/s",
                "—",
            ),
            ligne("part du débit SMTP brut", lambda r: f"{(r['part_du_debit_brut'] or 0):.0%}", "≥ 40 %"),
            ligne(
                "pic mémoire de chaque worker",
                lambda r: " + ".join(f"{m} Mo" for m in r["memoire_pic_workers_mo"]),
                "< 1 536 Mo chacun",
            ),
            ligne("plus long historique de workflow", lambda r: f"{r['historique_max']} événements", "≤ 10 000"),
            ligne("workflows de la campagne", lambda r: str(r["workflows"]), "—"),
        ]
    )
    rapport_texte = ""
    if len(topologies) == 2:
        un, separe = resultats["un"]["duree_campagne_s"], resultats["separe"]["duree_campagne_s"]
        rapport_texte = (
            f"\nRapport des durées, un worker ÷ worker séparé, mesurées l'une après l'autre dans cette exécution : "
            f"**{un / separe:.2f}**.\n"
        )
    ecrire_section(
        "bench_campagne",
        f"""## Campagne DAI entière, un worker puis le worker séparé (`python -m bench.bench_campagne --affilies {args.affilies}`)

{f"{args.affilies:_}".replace("_", " ")} agents chez {f"{employeurs:_}".replace("_", " ")} employeurs (population synthétique), SQLite, serveur Temporal de
développement persisté, puits SMTP local ; calendrier compressé ({args.tranches} tranches d'envoi). La même campagne deux
fois dans la même exécution, chacune sur une copie neuve de la population et un serveur Temporal vide : d'abord avec
un seul processus `cnracl worker`, puis avec le worker séparé comme en production (`cnracl worker --part workflows` et
`cnracl worker --part activites`, docs/deploiement.md). Les deux disposent des mêmes 2 cœurs, partagés avec le serveur
Temporal et le puits SMTP ; seule la base (SQLite, écrite par le seul processus des activités) diffère de la
production (PostgreSQL).

{lignes}
{rapport_texte}""",
    )
    return 0 if all(all(r["objectifs"].values()) for r in resultats.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
