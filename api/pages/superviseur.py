"""The supervisors' pages: every process with filters and its history, the overdue tasks by employer,
and a preview of every mail template rendered with its sample data."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from api.pages.contexte import PageSuperviseur
from api.pages.session import ErreurPage
from api.parametres import FiltreNumero
from notifications.exemples import contexte_exemple
from notifications.rendu import Gabarits
from services import processus

router = APIRouter(include_in_schema=False)


@router.get("/superviseur")
async def accueil(page: PageSuperviseur):
    return RedirectResponse("/processus", status_code=303)


@router.get("/processus")
async def liste(
    page: PageSuperviseur,
    type: str = "",
    etat_processus: str = "",
    en_attente_de: str = "",
    employeur: FiltreNumero = None,
):
    resultats = await processus.lister(
        page.session, type or None, etat_processus or None, en_attente_de or None, employeur, limite=200
    )
    return page.rendre(
        "superviseur/processus.html",
        {
            "processus": resultats,
            "employeurs": await processus.employeurs(
                page.session, {p.employeur_id for p in resultats if p.employeur_id}
            ),
            "filtres": {
                "type": type,
                "etat_processus": etat_processus,
                "en_attente_de": en_attente_de,
                "employeur": "" if employeur is None else str(employeur),
            },
        },
    )


@router.get("/processus/{workflow_id}")
async def detail(page: PageSuperviseur, workflow_id: str):
    fiche = await processus.detail(page.session, page.moteur, workflow_id)
    employeur_id = fiche.get("employeur_id")
    employeurs = await processus.employeurs(page.session, {employeur_id} if employeur_id else set())
    return page.rendre(
        "superviseur/detail.html",
        {"fiche": fiche, "employeur": employeurs.get(fiche["employeur_id"]), "lien": processus.lien_de(fiche)},
    )


@router.get("/superviseur/retards")
async def retards(page: PageSuperviseur):
    """Overdue open tasks grouped by employer, the employer with most overdue tasks first."""
    groupes, employeurs = await processus.retards_par_employeur(page.session, page.compte)
    return page.rendre("superviseur/retards.html", {"groupes": groupes, "employeurs": employeurs})


@router.get("/superviseur/gabarits")
async def gabarits(page: PageSuperviseur):
    gab = Gabarits()
    apercus = [(e, gab.rendre(e, contexte_exemple(e)).sujet) for e in gab.evenements()]
    return page.rendre("superviseur/gabarits.html", {"apercus": apercus})


@router.get("/superviseur/gabarits/{evenement}")
async def gabarit(page: PageSuperviseur, evenement: str):
    gab = Gabarits()
    if evenement not in gab.evenements():
        raise ErreurPage(404, f"Aucun modèle de mail « {evenement} ».")
    return page.rendre(
        "superviseur/gabarit.html",
        {"evenement": evenement, "mail": gab.rendre(evenement, contexte_exemple(evenement))},
    )
