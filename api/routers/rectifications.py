"""Rectificative RIS/EIG requests (DESIGN §4.3): the agent (or a supervisor for them) files; both follow."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import Affilie_ou_Superviseur, CompteCourant, MoteurDep, SessionDep, Superviseur
from api.routers.actions import route_d_action
from api.routers.consultation import routes_de_consultation
from services import rectifications
from services.champs import MotifAnnulation
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
route_d_action(
    router,
    "delete",
    "/{rectification_id}",
    rectifications.retirer,
    vue=EtatRectificationPublic,
    role=CompteCourant,
    description="The agent withdraws the request, at any step until it ends: the employers' open task is cancelled.",
)
route_d_action(
    router,
    "post",
    "/{rectification_id}/annulation",
    rectifications.annuler,
    vue=EtatRectificationPublic,
    role=Superviseur,
    corps=MotifAnnulation,
    description="A supervisor cancels the request at any step, with a reason (``motif``, kept in the history): its "
    "tasks are cancelled, the agent and the employer whose task was open are mailed.",
)
