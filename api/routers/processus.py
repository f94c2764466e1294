"""Supervisors: every process (EIR, rectifications, validation deadlines), its state and history."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, TypeAdapter
from sqlmodel import col, select
from temporalio.service import RPCError, RPCStatusCode

from api.deps import EtatDep, IdentifiantFacultatif, SessionDep, Superviseur
from persistence import depots
from persistence.models import DemandeEirTable, DossierValidationTable, RectificationTable

router = APIRouter(prefix="/processus", tags=["supervision"])
# The engine's part of a process's detail is waited for this long: the Temporal client retries an unreachable
# server for ~9 s, and a read holds one of its API process's places meanwhile (api/priorite.py).
ATTENTE_MOTEUR = 3.0


class ProcessusResume(BaseModel):
    workflow_id: str
    type: str
    reference: str
    etape: str | None
    etat: str
    en_attente_de: str | None
    echeance: datetime | None
    employeur_id: int | None
    modifie_le: datetime | None


# One projection table per process type: (table, reference prefix, employer column, deadline column, step column).
_TYPES: dict[str, tuple[Any, str, str | None, str | None, str | None]] = {
    "eir": (DemandeEirTable, "EIR", "employeur_id", "echeance", "etape"),
    "rectification": (RectificationTable, "RECT", "employeur_actuel_id", "echeance", None),
    "validation": (DossierValidationTable, "VAL", None, None, None),
}


_JADIS = datetime.min.replace(tzinfo=UTC)
_LISTE = TypeAdapter(list[ProcessusResume])


def _resume(type_: str, ligne: Any) -> dict[str, Any]:
    """A ``ProcessusResume`` as a dict: the list validates them in one pass (pydantic-core)."""
    _, prefixe, col_employeur, col_echeance, col_etape = _TYPES[type_]
    return {
        "workflow_id": ligne.workflow_id,
        "type": type_,
        "reference": f"{prefixe}-{ligne.id}",
        "etape": getattr(ligne, col_etape) if col_etape else None,
        "etat": ligne.etat,
        "en_attente_de": ligne.en_attente_de,
        "echeance": getattr(ligne, col_echeance) if col_echeance else None,
        "employeur_id": getattr(ligne, col_employeur) if col_employeur else None,
        "modifie_le": ligne.modifiee_le,
    }


@router.get("", response_model=list[ProcessusResume])
async def lister(
    _: Superviseur,
    session: SessionDep,
    type: str | None = Query(default=None, description="eir, rectification ou validation"),
    etat: str | None = None,
    en_attente_de: str | None = None,
    employeur_id: IdentifiantFacultatif = None,
    limite: int = Query(default=100, ge=1, le=1000),
    decalage: int = Query(default=0, ge=0),
) -> list[ProcessusResume]:
    """Most recently changed first."""
    if type is not None and type not in _TYPES:
        raise HTTPException(422, f"type : « {type} » inconnu ; valeurs possibles : {', '.join(_TYPES)}.")
    resultats: list[dict[str, Any]] = []
    for nom, (table, _, col_employeur, col_echeance, col_etape) in _TYPES.items():
        if type not in (None, nom) or (employeur_id is not None and col_employeur is None):
            continue
        # The columns of the summary only, as rows: the list reads up to 3 × 100 rows on each call.
        colonnes = [
            "id",
            "workflow_id",
            "etat",
            "en_attente_de",
            "modifiee_le",
            *(c for c in (col_employeur, col_echeance, col_etape) if c),
        ]
        requete = select(*(getattr(table, c) for c in colonnes))
        if etat:
            requete = requete.where(table.etat == etat)
        if en_attente_de:
            requete = requete.where(table.en_attente_de == en_attente_de)
        if employeur_id is not None:
            requete = requete.where(getattr(table, col_employeur) == employeur_id)
        requete = requete.order_by(col(table.modifiee_le).desc()).limit(limite + decalage)
        resultats += [_resume(nom, ligne) for ligne in (await session.exec(requete)).all()]
    resultats.sort(key=lambda p: p["modifie_le"] or _JADIS, reverse=True)
    return _LISTE.validate_python(resultats[decalage : decalage + limite])


@router.get("/{workflow_id}")
async def detail(workflow_id: str, _: Superviseur, session: SessionDep, etat: EtatDep) -> dict[str, Any]:
    for nom, (table, *_rest) in _TYPES.items():
        ligne = (await session.exec(select(table).where(table.workflow_id == workflow_id))).first()
        if ligne is not None:
            break
    else:
        raise HTTPException(404, f"Aucun processus {workflow_id}.")
    evenements = await depots.historique(session, workflow_id)
    moteur: dict[str, Any]
    try:
        description = await asyncio.wait_for(
            (await etat.client()).get_workflow_handle(workflow_id).describe(), ATTENTE_MOTEUR
        )
        moteur = {
            "statut": description.status.name if description.status else "inconnu",
            "demarre_le": description.start_time,
            "termine_le": description.close_time,
            "evenements": description.history_length,
        }
    except (HTTPException, TimeoutError):
        moteur = {"statut": "moteur indisponible"}
    except RPCError as exc:
        moteur = {
            "statut": "introuvable dans le moteur" if exc.status == RPCStatusCode.NOT_FOUND else "moteur indisponible"
        }
    return {
        **_resume(nom, ligne),
        "moteur": moteur,
        "historique": [
            {"type": e.type, "acteur": e.acteur, "horodatage": e.horodatage, "details": e.details} for e in evenements
        ],
    }
