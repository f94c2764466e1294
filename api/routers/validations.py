"""Validation-of-services dossiers: the agent asks before the deadline; a supervisor decides."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Affilie_ou_Superviseur, CompteCourant, Identifiant, MoteurDep, SessionDep, Superviseur
from domain.validation import DecisionValidation
from services import validations
from services.validations import DossierPublic

router = APIRouter(prefix="/validations", tags=["validation de services"])


@router.get("", response_model=list[DossierPublic])
async def lister(compte: Affilie_ou_Superviseur, session: SessionDep) -> list[DossierPublic]:
    return await validations.lister(session, compte)


@router.get("/{dossier_id}", response_model=DossierPublic)
async def consulter(dossier_id: Identifiant, compte: CompteCourant, session: SessionDep) -> DossierPublic:
    return await validations.consulter(session, compte, dossier_id)


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
