"""The ``cnracl`` command: run the whole service, or one component; accounts; data; calculation."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from cli import campagne as _campagne
from cli import pension as _pension
from cli import synthetique as _synthetique
from cli.francais import Application, executer
from settings import PORT_UI_TEMPORAL_EMBARQUE, Settings, get_settings

app = Application(help="Service des processus d'information retraite de la CNRACL.", no_args_is_help=True)
comptes = Application(help="Comptes des affiliés, employeurs et superviseurs.", no_args_is_help=True)
donnees = Application(help="Jeux de données (démonstration, population synthétique).", no_args_is_help=True)
app.add_typer(comptes, name="comptes")
echeances = Application(help="Échéances de validation de services.", no_args_is_help=True)
app.add_typer(donnees, name="donnees")
app.add_typer(echeances, name="echeances")
audit = Application(help="Historique infalsifiable (chaîne d'empreintes).", no_args_is_help=True)
app.add_typer(audit, name="audit")
versions = Application(
    help="Versions du code des processus (contrôle avant une mise en production).", no_args_is_help=True
)
app.add_typer(versions, name="versions")

app.add_typer(_campagne.app, name="campagne")
app.add_typer(_pension.app, name="pension")
donnees.command("synthetiques")(_synthetique.synthetiques)

BIN = Path(sys.executable).parent


# The commands that read no setting (the calculation module): invalid settings do not stop them.
SANS_REGLAGES = frozenset({"pension"})


@app.callback()
def _journaux(contexte: typer.Context) -> None:
    # Every command logs through the masked handler (JSON with CNRACL_JOURNAUX_JSON); `api` and `worker`
    # reconfigure it with their own component name. Invalid settings stop the command with their French rules
    # (never the values given: a secret would reach the logs).
    from pydantic import ValidationError

    from observabilite.journaux import configurer_journaux

    try:
        settings = get_settings()
    except ValidationError as exc:
        if contexte.invoked_subcommand in SANS_REGLAGES:
            return
        _sortie_erreur("Réglages invalides :\n" + "\n".join(f"- {_regle_enfreinte(e)}" for e in exc.errors()))
        return
    configurer_journaux(settings, "cli")
    if settings.niveau_journaux.upper() != "DEBUG":  # the migrations' step-by-step lines: only when asked
        logging.getLogger("alembic").setLevel(logging.WARNING)


def _regle_enfreinte(erreur: Any) -> str:
    """One broken rule of the settings: ours name their setting; pydantic's own get the setting's name added."""
    message = str(erreur["msg"]).removeprefix("Value error, ")
    if erreur["loc"] and not message.startswith("CNRACL_"):
        message = f"CNRACL_{str(erreur['loc'][0]).upper()} : {message}"
    return message


def _sortie_erreur(message: str) -> None:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(2)


def _migrer(settings: Settings) -> None:
    from services.donnees import mettre_a_jour_la_base

    mettre_a_jour_la_base(settings)


@app.command()
def migrer() -> None:
    """Mettre la base de données à jour (migrations)."""
    settings = get_settings()
    _migrer(settings)
    typer.echo("Base de données à jour.")


@app.command()
def worker(
    part: str = typer.Option(
        "tout",
        help="tout ; workflows (les réponses et leurs écritures) ; activites (documents, courriels, lots de campagne)",
    ),
) -> None:
    """Lancer un exécutant des processus : leurs étapes et leurs actions, ou l'une des deux parts."""
    import uvloop

    import worker as module_worker

    if part not in module_worker.PARTS:
        raise typer.BadParameter(
            f"« {part} » inconnue ; choisissez parmi {', '.join(module_worker.PARTS)}.", param_hint="--part"
        )

    # uvloop, as uvicorn uses for the API: the worker's own I/O (database, SMTP, the SDK's callbacks from its
    # threads) costs less processor than on asyncio's default loop.
    uvloop.run(module_worker.main(get_settings(), part))


