"""Supervisors: every process, its state and history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel
from sqlmodel import col, select

from api.deps import EtatDep, SessionDep, Superviseur
from persistence import depots
from persistence.models import DemandeEirTable

router = APIRouter(prefix="/processus", tags=["supervision"])


class ProcessusResume(BaseModel):
    workflow_id: str
    type: str
    reference: str
    etape: str
    etat: str
    en_attente_de: str | None
    echeance: datetime | None
    employeur_id: int | None
    modifie_le: datetime | None


def _resume(d: DemandeEirTable) -> ProcessusResume:
    return ProcessusResume(workflow_id=d.workflow_id, type="eir", reference=f"EIR-{d.id}", etape=d.etape, etat=d.etat,
                           en_attente_de=d.en_attente_de, echeance=d.echeance, employeur_id=d.employeur_id,
                           modifie_le=d.modifiee_le)


@router.get("", response_model=list[ProcessusResume])
async def lister(
    _: Superviseur,
    session: SessionDep,
    type: str | None = Query(default=None, description="eir"),
    etat: str | None = None,
    en_attente_de: str | None = None,
    employeur_id: int | None = None,
    limite: int = Query(default=100, ge=1, le=1000),
    decalage: int = Query(default=0, ge=0),
) -> list[ProcessusResume]:
    if type not in (None, "eir"):
        return []
    requete = select(DemandeEirTable)
    if etat:
        requete = requete.where(DemandeEirTable.etat == etat)
    if en_attente_de:
        requete = requete.where(DemandeEirTable.en_attente_de == en_attente_de)
    if employeur_id is not None:
        requete = requete.where(DemandeEirTable.employeur_id == employeur_id)
    requete = requete.order_by(col(DemandeEirTable.modifiee_le).desc()).offset(decalage).limit(limite)
    return [_resume(d) for d in (await session.exec(requete)).all()]


@router.get("/{workflow_id}")
async def detail(workflow_id: str, _: Superviseur, session: SessionDep, etat: EtatDep) -> dict[str, Any]:
    demande = (await session.exec(select(DemandeEirTable).where(DemandeEirTable.workflow_id == workflow_id))).first()
    if demande is None:
        raise HTTPException(404, f"Aucun processus {workflow_id}.")
    evenements = await depots.historique(session, workflow_id)
    moteur: dict[str, Any] = {"statut": "inconnu"}
    try:
        description = await (await etat.client()).get_workflow_handle(workflow_id).describe()
        moteur = {"statut": description.status.name if description.status else "inconnu",
                  "demarre_le": description.start_time, "termine_le": description.close_time,
                  "evenements": description.history_length}
    except HTTPException:
        moteur = {"statut": "moteur indisponible"}
    except Exception:  # the process is not (or no longer) known to the engine
        moteur = {"statut": "introuvable dans le moteur"}
    return {
        **_resume(demande).model_dump(),
        "phase": demande.phase,
        "tache_id": demande.tache_id,
        "moteur": moteur,
        "historique": [{"type": e.type, "acteur": e.acteur, "horodatage": e.horodatage, "details": e.details}
                       for e in evenements],
    }
