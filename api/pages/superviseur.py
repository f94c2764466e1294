"""The supervisors' pages: every process with filters and its history, the overdue tasks by employer,
and a preview of every mail template rendered with its sample data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from api.deps import MoteurDep, SessionDep
from api.pages.rendu import rendre
from api.pages.session import CompteSuperviseur, ErreurPage
from api.parametres import FiltreNumero
from notifications.exemples import contexte_exemple
from notifications.rendu import Gabarits
from services import processus

router = APIRouter(include_in_schema=False)


@router.get("/superviseur")
async def accueil(compte: CompteSuperviseur):
    return RedirectResponse("/processus", status_code=303)


@router.get("/processus")
async def liste(
    request: Request,
    compte: CompteSuperviseur,
    session: SessionDep,
    type: str = "",
    etat_processus: str = "",
    en_attente_de: str = "",
    employeur: FiltreNumero = None,
):
    resultats = await processus.lister(
        session, type or None, etat_processus or None, en_attente_de or None, employeur, limite=200
    )
    return rendre(
        request,
        "superviseur/processus.html",
        {
            "processus": resultats,
            "employeurs": await processus.employeurs(session, {p.employeur_id for p in resultats if p.employeur_id}),
            "filtres": {
                "type": type,
                "etat_processus": etat_processus,
                "en_attente_de": en_attente_de,
                "employeur": "" if employeur is None else str(employeur),
            },
        },
    )


@router.get("/processus/{workflow_id}")
async def detail(request: Request, workflow_id: str, compte: CompteSuperviseur, moteur: MoteurDep, session: SessionDep):
    fiche = await processus.detail(session, moteur, workflow_id)
    employeurs = await processus.employeurs(session, {fiche["employeur_id"]} if fiche.get("employeur_id") else set())
    return rendre(
        request,
        "superviseur/detail.html",
        {"fiche": fiche, "employeur": employeurs.get(fiche["employeur_id"]), "lien": processus.lien_de(fiche)},
    )


@router.get("/superviseur/retards")
async def retards(request: Request, compte: CompteSuperviseur, session: SessionDep):
    """Overdue open tasks grouped by employer, the employer with most overdue tasks first."""
    groupes, employeurs = await processus.retards_par_employeur(session, compte)
    return rendre(request, "superviseur/retards.html", {"groupes": groupes, "employeurs": employeurs})


@router.get("/superviseur/gabarits")
async def gabarits(request: Request, compte: CompteSuperviseur):
    gab = Gabarits()
    apercus = [(e, gab.rendre(e, contexte_exemple(e)).sujet) for e in gab.evenements()]
    return rendre(request, "superviseur/gabarits.html", {"apercus": apercus})


@router.get("/superviseur/gabarits/{evenement}")
async def gabarit(request: Request, evenement: str, compte: CompteSuperviseur):
    gab = Gabarits()
    if evenement not in gab.evenements():
        raise ErreurPage(404, f"Aucun modèle de mail « {evenement} ».")
    return rendre(
        request,
        "superviseur/gabarit.html",
        {"evenement": evenement, "mail": gab.rendre(evenement, contexte_exemple(evenement))},
    )
