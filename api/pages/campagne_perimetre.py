"""The forms of a campaign's perimeter, on the supervisor's campaign page: exclude an agent or an employer, lift an
exclusion, add an agent or an employer the selection missed. Each calls the JSON route's function; a refusal comes
back on the campaign page, on the form that caused it. (Mounted before ``campagnes``: its ``/{action}`` route would
take these addresses.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from api.pages.campagnes import afficher_tableau, annee_valide
from api.pages.contexte import FormulaireSuperviseur, Page
from api.pages.formulaires import FormulaireInvalide, construire
from api.pages.rendu import refus_de
from api.parametres import Identifiant
from domain.erreurs import ErreurMetier
from services import campagne_perimetre
from services.campagne_perimetre import DemandePerimetre

router = APIRouter(include_in_schema=False)


class SaisiePerimetre(BaseModel):
    """The exclusion and addition forms, as typed (checked by ``services.campagne_perimetre.DemandePerimetre``)."""

    type: str = ""
    nir: str = ""
    siret: str = ""
    motif: str = ""

    def saisie(self) -> dict[str, str]:
        return {champ: valeur if champ == "type" else valeur.strip() for champ, valeur in self.model_dump().items()}


Formulaire = Annotated[SaisiePerimetre, Form()]


@router.post("/superviseur/campagnes/{annee}/exclusions")
async def exclure(page: FormulaireSuperviseur, annee: int, formulaire: Formulaire):
    """Exclude an agent or an employer (same function as ``POST /campagnes/{annee}/exclusions``)."""
    return await _decider(page, annee, "exclusion", formulaire.saisie(), campagne_perimetre.exclure)


@router.post("/superviseur/campagnes/{annee}/ajouts")
async def ajouter(page: FormulaireSuperviseur, annee: int, formulaire: Formulaire):
    """Add an agent or an employer the selection missed (same function as ``POST /campagnes/{annee}/ajouts``)."""
    return await _decider(page, annee, "ajout", formulaire.saisie(), campagne_perimetre.ajouter)


@router.post("/superviseur/campagnes/{annee}/exclusions/{exclusion_id}/levee")
async def lever(page: FormulaireSuperviseur, annee: int, exclusion_id: Identifiant, motif: Annotated[str, Form()] = ""):
    """Lift an exclusion (same function as ``DELETE /campagnes/{annee}/exclusions/{id}``)."""
    annee = annee_valide(annee)
    try:
        await campagne_perimetre.lever(page.session, page.compte, annee, exclusion_id, motif.strip())
    except ErreurMetier as refus:
        return await _refus(page, annee, f"levee-{exclusion_id}", {"motif": motif.strip()}, refus)
    return RedirectResponse(f"/superviseur/campagnes/{annee}?message=exclusion_levee", status_code=303)


async def _decider(
    page: Page,
    annee: int,
    formulaire: str,
    saisie: dict[str, str],
    action: Callable[..., Awaitable[Any]],
):
    annee = annee_valide(annee)
    try:
        await action(page.session, page.compte, annee, construire(DemandePerimetre, saisie))
    except FormulaireInvalide as invalide:
        etat = {"formulaire": formulaire, "saisie": saisie, "erreurs": invalide.erreurs}
        return await afficher_tableau(page, annee, False, erreur=invalide.resume, statut=422, perimetre=etat)
    except ErreurMetier as refus:
        return await _refus(page, annee, formulaire, saisie, refus)
    return RedirectResponse(f"/superviseur/campagnes/{annee}?message={formulaire}", status_code=303)


async def _refus(page: Page, annee: int, formulaire: str, saisie: dict[str, str], refus: ErreurMetier):
    statut, message, erreurs = refus_de(refus)
    etat = {"formulaire": formulaire, "saisie": saisie, "erreurs": erreurs}
    return await afficher_tableau(page, annee, False, erreur=message, statut=statut, perimetre=etat)
