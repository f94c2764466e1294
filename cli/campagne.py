"""``cnracl campagne``: schedule the yearly DAI campaign, start one by hand (or its dry run), follow it."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from settings import get_settings

app = typer.Typer(help="Campagne annuelle du droit à l'information (RIS, EIG).", no_args_is_help=True)


def _annee_valide(annee: int) -> int:
    if not 2007 <= annee <= 2100:
        raise typer.BadParameter("l'année de campagne doit être comprise entre 2007 et 2100.")
    return annee


@app.command()
def planifier() -> None:
    """Create (or update) the Temporal Schedule: each 1 July at 08:00, Europe/Paris."""
    from workflows.campagne_client import lancement_annuel, planifier_campagnes
    from workflows.client import connecter

    settings = get_settings()

    async def creer() -> bool:
        client = await connecter(settings.temporal_address, settings.temporal_namespace)
        return await planifier_campagnes(client, settings.task_queue, lancement_annuel(settings))

    cree = asyncio.run(creer())
    typer.echo(
        ("Planification créée" if cree else "Planification mise à jour")
        + " : campagne DAI lancée chaque 1er juillet à 8 h (Europe/Paris), identifiant campagne-dai-annuelle."
    )


@app.command()
def lancer(
    annee: Annotated[
        int, typer.Option(help="Année de campagne N (envoi des documents en N+1)", callback=_annee_valide)
    ],
    simulation: Annotated[bool, typer.Option(help="Compter sans rien envoyer ni créer")] = False,
) -> None:
    """Start campaign N now (again: nothing starts twice). With --simulation, print the dry run's report."""
    from persistence import depots_campagne
    from persistence.db import creer_moteur, fabrique_sessions
    from workflows.campagne_client import demande_campagne, demarrer_campagne
    from workflows.client import connecter

    settings = get_settings()

    async def demarrer() -> dict | None:
        client = await connecter(settings.temporal_address, settings.temporal_namespace)
        handle = await demarrer_campagne(client, settings.task_queue, demande_campagne(settings, annee, simulation))
        if not simulation:
            return None
        await handle.result()
        moteur = creer_moteur(settings.database_url)
        try:
            async with fabrique_sessions(moteur)() as session:
                campagne = await depots_campagne.campagne_par_annee(session, annee, simulation=True)
                return campagne.previsionnel if campagne else None
        finally:
            await moteur.dispose()

    rapport = asyncio.run(demarrer())
    if rapport is None:
        typer.echo(
            f"Campagne {annee} lancée (identifiant campagne-dai-{annee}) ; suivi : cnracl campagne etat --annee {annee}"
        )
        return
    typer.echo(f"Simulation de la campagne {annee} (aucun envoi) :")
    typer.echo(json.dumps(rapport, ensure_ascii=False, indent=2, default=str))


@app.command()
def etat(annee: Annotated[int, typer.Option(help="Année de campagne N", callback=_annee_valide)]) -> None:
    """Progress of campaign N by cohort, employers, tasks, exports."""
    from persistence import depots_campagne
    from persistence.db import creer_moteur, fabrique_sessions

    settings = get_settings()

    async def lire() -> dict | None:
        moteur = creer_moteur(settings.database_url)
        try:
            async with fabrique_sessions(moteur)() as session:
                campagne = await depots_campagne.campagne_par_annee(session, annee)
                if campagne is None:
                    return None
                return {
                    "etape": campagne.etape,
                    "en_pause": campagne.en_pause,
                    "prochaine_echeance": campagne.prochaine_echeance,
                    "compteurs": campagne.compteurs,
                    **await depots_campagne.progression(session, campagne),
                }
        finally:
            await moteur.dispose()

    vue = asyncio.run(lire())
    if vue is None:
        typer.secho(
            f"Aucune campagne {annee} : lancez-la avec cnracl campagne lancer --annee {annee}.",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(2)
    typer.echo(json.dumps(vue, ensure_ascii=False, indent=2, default=str))
