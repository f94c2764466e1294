"""EIR routes (DESIGN §6): the agent starts and answers; supervisors start phone requests and read all."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.deps import Affilie_ou_Superviseur, CompteCourant, Identifiant, MoteurDep, SessionDep
from api.routers.consultation import routes_de_consultation
from domain.etats import TypeDocument
from services import eir
from services.eir import Consolidation, DemandeCreee, Enquete, EtatDemande, NouvelleDemande

router = APIRouter(prefix="/eir", tags=["EIR"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DemandeCreee,
    responses={409: {"description": "Une demande est déjà en cours"}, 422: {"description": "Inéligible"}},
)
async def demander(
    corps: NouvelleDemande, compte: Affilie_ou_Superviseur, moteur: MoteurDep, session: SessionDep
) -> DemandeCreee:
    """Start an EIR: the agent for themself, or a supervisor for a phone request (``nir``)."""
    return await eir.demander(session, moteur, compte, corps)


routes_de_consultation(
    router,
    EtatDemande,
    "demande_id",
    eir.mes_demandes,
    eir.consulter,
    nom_liste="mes_demandes",
    description_liste="The agent's own requests (a supervisor lists every process at ``/processus``).",
    description_fiche="The business state, read from the projection written with each change (no worker needed).",
)


@router.post("/{demande_id}/ris/validation", response_model=EtatDemande)
async def valider_ris(
    demande_id: Identifiant, compte: CompteCourant, session: SessionDep, moteur: MoteurDep
) -> EtatDemande:
    return await eir.valider_ris(session, moteur, compte, demande_id)


@router.post("/{demande_id}/ris/consolidation", response_model=EtatDemande)
async def demander_consolidation(
    demande_id: Identifiant, corps: Consolidation, compte: CompteCourant, session: SessionDep, moteur: MoteurDep
) -> EtatDemande:
    return await eir.demander_consolidation(session, moteur, compte, demande_id, corps)


@router.get("/{demande_id}/ris")
async def ris(demande_id: Identifiant, compte: CompteCourant, session: SessionDep) -> dict[str, Any]:
    """The latest RIS of the request."""
    return await eir.dernier_document(session, compte, demande_id, TypeDocument.ris)


@router.get("/{demande_id}/bilan")
async def bilan(demande_id: Identifiant, compte: CompteCourant, session: SessionDep) -> dict[str, Any]:
    """The bilan personnalisé: rights and simulations at several departure ages."""
    return await eir.dernier_document(session, compte, demande_id, TypeDocument.bilan)


@router.post("/{demande_id}/enquete", response_model=EtatDemande)
async def enquete(
    demande_id: Identifiant, corps: Enquete, compte: CompteCourant, session: SessionDep, moteur: MoteurDep
) -> EtatDemande:
    return await eir.repondre_enquete(session, moteur, compte, demande_id, corps)


@router.delete("/{demande_id}", response_model=EtatDemande)
async def retirer(
    demande_id: Identifiant, compte: CompteCourant, session: SessionDep, moteur: MoteurDep
) -> EtatDemande:
    """Withdraw the request (at any step before the closure)."""
    return await eir.retirer(session, moteur, compte, demande_id)
