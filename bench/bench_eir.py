"""Benchmark (not a test): EIR throughput through the API against a bare one-activity Temporal workflow,
on the same Temporal dev server, in the same run.

    python -m bench.bench_eir                    # 200 EIRs, 50 at a time
    python -m bench.bench_eir --eir 50 --concurrence 25

Ours: the embedded stack as ``make run`` starts it (Temporal dev server persisted to a file, SQLite, the
SMTP sink, one ``cnracl worker`` process, ``cnracl api`` under uvicorn), delays shortened (employer
notified after 1 s, survey after 1 s). Each EIR is driven to its close by HTTP clients playing the agent
(request, RIS validation, survey) and the employer (career verification task). The bare workflow: one
no-op activity per workflow, its own worker process: as many as our EIRs ran activities, 200 in flight.
Reported: completed processes per second, activities per second (counted in each workflow's history),
and our activities/s as a share of the bare workflow's (target of issue 8: at least 70 %).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from bench.pile import PileEmbarquee, option_population, options_pile  # noqa: E402
from bench.rapport import ecrire_section  # noqa: E402

CODE = "code-du-banc-eir"
FILE_NUE = "banc-nu"


async def _preparer(url: str, nombre: int) -> list[tuple[str, int]]:
    """Accounts for ``nombre`` eligible agents and their employers; returns (agent identifier, employer id)."""
    from datetime import date

    from sqlmodel import col, select

    from persistence.comptes import creer_compte, hacher
    from persistence.db import creer_moteur, fabrique_sessions, transaction
    from persistence.models import Affilie, Employeur

    moteur = creer_moteur(url)
    empreinte = hacher(CODE)
    limite = date(date.today().year - 50, 12, 31)
    try:
        async with transaction(fabrique_sessions(moteur)) as session:
            agents = (
                await session.exec(
                    select(Affilie)
                    .where(col(Affilie.date_de_naissance) <= limite, col(Affilie.employeur_id).is_not(None))
                    .order_by(col(Affilie.id))
                    .limit(nombre)
                )
            ).all()
            if len(agents) < nombre:
                raise SystemExit(f"population trop petite : {len(agents)} agents éligibles pour {nombre}")
            rattachements = [(f"agent-{a.id}", a.employeur_id) for a in agents if a.employeur_id is not None]
            for employeur_id in {e for _, e in rattachements}:
                employeur = await session.get(Employeur, employeur_id)
                if employeur is None:
                    raise SystemExit(f"employeur {employeur_id} introuvable")
                await creer_compte(
                    session,
                    role="employeur",
                    identifiant=f"rh-{employeur_id}",
                    code_hash=empreinte,
                    siret=employeur.siret,
                    profil="admin",
                )
            for agent in agents:
                await creer_compte(
                    session, role="affilie", identifiant=f"agent-{agent.id}", code_hash=empreinte, nir=agent.nir
                )
            return rattachements
    finally:
        await moteur.dispose()


async def _jeton(http, identifiant: str) -> dict[str, str]:
    reponse = await http.post("/auth/jeton", data={"username": identifiant, "password": CODE})
    reponse.raise_for_status()
    return {"Authorization": f"Bearer {reponse.json()['access_token']}"}


async def _nos_eir(port_api: int, agents: list[tuple[str, int]], concurrence: int) -> float:
    """Drive every EIR to its close; returns the wall time."""
    import httpx

    limites = httpx.Limits(max_connections=concurrence * 2)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_api}/api/v1", timeout=60, limits=limites) as http:
        jetons = {e: await _jeton(http, f"rh-{e}") for e in {e for _, e in agents}}
        jetons_agents = [await _jeton(http, a) for a, _ in agents]
        fini = asyncio.Event()

        async def employeurs() -> None:  # the HR staff: look at the inbox, answer what is there
            faites: set[int] = set()
            while not fini.is_set():
                for entete in jetons.values():
                    for tache in (await http.get("/taches", headers=entete)).json():
                        if tache["id"] in faites or tache["etat"] != "ouverte":
                            continue
                        reponse = await http.post(
                            f"/taches/{tache['id']}/completion",
                            headers=entete,
                            json={"carriere_verifiee": True, "indice_fin_de_carriere": 600},
                        )
                        if reponse.status_code == 200:
                            faites.add(tache["id"])
                await asyncio.sleep(0.2)

        async def attendre_etat(entete, demande_id: int, *etats: str) -> dict:
            while True:
                vue = (await http.get(f"/eir/{demande_id}", headers=entete)).json()
                if vue["etat"] in etats:
                    return vue
                await asyncio.sleep(0.2)

        creneaux = asyncio.Semaphore(concurrence)

        async def une_eir(entete) -> None:
            async with creneaux:
                reponse = await http.post("/eir", json={}, headers=entete)
                reponse.raise_for_status()
                demande_id = reponse.json()["id"]
                await attendre_etat(entete, demande_id, "ris_disponible")
                (await http.post(f"/eir/{demande_id}/ris/validation", headers=entete)).raise_for_status()
                await attendre_etat(entete, demande_id, "enquete_envoyee")
                reponse = await http.post(
                    f"/eir/{demande_id}/enquete", json={"reponses": [5, 4, 4, 5, 5]}, headers=entete
                )
                reponse.raise_for_status()

        repondeur = asyncio.create_task(employeurs())
        debut = time.monotonic()
        await asyncio.gather(*(une_eir(e) for e in jetons_agents))
        duree = time.monotonic() - debut
        fini.set()
        await repondeur
        return duree


async def _activites_terminees(client, requete: str, attendus: int) -> tuple[int, int, int]:
    """Workflows matching ``requete`` (waiting for the visibility store to list all ``attendus``), the
    activities completed in their histories, and among them the local activities (the process's own short
    writes, recorded as markers)."""
    from temporalio.api.enums.v1 import EventType

    for _ in range(100):
        executions = [e async for e in client.list_workflows(requete)]
        if len(executions) >= attendus:
            break
        await asyncio.sleep(0.3)
    activites = locales = 0
    for execution in executions:
        historique = await client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()
        activites += sum(1 for e in historique.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
        locales += sum(
            1
            for e in historique.events
            if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
        )
    return len(executions), activites + locales, locales


async def _nus(client, nombre: int, concurrence: int) -> float:
    """``nombre`` bare workflows, ``concurrence`` in flight, after one warm-up run of the worker."""
    from bench.eir_nu import FluxNu

    await client.execute_workflow(FluxNu.run, -1, id="banc-nu-chauffe", task_queue=FILE_NUE)
    creneaux = asyncio.Semaphore(concurrence)

    async def un(rang: int) -> None:
        async with creneaux:
            await client.execute_workflow(
                FluxNu.run, rang, id=f"banc-nu-{rang}", task_queue=FILE_NUE, execution_timeout=timedelta(minutes=5)
            )

    debut = time.monotonic()
    await asyncio.gather(*(un(i) for i in range(nombre)))
    return time.monotonic() - debut


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eir", type=int, default=200, help="nombre d'EIR conduits jusqu'à la clôture")
    parser.add_argument("--concurrence", type=int, default=50, help="EIR (et flux nus) menés en même temps")
    parser.add_argument("--concurrence-nue", type=int, default=200, help="flux nus menés en même temps")
    option_population(parser)
    options_pile(parser)
    args = parser.parse_args(argv)

    dossier = Path(tempfile.mkdtemp(prefix="banc-eir-"))
    base = f"sqlite+aiosqlite:///{dossier / 'cnracl.db'}"
    with PileEmbarquee(
        dossier,
        base,
        {
            "CNRACL_EIR_DELAI_NOTIFICATION_EMPLOYEUR": "PT1S",
            "CNRACL_EIR_DELAI_ENQUETE": "PT1S",
            "CNRACL_RELANCE_EMPLOYEUR": "PT10M",
            "CNRACL_ESCALADE_SUPERVISEUR": "PT20M",
            # every simulated person logs in from this one address
            "CNRACL_LIMITE_CONNEXIONS": "100000/minute",
        },
    ) as pile:
        pile.peupler(args.population)
        agents = asyncio.run(_preparer(base, args.eir))
        pile.demarrer_selon(args)
        pile.lancer([sys.executable, "-m", "bench.eir_nu", f"127.0.0.1:{pile.port_temporal}", FILE_NUE])
        resultats = asyncio.run(_mesurer(pile.port_api, pile.port_temporal, agents, args))
    shutil.rmtree(dossier, ignore_errors=True)

    nous, nu = resultats["nous"], resultats["nu"]
    part = nous["activites_s"] / nu["activites_s"]
    print(
        f"nous : {nous['processus']} EIR en {nous['duree_s']:.1f} s — {nous['processus_s']:.2f} EIR/s, "
        f"{nous['activites']} activités, {nous['activites_s']:.1f} activités/s"
    )
    print(
        f"nu   : {nu['processus']} flux en {nu['duree_s']:.1f} s — {nu['processus_s']:.1f} flux/s, "
        f"{nu['activites_s']:.1f} activités/s"
    )
    print(f"part de nos activités/s dans celles du flux nu : {part:.0%} (objectif ≥ 70 %)")
    ecrire_section(
        "bench_eir",
        f"""## EIR de bout en bout contre un flux Temporal nu (`python -m bench.bench_eir`)

