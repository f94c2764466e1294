"""Rectificative RIS/EIG requests (DESIGN §4.3): the agent (or a supervisor for them) files; both follow."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import Affilie_ou_Superviseur, CompteCourant, Identifiant, MoteurDep, SessionDep
from services import rectifications
from services.rectifications import EtatRectificationPublic, NouvelleRectification

router = APIRouter(prefix="/rectifications", tags=["rectifications"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EtatRectificationPublic)
async def demander(
    corps: NouvelleRectification, compte: Affilie_ou_Superviseur, session: SessionDep, moteur: MoteurDep
) -> EtatRectificationPublic:
    return await rectifications.demander(session, moteur, compte, corps)


@router.get("", response_model=list[EtatRectificationPublic])
async def lister(compte: Affilie_ou_Superviseur, session: SessionDep) -> list[EtatRectificationPublic]:
    return await rectifications.lister(session, compte)


@router.get("/{rectification_id}", response_model=EtatRectificationPublic)
async def consulter(
    rectification_id: Identifiant, compte: CompteCourant, session: SessionDep
) -> EtatRectificationPublic:
    return await rectifications.consulter(session, compte, rectification_id)