@app.command()
def api(
    hote: str = "127.0.0.1",
    port: int = 8000,
    processus: int | None = typer.Option(None, help="Nombre de processus du service (par défaut : le réglage)"),
) -> None:
    """Lancer le service web et ses pages, en un processus ou plusieurs se partageant le port."""
    import uvicorn

    from api.app import OPTIONS_UVICORN

    settings = get_settings()
    nombre = processus or settings.api_processus
    # On SIGTERM uvicorn stops accepting connections and waits for the requests under way, this long at most.
    options = {**OPTIONS_UVICORN, "timeout_graceful_shutdown": int(settings.api_arret_grace.total_seconds())}
    if nombre > 1:
        uvicorn.run("api.app:application", factory=True, workers=nombre, host=hote, port=port, **options)
    else:
        from api.app import application

        uvicorn.Server(uvicorn.Config(application(settings), host=hote, port=port, **options)).run()


@app.command()
def smtp(hote: str = "127.0.0.1", port: int = 8025) -> None:
    """Lancer le serveur de courriels local : chaque message est écrit dans un fichier du dossier des courriels."""
    from notifications.puits import demarrer_puits

    settings = get_settings()
    controleur, _ = demarrer_puits(settings.dossier_mails, hote, port, garder_en_memoire=False)
    typer.echo(f"Serveur SMTP local sur {hote}:{port}, messages dans {settings.dossier_mails}")
    signaux = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, signaux)
    try:
        signal.sigwait(signaux)
    finally:
        controleur.stop()


@comptes.command("creer")
def comptes_creer(
    role: Annotated[str, typer.Option(help="affilie, employeur ou superviseur")],
    identifiant: Annotated[str, typer.Option(help="Identifiant de connexion")],
    code: Annotated[str, typer.Option(help="Code confidentiel (au moins 8 caractères)")],
    nir: Annotated[str | None, typer.Option(help="NIR de l'affilié")] = None,
    siret: Annotated[str | None, typer.Option(help="SIRET de l'employeur")] = None,
    profil: Annotated[str | None, typer.Option(help="admin ou utilisateur (employeur)")] = None,
) -> None:
    """Créer un compte (le code est enregistré sous forme d'empreinte)."""
    from domain.erreurs import Refus
    from services.donnees import creer_un_compte

    try:
        compte_id = asyncio.run(creer_un_compte(get_settings(), role, identifiant, code, nir, siret, profil))
    except Refus as erreur:
        _sortie_erreur(erreur.message)
    typer.echo(f"Compte {identifiant} ({role}) créé, n° {compte_id}.")


@audit.command("verifier")
def audit_verifier() -> None:
    """Vérifier la chaîne d'empreintes de tout l'historique : tout événement modifié ou supprimé est signalé."""
    from services.donnees import verifier_l_historique

    resultat = asyncio.run(verifier_l_historique(get_settings()))
    if resultat.intacte:
        typer.echo(f"Historique intact : {resultat.evenements} événements, chaîne d'empreintes vérifiée.")
        return
    typer.secho(f"Historique altéré ({len(resultat.anomalies)} anomalie(s)) :", err=True, fg=typer.colors.RED)
    for anomalie in resultat.anomalies[:50]:
        typer.echo(f"  - {anomalie}", err=True)
    raise typer.Exit(1)


@versions.command("verifier")
def versions_verifier(
    depuis: Annotated[
        str | None, typer.Option(help="Adresse du moteur où tournent les processus (par défaut : celle des réglages).")
    ] = None,
    nombre: Annotated[
        int, typer.Option(min=1, help="Historiques rejoués par type de processus, les plus récents.")
    ] = 50,
) -> None:
    """Rejouer les historiques récents de chaque type de processus avec ce code : code de sortie 1 si l'un diverge."""
    from domain.erreurs import MoteurIndisponible
    from services.moteur import Moteur
    from services.versions import verifier_versions

    settings = get_settings()
    if depuis:
        settings = settings.model_copy(update={"temporal_address": depuis})

    async def verifier():
        return await verifier_versions(await Moteur(settings).client(), nombre)

    try:
        rapport = asyncio.run(verifier())
    except MoteurIndisponible as exc:
        _sortie_erreur(f"{exc} (adresse : {settings.temporal_address})")
    for type_workflow, rejoues in rapport.rejoues.items():
        typer.echo(f"{type_workflow} : {rejoues} historique(s) rejoué(s).")
    if rapport.compatible:
        typer.echo("Ce code reprend sans écart chaque processus rejoué : la mise en production peut se faire.")
        return
    typer.secho(
        f"{len(rapport.divergences)} processus ne se rejouent pas avec ce code (docs/versions.md dit quoi faire) :",
        err=True,
        fg=typer.colors.RED,
    )
    for divergence in rapport.divergences[:50]:
        typer.echo(f"  - {divergence.type_workflow} {divergence.workflow_id} : {divergence.raison}", err=True)
    raise typer.Exit(1)


