"""The postal address, the email address and the channel of the campaign documents: the agent's own page (``/agent/coordonnees``), and
a supervisor's for an agent (``/superviseur/agents/{nir}/coordonnees``, reached from the campaign's delivery page).
Both call the JSON route's use case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from api.pages.contexte import FormulaireAffilie, FormulaireSuperviseur, Page, PageAffilie, PageSuperviseur
from api.pages.formulaires import FormulaireInvalide, construire, retour_du_formulaire
from api.pages.libelles import avis
from api.pages.rendu import refus_de
from domain.adresse import Coordonnees
from domain.erreurs import ErreurMetier
from services import coordonnees

router = APIRouter(include_in_schema=False)

CHAMPS_ADRESSE = ("voie", "complement", "code_postal", "commune")


async def _page(
    page: Page, nir: str | None, action: str, erreur=None, erreurs=None, saisie=None, message=None, statut=200
):
    # A refusal (unknown, not allowed) is the error page, through the one handler of use cases\' refusals.
    lues = await coordonnees.consulter(page.session, page.compte, nir)
    return page.rendre(
        "agent/coordonnees.html",
        {
            "coordonnees": lues,
            "pour_un_agent": nir is not None,
            "action": action,
            **retour_du_formulaire(erreur, erreurs, saisie, message),
        },
        statut,
    )


async def _enregistrer(page: Page, nir: str | None, action: str, saisie: dict[str, str]):
    """The form to the use case; each field in error named on the form (the address's fields by their own name)."""
    adresse = {champ: saisie[champ] for champ in CHAMPS_ADRESSE if saisie[champ]}
    try:
        corps = construire(
            Coordonnees, {"canal": saisie["canal"], "email": saisie["email"], "adresse_postale": adresse or None}
        )
        await coordonnees.modifier(page.session, page.compte, corps, nir)
    except FormulaireInvalide as invalide:
        erreurs = {champ.rsplit(".", 1)[-1]: message for champ, message in invalide.erreurs.items()}
        return await _page(page, nir, action, invalide.resume, erreurs, saisie, statut=422)
    except ErreurMetier as refus:
        statut, message, erreurs = refus_de(refus)
        return await _page(page, nir, action, message, erreurs, saisie, statut=statut)
    return RedirectResponse(f"{action}?message=coordonnees", status_code=303)


class SaisieCoordonnees(BaseModel):
    """The addresses and channel form, as typed (checked by ``domain.adresse.Coordonnees``); the email address left
    empty stays as it is."""

    canal: str = ""
    email: str = ""
    voie: str = ""
    complement: str = ""
    code_postal: str = ""
    commune: str = ""

    def saisie(self) -> dict[str, str]:
        return {champ: valeur.strip() for champ, valeur in self.model_dump().items()}


Formulaire = Annotated[SaisieCoordonnees, Form()]


@router.get("/agent/coordonnees")
async def mes_coordonnees(page: PageAffilie, message: str | None = None):
    return await _page(page, None, "/agent/coordonnees", message=avis(message))


@router.post("/agent/coordonnees")
async def modifier_mes_coordonnees(page: FormulaireAffilie, formulaire: Formulaire):
    return await _enregistrer(page, None, "/agent/coordonnees", formulaire.saisie())


@router.get("/superviseur/agents/{nir}/coordonnees")
async def coordonnees_d_un_agent(page: PageSuperviseur, nir: str, message: str | None = None):
    return await _page(page, nir, f"/superviseur/agents/{nir}/coordonnees", message=avis(message))


@router.post("/superviseur/agents/{nir}/coordonnees")
async def modifier_coordonnees_d_un_agent(page: FormulaireSuperviseur, nir: str, formulaire: Formulaire):
    return await _enregistrer(page, nir, f"/superviseur/agents/{nir}/coordonnees", formulaire.saisie())
