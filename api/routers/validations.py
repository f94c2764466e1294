"""Validation-of-services dossiers: the agent asks before the deadline; a supervisor decides."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CompteCourant, Identifiant, MoteurDep, SessionDep, Superviseur
from api.routers.consultation import routes_de_consultation
from domain.validation import DecisionValidation
from services import validations
from services.validations import DossierPublic

router = APIRouter(prefix="/validations", tags=["validation de services"])


routes_de_consultation(router, DossierPublic, "dossier_id", validations.lister, validations.consulter)


@router.post("/{dossier_id}/demande", response_model=DossierPublic)
async def demander(
    dossier_id: Identifiant, compte: CompteCourant, session: SessionDep, moteur: MoteurDep
) -> DossierPublic:
    """The agent asks the validation of their services (before the deadline)."""
    return await validations.demander(session, moteur, compte, dossier_id)


@router.post("/{dossier_id}/decision", response_model=DossierPublic)
async def decider(
    dossier_id: Identifiant, corps: DecisionValidation, compte: Superviseur, session: SessionDep, moteur: MoteurDep
) -> DossierPublic:
    return await validations.decider(session, moteur, compte, dossier_id, corps)