@echeances.command("demarrer")
def echeances_demarrer() -> None:
    """Démarrer l'échéance de validation de services de chaque agent éligible (relancée, ne démarre rien deux fois)."""
    from datetime import date

    from services.base import base_de_donnees
    from services.echeances import demarrer_echeances
    from services.moteur import Moteur
    from workflows.client import delais_instruction, delais_taches

    settings = get_settings()

    async def demarrer():
        async with base_de_donnees(settings) as sessions:
            return await demarrer_echeances(
                sessions,
                await Moteur(settings).client(),
                settings.task_queue,
                settings.validation_rappels,
                delais_taches(settings),
                date.today(),
                instruction=delais_instruction(settings),
            )

    bilan = asyncio.run(demarrer())
    typer.echo(
        f"{bilan.eligibles} agents éligibles : {bilan.demarres} échéances démarrées, "
        f"{bilan.deja_demarres} déjà en place."
    )


@donnees.command("autres-regimes")
def donnees_autres_regimes(
    fichier: Annotated[
        Path,
        typer.Argument(
            help="Fichier CSV des données inter-régimes : NIR, régime, trimestres et, s'il y a lieu, date de première validation, séparés par des points-virgules"
        ),
    ],
) -> None:
    """Charger les trimestres des agents dans les autres régimes de base, depuis les données de carrière inter-régimes."""
    from domain.erreurs import Refus
    from services.donnees import importer_autres_regimes

    try:
        nombre = asyncio.run(importer_autres_regimes(get_settings(), fichier))
    except Refus as erreur:
        _sortie_erreur(erreur.message)
    typer.echo(f"Trimestres des autres régimes enregistrés pour {nombre} agent(s).")


@donnees.command("demo")
def donnees_demo() -> None:
    """Charger le jeu de démonstration et écrire ses comptes dans var/demo.json (cnracl run démarre ensuite ses processus)."""
    settings = get_settings()
    _migrer(settings)
    comptes_demo = asyncio.run(_charger_demo(settings, forcer=True))
    _afficher_comptes(comptes_demo or [])


async def _charger_demo(settings: Settings, forcer: bool) -> list[dict[str, str]] | None:
    from services.donnees import charger_la_demo

    return await charger_la_demo(settings, forcer)


def _afficher_comptes(comptes_demo: list[dict[str, str]]) -> None:
    typer.echo("Comptes de démonstration (aussi dans var/demo.json) :")
    for c in comptes_demo:
        rattachement = c.get("nir") or c.get("siret") or ""
        typer.echo(f"  {c['role']:<12} identifiant {c['identifiant']:<20} code {c['code']}  {rattachement}")
        if c.get("a_voir"):
            typer.echo(f"  {'':<12} {c['a_voir']}")


def _animer_la_demo(settings: Settings) -> None:
    """Once the worker runs: the demo's processes, each taken to the state it shows (services.demo); on a base
    where they already are (or with no demo accounts), a few reads and nothing else."""
    from services.demo import animer_la_demo

    try:
        if asyncio.run(animer_la_demo(settings)):
            typer.echo("Démonstration prête : les processus de var/demo.json sont dans leur état (voir « a_voir »).")
    except Exception as erreur:  # the service runs on: the demo's processes are not the service's
        logging.getLogger(__name__).warning("processus de démonstration non démarrés : %s", erreur, exc_info=True)


