"""Supervisors: every process (EIR, rectifications, validation deadlines), its state and history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api.deps import IdentifiantFacultatif, MoteurDep, SessionDep, Superviseur
from api.parametres import Decalage
from services import processus
from services.processus import ProcessusResume

router = APIRouter(prefix="/processus", tags=["supervision"])


@router.get("", response_model=list[ProcessusResume])
async def lister(
    _: Superviseur,
    session: SessionDep,
    type: str | None = Query(default=None, description="eir, rectification ou validation"),
    etat: str | None = None,
    en_attente_de: str | None = None,
    employeur_id: IdentifiantFacultatif = None,
    limite: int = Query(default=100, ge=1, le=1000),
    decalage: Decalage = 0,
) -> list[ProcessusResume]:
    """Most recently changed first."""
    return await processus.lister(session, type, etat, en_attente_de, employeur_id, limite, decalage)


@router.get("/{workflow_id}")
async def detail(workflow_id: str, _: Superviseur, session: SessionDep, moteur: MoteurDep) -> dict[str, Any]:
    return await processus.detail(session, moteur, workflow_id)
