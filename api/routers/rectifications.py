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
    """Demander une rectification

    Demander un RIS ou un EIG rectificatif pour une période : l'agent, ou un superviseur pour lui (``nir``). La
    demande est orientée vers l'employeur qui peut corriger la période ; pour une période d'un autre régime
    (``regime``), l'agent reçoit par courriel le régime à contacter."""
    return await rectifications.demander(session, moteur, compte, corps)


routes_de_consultation(
    router,
    EtatRectificationPublic,
    "rectification_id",
    rectifications.lister,
    rectifications.consulter,
    resume_liste="Lister les demandes de rectification",
    description_liste="Les demandes de rectification de l'agent lui-même, les plus récentes d'abord (un superviseur : "
    "les dernières de toutes).",
    resume_fiche="Consulter une demande de rectification",
    description_fiche="Une demande de rectification et son état : son agent ou un superviseur.",
)
route_d_action(
    router,
    "delete",
    "/{rectification_id}",
    rectifications.retirer,
    vue=EtatRectificationPublic,
    role=CompteCourant,
    resume="Retirer une demande de rectification",
    description="L'agent retire la demande, à toute étape jusqu'à sa fin : la tâche ouverte des employeurs est "
    "annulée.",
)
route_d_action(
    router,
    "post",
    "/{rectification_id}/annulation",
    rectifications.annuler,
    vue=EtatRectificationPublic,
    role=Superviseur,
    corps=MotifAnnulation,
    resume="Annuler une demande de rectification",
    description="Un superviseur annule la demande à toute étape, avec un motif (``motif``, conservé dans "
    "l'historique) : ses tâches sont annulées ; l'agent et l'employeur dont la tâche était ouverte en sont informés "
    "par courriel.",
)
