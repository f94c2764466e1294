"""Rectificative RIS/EIG requests (DESIGN §4.3): the agent (or a supervisor for them) files; both follow."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import Affilie_ou_Superviseur, MoteurDep, SessionDep
from api.routers.consultation import routes_de_consultation
from services import rectifications
from services.rectifications import EtatRectificationPublic, NouvelleRectification

router = APIRouter(prefix="/rectifications", tags=["rectifications"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EtatRectificationPublic)
async def demander(
    corps: NouvelleRectification, compte: Affilie_ou_Superviseur, session: SessionDep, moteur: MoteurDep
) -> EtatRectificationPublic:
    return await rectifications.demander(session, moteur, compte, corps)


routes_de_consultation(
    router, EtatRectificationPublic, "rectification_id", rectifications.lister, rectifications.consulter
)
