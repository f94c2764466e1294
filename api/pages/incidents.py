"""The supervisors' incident console: the processes stopped on an incident (agent, step, since when, reason,
attempts) and the actions on each — « Relancer », « Annuler » (a reason and a confirmation required),
« Réattribuer » to another supervisor. Every action calls the JSON route's function."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from api.pages.contexte import FormulaireSuperviseur, Page, PageSuperviseur
from api.pages.formulaires import par_champ, retour_du_formulaire
from api.pages.libelles import avis
from api.pages.rendu import refus_de
from domain.erreurs import ErreurMetier
from services import incidents
from services.incidents import Annulation, Reattribution, Reprise

router = APIRouter(include_in_schema=False)
CONSOLE = "/superviseur/incidents"
# The reason a supervisor gives to resume or cancel, bounded as the use cases' models bound it.
Motif = Annotated[str, Form(max_length=2000)]


async def _console(
    page: Page,
    erreur: str | None = None,
    message: str | None = None,
    erreurs: dict[str, str] | None = None,
    cible: str = "",
    saisie: dict[str, str] | None = None,
    statut: int = 200,
):
    return page.rendre(
        "superviseur/incidents.html",
        {
            "incidents": await incidents.lister(page.session),
            "superviseurs": await incidents.superviseurs(page.session),
            "cible": cible,
            **retour_du_formulaire(erreur, erreurs, saisie, message),
        },
        statut,
    )


@router.get(CONSOLE)
async def console(page: PageSuperviseur, message: str | None = None):
    return await _console(page, message=avis(message))


async def _refus(
    page: Page, workflow_id: str, erreur: str, erreurs: dict[str, str], saisie: dict[str, str], statut: int = 422
):
    """The console again, the refusal shown on the form of the incident it concerns."""
    return await _console(page, erreur=erreur, erreurs=erreurs, cible=workflow_id, saisie=saisie, statut=statut)


async def _agir(page: Page, workflow_id: str, action: Awaitable[Any], cle: str, saisie: dict[str, str]):
    """Run ``action`` (the use case, called): back to the console with ``cle``'s message, or the console with the
    refusal on the incident's form."""
    try:
        await action
    except ErreurMetier as refus:
        await page.session.rollback()
        statut, texte, erreurs = refus_de(refus)
        return await _refus(page, workflow_id, texte, erreurs, saisie, statut)
    return RedirectResponse(f"{CONSOLE}?message={cle}", status_code=303)


@router.post(CONSOLE + "/{workflow_id}/relance")
async def relancer(page: FormulaireSuperviseur, workflow_id: str, motif: Motif = ""):
    reprise = incidents.reprendre(page.session, page.moteur, page.compte, workflow_id, Reprise(motif=motif))
    return await _agir(page, workflow_id, reprise, "incident_relance", {"motif": motif})


@router.post(CONSOLE + "/{workflow_id}/annulation")
async def annuler(
    page: FormulaireSuperviseur,
    workflow_id: str,
    motif: Motif = "",
    confirmation: Annotated[str, Form(max_length=10)] = "",
):
    erreurs = {}
    try:
        corps = Annulation(motif=motif)
    except ValidationError as exc:
        erreurs = {"motif": par_champ(exc).get("motif", "indiquez pourquoi le processus est annulé.")}
    if not confirmation:
        erreurs["confirmation"] = "cochez la case pour confirmer l'annulation : elle est définitive."
    if erreurs:
        erreur = "Processus non annulé : " + " ; ".join(erreurs.values())
        return await _refus(page, workflow_id, erreur, erreurs, {"motif": motif})
    annulation = incidents.annuler(page.session, page.moteur, page.compte, workflow_id, corps)
    return await _agir(page, workflow_id, annulation, "incident_annule", {"motif": motif})


@router.post(CONSOLE + "/{workflow_id}/reattribution")
async def reattribuer(
    page: FormulaireSuperviseur,
    workflow_id: str,
    compte_id: Annotated[str, Form(max_length=12)] = "",
):
    if not compte_id.isdigit() or not 1 <= int(compte_id) <= 2**31 - 1:
        erreur = "Incident non réattribué : choisissez le superviseur à qui le confier."
        return await _refus(
            page, workflow_id, erreur, {"compte_id": "choisissez le superviseur à qui confier l'incident."}, {}
        )
    reattribution = incidents.reattribuer(
        page.session, page.compte, workflow_id, Reattribution(compte_id=int(compte_id))
    )
    return await _agir(page, workflow_id, reattribution, "incident_reattribue", {})
