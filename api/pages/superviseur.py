"""The supervisors' pages: every process with filters and its history, the overdue tasks by employer,
and a preview of every mail template rendered with its sample data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from api.deps import EtatDep, SessionDep
from api.pages.rendu import lire, rendre
from api.pages.session import ErreurPage, exiger_compte
from api.routers import processus, taches
from domain.etats import EtatTache, Role
from notifications.exemples import contexte_exemple
from notifications.rendu import Gabarits
from persistence.models import Employeur

router = APIRouter(include_in_schema=False)


@router.get("/superviseur")
async def accueil(request: Request, etat: EtatDep, session: SessionDep):
    await exiger_compte(request, session, etat.settings, Role.superviseur)
    return RedirectResponse("/processus", status_code=303)


@router.get("/processus")
async def liste(
    request: Request,
    etat: EtatDep,
    session: SessionDep,
    type: str = "",
    etat_processus: str = "",
    en_attente_de: str = "",
    employeur: str = "",
):
    compte = await exiger_compte(request, session, etat.settings, Role.superviseur)
    employeur_id = int(employeur) if employeur.isdigit() else None
    resultats = await lire(
        processus.lister(
            compte,
            session,
            type=type or None,
            etat=etat_processus or None,
            en_attente_de=en_attente_de or None,
            employeur_id=employeur_id,
            limite=200,
            decalage=0,
        )
    )
    employeurs = await _employeurs(session, {p.employeur_id for p in resultats if p.employeur_id})
    return rendre(
        request,
        "superviseur/processus.html",
        {
            "processus": resultats,
            "employeurs": employeurs,
            "filtres": {
                "type": type,
                "etat_processus": etat_processus,
                "en_attente_de": en_attente_de,
                "employeur": employeur,
            },
        },
    )


async def _employeurs(session, ids: set[int]) -> dict[int, Employeur]:
    return {i: e for i in ids if (e := await session.get(Employeur, i)) is not None}


@router.get("/processus/{workflow_id}")
async def detail(request: Request, workflow_id: str, etat: EtatDep, session: SessionDep):
    compte = await exiger_compte(request, session, etat.settings, Role.superviseur)
    fiche = await lire(processus.detail(workflow_id, compte, session, etat))
    employeur = await session.get(Employeur, fiche["employeur_id"]) if fiche.get("employeur_id") else None
    lien = None
    if fiche["type"] == "eir":
        lien = f"/eir/{fiche['reference'].removeprefix('EIR-')}"
    elif fiche["type"] == "rectification":
        lien = f"/rectifications/{fiche['reference'].removeprefix('RECT-')}"
    return rendre(request, "superviseur/detail.html", {"fiche": fiche, "employeur": employeur, "lien": lien})


@router.get("/superviseur/retards")
async def retards(request: Request, etat: EtatDep, session: SessionDep):
    """Overdue open tasks grouped by employer, the employer with most overdue tasks first."""
    compte = await exiger_compte(request, session, etat.settings, Role.superviseur)
    ouvertes = await lire(
        taches.taches_de_la_corbeille(
            compte,
            session,
            etat=EtatTache.ouverte,
            type=None,
            employeur_id=None,
            limite=500,
            decalage=0,
            attribution="toutes",
        )
    )
    par_employeur: dict[int | None, list] = {}
    for t in ouvertes:
        if t.en_retard:
            par_employeur.setdefault(t.employeur_id, []).append(t)
    employeurs = await _employeurs(session, {i for i in par_employeur if i})
    groupes = sorted(par_employeur.items(), key=lambda kv: (-len(kv[1]), kv[0] or 0))
    return rendre(request, "superviseur/retards.html", {"groupes": groupes, "employeurs": employeurs})


@router.get("/superviseur/gabarits")
async def gabarits(request: Request, etat: EtatDep, session: SessionDep):
    await exiger_compte(request, session, etat.settings, Role.superviseur)
    gab = Gabarits()
    apercus = [(e, gab.rendre(e, contexte_exemple(e)).sujet) for e in gab.evenements()]
    return rendre(request, "superviseur/gabarits.html", {"apercus": apercus})


@router.get("/superviseur/gabarits/{evenement}")
async def gabarit(request: Request, evenement: str, etat: EtatDep, session: SessionDep):
    await exiger_compte(request, session, etat.settings, Role.superviseur)
    gab = Gabarits()
    if evenement not in gab.evenements():
        raise ErreurPage(404, f"Aucun modèle de mail « {evenement} ».")
    return rendre(
        request,
        "superviseur/gabarit.html",
        {"evenement": evenement, "mail": gab.rendre(evenement, contexte_exemple(evenement))},
    )
