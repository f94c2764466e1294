"""An employer's email address, for supervisors (``/superviseur/employeurs/{id}/coordonnees``): reached from the
employer's « courriel refusé » incident and from the campaign's dashboard. Calls the JSON route's use case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from api.pages.contexte import FormulaireSuperviseur, Page, PageSuperviseur
from api.pages.formulaires import FormulaireInvalide, construire, retour_du_formulaire
from api.pages.libelles import avis
from api.pages.rendu import refus_de
from api.pages.session import ErreurPage
from api.parametres import Identifiant
from domain.erreurs import ErreurMetier
from services import coordonnees_employeur
from services.coordonnees_employeur import CorrectionCourriel

router = APIRouter(include_in_schema=False)


def adresse_de_la_page(employeur_id: int) -> str:
    return f"/superviseur/employeurs/{employeur_id}/coordonnees"


async def _page(page: Page, employeur_id: int, erreur=None, erreurs=None, saisie=None, message=None, statut=200):
    # A refusal (unknown, not allowed) is the error page, through the one handler of use cases\' refusals.
    lues = await coordonnees_employeur.consulter(page.session, page.compte, employeur_id)
    return page.rendre(
        "superviseur/coordonnees_employeur.html",
        {
            "employeur": lues,
            "action": adresse_de_la_page(employeur_id),
            **retour_du_formulaire(erreur, erreurs, saisie, message),
        },
        statut,
    )


class SaisieCourriel(BaseModel):
    """The form, as typed (checked by ``services.coordonnees_employeur.CorrectionCourriel``)."""

    email: str = ""


@router.get("/superviseur/employeurs/{employeur_id}/coordonnees")
async def coordonnees_d_un_employeur(page: PageSuperviseur, employeur_id: Identifiant, message: str | None = None):
    return await _page(page, employeur_id, message=avis(message))


@router.post("/superviseur/employeurs/{employeur_id}/coordonnees")
async def corriger_coordonnees_d_un_employeur(
    page: FormulaireSuperviseur, employeur_id: Identifiant, formulaire: Annotated[SaisieCourriel, Form()]
):
    saisie = {"email": formulaire.email.strip()}
    try:
        corps = construire(CorrectionCourriel, saisie)
        correction = await coordonnees_employeur.corriger(page.session, page.compte, employeur_id, corps)
    except FormulaireInvalide as invalide:
        return await _page(page, employeur_id, invalide.resume, invalide.erreurs, saisie, statut=422)
    except ErreurMetier as refus:
        statut, message, erreurs = refus_de(refus)
        if statut == 404:
            raise ErreurPage(statut, message) from None
        return await _page(page, employeur_id, message, erreurs, saisie, statut=statut)
    if not correction.modifiee:
        cle = "coordonnees_employeur_inchangees"
    else:
        cle = "coordonnees_employeur_incidents" if correction.incidents_resolus else "coordonnees_employeur"
    return RedirectResponse(f"{adresse_de_la_page(employeur_id)}?message={cle}", status_code=303)
