"""The supervisors' incident console: the processes stopped on an incident (agent, step, since when, reason,
attempts) and the actions on each — « Relancer », « Annuler » (a reason and a confirmation required),
« Réattribuer » to another supervisor. Every action calls the JSON route's function."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from api.deps import MoteurDep, SessionDep
from api.pages.formulaires import par_champ
from api.pages.libelles import avis
from api.pages.rendu import refus_de, rendre
from api.pages.session import CompteSuperviseur, CsrfVerifie
from domain.erreurs import ErreurMetier
from services import incidents
from services.incidents import Annulation, Reattribution, Reprise

router = APIRouter(include_in_schema=False)
CONSOLE = "/superviseur/incidents"


async def _console(
    request: Request,
    session,
    erreur: str | None = None,
    message: str | None = None,
    erreurs: dict[str, str] | None = None,
    cible: str = "",
    saisie: dict[str, str] | None = None,
    statut: int = 200,
):
    return rendre(
        request,
        "superviseur/incidents.html",
        {
            "incidents": await incidents.lister(session),
            "superviseurs": await incidents.superviseurs(session),
            "erreur": erreur,
            "message": message,
            "erreurs": erreurs or {},
            "cible": cible,
            "saisie": saisie or {},
        },
        statut,
    )


@router.get(CONSOLE)
async def console(request: Request, compte: CompteSuperviseur, session: SessionDep, message: str | None = None):
    return await _console(request, session, message=avis(message))


async def _agir(request: Request, session, workflow_id: str, action, cle: str, saisie: dict[str, str]):
    try:
        await action()
    except ErreurMetier as refus:
        await session.rollback()
        statut, texte, erreurs = refus_de(refus)
        return await _console(
            request, session, erreur=texte, erreurs=erreurs, cible=workflow_id, saisie=saisie, statut=statut
        )
    return RedirectResponse(f"{CONSOLE}?message={cle}", status_code=303)


@router.post(CONSOLE + "/{workflow_id}/relance")
async def relancer(
    request: Request,
    workflow_id: str,
    compte: CompteSuperviseur,
    csrf: CsrfVerifie,
    session: SessionDep,
    moteur: MoteurDep,
    motif: Annotated[str, Form(max_length=2000)] = "",
):
    corps = Reprise(motif=motif)
    return await _agir(
        request,
        session,
        workflow_id,
        lambda: incidents.reprendre(session, moteur, compte, workflow_id, corps),
        "incident_relance",
        {"motif": motif},
    )


@router.post(CONSOLE + "/{workflow_id}/annulation")
async def annuler(
    request: Request,
    workflow_id: str,
    compte: CompteSuperviseur,
    csrf: CsrfVerifie,
    session: SessionDep,
    moteur: MoteurDep,
    motif: Annotated[str, Form(max_length=2000)] = "",
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
        return await _console(
            request,
            session,
            erreur="Processus non annulé : " + " ; ".join(erreurs.values()),
            erreurs=erreurs,
            cible=workflow_id,
            saisie={"motif": motif},
            statut=422,
        )
    return await _agir(
        request,
        session,
        workflow_id,
        lambda: incidents.annuler(session, moteur, compte, workflow_id, corps),
        "incident_annule",
        {"motif": motif},
    )


@router.post(CONSOLE + "/{workflow_id}/reattribution")
async def reattribuer(
    request: Request,
    workflow_id: str,
    compte: CompteSuperviseur,
    csrf: CsrfVerifie,
    session: SessionDep,
    compte_id: Annotated[str, Form(max_length=12)] = "",
):
    if not compte_id.isdigit() or not 1 <= int(compte_id) <= 2**31 - 1:
        return await _console(
            request,
            session,
            erreur="Incident non réattribué : choisissez le superviseur à qui le confier.",
            erreurs={"compte_id": "choisissez le superviseur à qui confier l'incident."},
            cible=workflow_id,
            statut=422,
        )
    corps = Reattribution(compte_id=int(compte_id))
    return await _agir(
        request,
        session,
        workflow_id,
        lambda: incidents.reattribuer(session, compte, workflow_id, corps),
        "incident_reattribue",
        {},
    )