def _attendre_port(hote: str, port: int, delai: float = 60.0) -> None:
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex((hote, port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{hote}:{port} ne répond pas")


PORT_METRIQUES_WORKER, PORT_METRIQUES_TEMPORAL = 9464, 9465


def _port_disponible(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _arret_demande(*_: object) -> None:
    """SIGTERM stops the whole service the way Ctrl-C does."""
    raise KeyboardInterrupt


@app.command()
def run(port: int = 8000) -> None:
    """Lancer tout le service : moteur de processus, serveur de courriels local, exécutant et service web (Ctrl-C arrête tout)."""
    from services.moteur import commande_serveur_dev

    settings = get_settings()
    _migrer(settings)
    charges = asyncio.run(_charger_demo(settings, forcer=False))
    signal.signal(signal.SIGTERM, _arret_demande)
    environnement = dict(os.environ)
    processus: list[tuple[str, subprocess.Popen]] = []

    def lancer(nom: str, commande: list[str]) -> None:
        journal = open(settings.var_dir / f"{nom}.log", "ab")  # noqa: SIM115 - the component's log: open while it runs
        processus.append(
            (
                nom,
                subprocess.Popen(
                    commande, env=environnement, stdout=journal, stderr=subprocess.STDOUT, start_new_session=True
                ),
            )
        )

    # Prometheus metrics of the worker (Temporal SDK) and of the dev server, on fixed ports when they are free.
    metriques_worker = settings.worker_metriques or (
        f"127.0.0.1:{PORT_METRIQUES_WORKER}" if _port_disponible(PORT_METRIQUES_WORKER) else ""
    )
    environnement["CNRACL_WORKER_METRIQUES"] = metriques_worker
    metriques_temporal = (
        ["--metrics-port", str(PORT_METRIQUES_TEMPORAL)] if _port_disponible(PORT_METRIQUES_TEMPORAL) else []
    )
    try:
        if settings.temporal_embarque:
            commande = commande_serveur_dev(
                7233, settings.var_dir / "temporal.db", PORT_UI_TEMPORAL_EMBARQUE, "warn", *metriques_temporal
            )
            lancer("temporal", commande)
            _attendre_port("127.0.0.1", 7233)
        if settings.smtp_embarque:
            lancer("smtp", [str(BIN / "cnracl"), "smtp", "--port", str(settings.smtp_port)])
            _attendre_port("127.0.0.1", settings.smtp_port)
        lancer("worker", [str(BIN / "cnracl"), "worker"])
        lancer("api", [str(BIN / "cnracl"), "api", "--port", str(port)])
        _attendre_port("127.0.0.1", port)
        typer.secho("\nService CNRACL démarré.", fg=typer.colors.GREEN, bold=True)
        typer.echo(f"  API et pages      http://localhost:{port}   (documentation : http://localhost:{port}/docs)")
        if settings.temporal_embarque:
            typer.echo(f"  Temporal Web UI   http://localhost:{PORT_UI_TEMPORAL_EMBARQUE}")
        typer.echo(
            f"  Métriques         http://localhost:{port}/metrics (jeton d'un superviseur ou CNRACL_METRIQUES_JETON)"
        )
        if metriques_worker:
            typer.echo(
                f"                    http://{metriques_worker}/metrics (worker : SDK Temporal, calculs, échecs SMTP)"
            )
        if metriques_temporal and settings.temporal_embarque:
            typer.echo(f"                    http://127.0.0.1:{PORT_METRIQUES_TEMPORAL}/metrics (serveur Temporal)")
        if settings.smtp_embarque:
            typer.echo(f"  Courriels envoyés {settings.dossier_mails}/*.eml")
        typer.echo(f"  Journaux          {settings.var_dir}/*.log")
        fichier_demo = settings.var_dir / "demo.json"
        if fichier_demo.exists():
            _afficher_comptes(json.loads(fichier_demo.read_text(encoding="utf-8")))
        if charges is None:
            typer.echo("  (base existante : les processus en cours reprennent où ils en étaient)")
        threading.Thread(target=_animer_la_demo, args=(settings,), name="demo", daemon=True).start()
        typer.echo("\nCtrl-C pour tout arrêter.")
        while True:
            for nom, p in processus:
                if p.poll() is not None:
                    raise RuntimeError(f"le composant {nom} s'est arrêté (code {p.returncode}) : voir var/{nom}.log")
            time.sleep(1)
    except KeyboardInterrupt:
        typer.echo("\nArrêt…")
    except RuntimeError as erreur:
        typer.secho(str(erreur), err=True, fg=typer.colors.RED)
    finally:
        for _, p in reversed(processus):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for _, p in reversed(processus):
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def principal() -> None:
    """The ``cnracl`` entry point. Once the command has finished, the process leaves without the interpreter's
    teardown: the Temporal client's native threads can still be running then, and tearing the interpreter down
    under them aborts the process (« PyGILState_Release », temporalio/sdk-python#300) after the work is done —
    the operator would read a crash and a code -6 where the command succeeded. Everything the teardown would do
    that matters is done before: the output and the logs are flushed, the worker has closed its processes."""
    try:
        code: object = executer(app)
    except SystemExit as fin:
        code = fin.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    principal()