{args.eir} EIR menés jusqu'à la clôture par l'API ({args.concurrence} à la fois : demande, tâche de l'employeur,
validation du RIS, bilan, enquête ; délais raccourcis à 1 s), puis autant de flux nus à une activité vide que nos EIR
ont exécuté d'activités ({args.concurrence_nue} en vol : le plafond de la machine), sur le même serveur Temporal de
développement ({"en mémoire" if args.temporal_en_memoire else "persisté dans un fichier, comme `make run`"}), {args.workers} worker(s) pour les EIR, un pour le flux nu.
Base SQLite.

| | processus | durée | processus/s | activités | activités/s |
|---|---|---|---|---|---|
| EIR (nous) | {nous["processus"]} | {nous["duree_s"]:.1f} s | {nous["processus_s"]:.2f} | {nous["activites"]} | {nous["activites_s"]:.1f} |
| flux nu | {nu["processus"]} | {nu["duree_s"]:.1f} s | {nu["processus_s"]:.1f} | {nu["activites"]} | {nu["activites_s"]:.1f} |

Nos activités/s représentent **{part:.0%}** de celles du flux nu (objectif de l'issue 8 : au moins 70 %) ; sans
compter les activités locales, **{(nous["activites"] - nous["locales"]) / nous["duree_s"] / nu["activites_s"]:.0%}**.
Un EIR compte {nous["activites"] / max(nous["processus"], 1):.0f} activités, dont
{nous["locales"] / max(nous["processus"], 1):.0f} locales (les écritures de son propre état, de ses tâches et de
l'enquête, exécutées par le worker dans la tâche du workflow) ; sa durée comprend deux minuteries d'une
seconde et les allers-retours des personnes simulées (sondage toutes les 0,2 s).
""",
    )
    return 0


async def _mesurer(port_api: int, port_temporal: int, agents, args) -> dict:
    from workflows.client import connecter

    client = await connecter(f"127.0.0.1:{port_temporal}")
    duree = await _nos_eir(port_api, agents, args.concurrence)
    eir, activites, locales = await _activites_terminees(
        client, "WorkflowType = 'EirWorkflow' AND ExecutionStatus = 'Completed'", len(agents)
    )
    # The bare reference runs as many activities as our EIRs did, as many in flight as the machine takes.
    nus = activites
    duree_nu = await _nus(client, nus, args.concurrence_nue)
    return {
        "nous": {
            "processus": eir,
            "duree_s": duree,
            "processus_s": eir / duree,
            "activites": activites,
            "activites_s": activites / duree,
            "locales": locales,
        },
        "nu": {
            "processus": nus,
            "duree_s": duree_nu,
            "processus_s": nus / duree_nu,
            "activites": nus,
            "activites_s": nus / duree_nu,
        },
    }


if __name__ == "__main__":
    sys.exit(main())
