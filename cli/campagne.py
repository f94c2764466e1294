"""``cnracl campagne``: schedule the yearly DAI campaign, start one by hand (or its dry run), follow it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from cli.francais import Application
from domain.erreurs import ErreurMetier, Introuvable
from services.base import base_de_donnees
from services.moteur import Moteur
from settings import get_settings

T = TypeVar("T")

app = Application(help="Campagne annuelle du droit à l'information (RIS, EIG).", no_args_is_help=True)


def _annee_valide(annee: int) -> int:
    if not 2007 <= annee <= 2100:
        raise typer.BadParameter("l'année de campagne doit être comprise entre 2007 et 2100.")
    return annee


@app.command()
def planifier() -> None:
    """Créer (ou mettre à jour) la planification : chaque 1er juillet à 8 h, heure de Paris."""
    from services import campagnes

    cree = _executer(campagnes.planifier(Moteur(get_settings())))
    typer.echo(
        ("Planification créée" if cree else "Planification mise à jour")
        + " : campagne DAI lancée chaque 1er juillet à 8 h (Europe/Paris), identifiant campagne-dai-annuelle."
    )


@app.command()
def lancer(
    annee: Annotated[
        int, typer.Option(help="Année de campagne N (envoi des documents en N+1)", callback=_annee_valide)
    ],
    simulation: Annotated[
        bool, typer.Option(help="Dire ce que ferait le lancement, sans rien envoyer ni démarrer la campagne")
    ] = False,
    confirmer: Annotated[
        bool,
        typer.Option(help="Lancer une campagne dont des étapes sont passées : elles sont toutes faites aussitôt"),
    ] = False,
) -> None:
    """Lancer la campagne N maintenant (relancée, rien ne démarre deux fois). Une campagne dont les dates ont commencé
    (une année passée, l'année en cours après juillet) ne démarre qu'avec --confirmer ; --simulation dit d'abord ce
    que ferait son lancement."""
    from services import campagnes

    if simulation and confirmer:
        typer.secho(
            "Choisissez --simulation (voir ce que ferait le lancement) ou --confirmer (lancer), pas les deux.",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(2)
    settings = get_settings()
    commande = f"cnracl campagne lancer --annee {annee}"

    if simulation:

        async def simuler() -> campagnes.ResumeSimulation:
            async with base_de_donnees(settings) as sessions, sessions() as session:
                return await campagnes.simuler(session, Moteur(settings), annee)

        resume = _executer(simuler())
        typer.echo(resume.texte())
        typer.echo(f"Pour lancer la campagne : {commande}{' --confirmer' if resume.etapes_passees else ''}")
        return

    async def demarrer() -> campagnes.CampagnePublique:
        async with base_de_donnees(settings) as sessions, sessions() as session:
            try:
                return await campagnes.lancer(session, Moteur(settings), annee, False, confirmer)
            except campagnes.ConfirmationRequise as refus:
                raise campagnes.ConfirmationRequise(
                    f"{refus.message} Pour simuler : {commande} --simulation ; pour confirmer : {commande} --confirmer."
                ) from None

    _executer(demarrer())
    typer.echo(
        f"Campagne {annee} lancée (identifiant campagne-dai-{annee}) ; suivi : cnracl campagne etat --annee {annee}"
    )


@app.command()
def etat(annee: Annotated[int, typer.Option(help="Année de campagne N", callback=_annee_valide)]) -> None:
    """Avancement de la campagne N : par génération, employeurs, tâches, exports."""
    from services import campagnes

    settings = get_settings()

    async def lire() -> campagnes.CampagnePublique:
        async with base_de_donnees(settings) as sessions, sessions() as session:
            return await campagnes.consulter(session, annee)

    campagne = _executer(lire(), f"Aucune campagne {annee} : lancez-la avec cnracl campagne lancer --annee {annee}.")
    vue = {
        "etape": campagne.etape,
        "en_pause": campagne.en_pause,
        "prochaine_echeance": campagne.prochaine_echeance,
        "compteurs": campagne.compteurs,
        **campagne.progression,
    }
    typer.echo(json.dumps(vue, ensure_ascii=False, indent=2, default=str))


@app.command(
    help="Signaler les courriels revenus après leur envoi (avis de non-remise) : chaque agent concerné passe au "
    "courrier (lot d'impression de la tranche suivante, incident), comme pour un courriel refusé ; un courriel revenu "
    "à un employeur ouvre un incident (adresse à corriger, employeur à prévenir) ; un courriel déjà signalé ne change "
    "plus rien."
)
def rebonds(
    fichiers: Annotated[
        list[Path],
        typer.Argument(help="Les avis de non-remise reçus (.eml, RFC 3464), tels que le serveur les a renvoyés"),
    ],
    annee: Annotated[int, typer.Option(help="Année de campagne N", callback=_annee_valide)],
) -> None:
    """The mail provider's bounces, read from their files (``services.campagne_rebonds``)."""
    from services import campagne_rebonds

    avis = []
    for fichier in fichiers:
        try:
            avis.append((f"le fichier {fichier.name}", fichier.read_bytes()))
        except OSError as erreur:
            typer.secho(f"Le fichier {fichier} ne peut pas être lu ({erreur.strerror}).", err=True, fg=typer.colors.RED)
            raise typer.Exit(2) from erreur
    settings = get_settings()

    async def signaler() -> campagne_rebonds.RebondsPublic:
        async with base_de_donnees(settings) as sessions, sessions() as session:
            return await campagne_rebonds.signaler_avis(session, Moteur(settings), annee, avis)

    resultat = _executer(signaler())
    if resultat.etat == "en_cours":
        typer.echo("Courriels revenus transmis : ils sont en cours de traitement.")
        return
    for rebond in resultat.rebonds:
        if rebond.deja_signale:
            typer.echo(f"{rebond.message_id} : déjà signalé, rien de refait.")
        elif rebond.employeur_id is not None:
            typer.echo(
                f"{rebond.message_id} : courriel à l'employeur n° {rebond.employeur_id} revenu ; incident ouvert "
                "(son adresse électronique est à corriger, l'employeur à prévenir)."
            )
        elif rebond.tranche is not None:
            typer.echo(
                f"{rebond.message_id} : document n° {rebond.document_id} par courrier, lot d'impression de la "
                f"tranche {rebond.tranche} ; incident ouvert."
            )
        else:
            typer.echo(
                f"{rebond.message_id} : document n° {rebond.document_id} dû par courrier, mais l'adresse postale de "
                "l'agent est inconnue ; incident ouvert."
            )


@app.command("verifier-export")
def verifier_export(
    manifeste: Annotated[Path, typer.Argument(help="Le manifeste d'un lot (…/lot-00000.manifest.json)")],
) -> None:
    """Vérifier le fichier d'un lot pour le collecteur avec son manifeste (signature, empreinte SHA-256, nombres), avec la clé des réglages."""
    from services import campagnes

    try:
        lu = campagnes.verifier_export(manifeste, get_settings().cle_collecteur())
    except ErreurMetier as erreur:
        typer.secho(erreur.message, err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from erreur
    comptes = ", ".join(
        f"{lu[cle]} {mot}{'s' if lu[cle] > 1 else ''}"
        for cle, mot in (("agents", "agent"), ("periodes", "période"), ("enfants", "enfant"))
    )
    typer.echo(f"{lu['fichier']} : conforme à son manifeste ({comptes} ; format {lu['format']}).")


def _executer(appel: Coroutine[Any, Any, T], introuvable: str | None = None) -> T:
    """Run a use case; its refusal is said in French on stderr (exit 2), never as a traceback. ``introuvable``:
    what to say instead of the use case's sentence when the campaign does not exist."""
    try:
        return asyncio.run(appel)
    except ErreurMetier as erreur:
        message = introuvable if introuvable and isinstance(erreur, Introuvable) else erreur.message
        typer.secho(message, err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from erreur
