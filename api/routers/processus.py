"""Supervisors: every process (EIR, rectifications, validation deadlines), its state and history; the processes
in incident, and the actions on them (resume, cancel, hand to another supervisor)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api.deps import IdentifiantFacultatif, MoteurDep, SessionDep, Superviseur
from api.parametres import Decalage
from services import incidents, processus, supervision
from services.incidents import Annulation, IncidentPublic, Reattribution, Reprise
from services.processus import ProcessusResume
from services.supervision import Relance

router = APIRouter(tags=["supervision"])


@router.get("/processus", response_model=list[ProcessusResume])
async def lister(
    _: Superviseur,
    session: SessionDep,
    type: str | None = Query(default=None, description="eir, rectification ou validation"),
    etat: str | None = None,
    en_attente_de: str | None = None,
    employeur_id: IdentifiantFacultatif = None,
    limite: int = Query(default=100, ge=1, le=1000),
    decalage: Decalage = 0,
    recherche: str | None = Query(
        default=None,
        max_length=100,
        description="Nom et/ou prénom de l'agent (sans importance des accents ni des majuscules), ou son NIR, en "
        "entier ou ses premiers chiffres, avec ou sans espaces",
    ),
) -> list[ProcessusResume]:
    """Most recently changed first, each with its agent's name."""
    return await processus.lister(session, type, etat, en_attente_de, employeur_id, limite, decalage, recherche)


@router.get("/processus/{workflow_id}")
async def detail(workflow_id: str, _: Superviseur, session: SessionDep, moteur: MoteurDep) -> dict[str, Any]:
    return await processus.detail(session, moteur, workflow_id)


@router.get("/incidents", response_model=list[IncidentPublic])
async def lister_incidents(_: Superviseur, session: SessionDep) -> list[IncidentPublic]:
    """The processes stopped on an incident, the oldest first: agent, step, since when, reason, attempts."""
    return await incidents.lister(session)


@router.post("/processus/{workflow_id}/reprise")
async def reprendre(
    workflow_id: str, corps: Reprise, compte: Superviseur, session: SessionDep, moteur: MoteurDep
) -> dict[str, Any]:
    """Run the failed step of a process in incident again (409 when it is not in incident)."""
    return await incidents.reprendre(session, moteur, compte, workflow_id, corps)


@router.post("/processus/{workflow_id}/relance")
async def relancer(
    workflow_id: str, corps: Relance, compte: Superviseur, session: SessionDep, moteur: MoteurDep
) -> dict[str, Any]:
    """Remind the open task's recipient now: one more mail per call, the reminder in the history with who sent
    it (409 when no task awaits an answer, the process is in incident, or a reminder was sent after the state
    ``sequence`` names). ``envoyee`` false: recorded, its mail leaves once the mail server answers."""
    return await supervision.relancer(session, moteur, compte, workflow_id, corps)


@router.post("/processus/{workflow_id}/annulation")
async def annuler(
    workflow_id: str, corps: Annulation, compte: Superviseur, session: SessionDep, moteur: MoteurDep
) -> dict[str, Any]:
    """End a process in incident, cancelled, with the reason (``{"motif"}``); its tasks are cancelled."""
    return await incidents.annuler(session, moteur, compte, workflow_id, corps)


@router.post("/processus/{workflow_id}/reattribution", response_model=IncidentPublic)
async def reattribuer(
    workflow_id: str, corps: Reattribution, compte: Superviseur, session: SessionDep
) -> IncidentPublic:
    """Hand the incident to another supervisor."""
    return await incidents.reattribuer(session, compte, workflow_id, corps)
