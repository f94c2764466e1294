"""EIR routes (DESIGN §6): the agent starts and answers; supervisors start phone requests and read all."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.deps import Affilie_ou_Superviseur, CompteCourant, Identifiant, MoteurDep, SessionDep, Superviseur
from api.routers.actions import route_d_action
from api.routers.consultation import routes_de_consultation
from domain.etats import TypeDocument
from services import eir
from services.champs import MotifAnnulation
from services.eir import (
    AutresRegimes,
    AutresRegimesPublic,
    Consolidation,
    DemandeCreee,
    Enquete,
    EtatDemande,
    NouvelleDemande,
)

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


route_d_action(
    router,
    "post",
    "/{demande_id}/ris/validation",
    eir.valider_ris,
    vue=EtatDemande,
    role=CompteCourant,
    description="The agent finds their RIS right: the process goes on to the pension simulations and the bilan.",
)
route_d_action(
    router,
    "post",
    "/{demande_id}/ris/consolidation",
    eir.demander_consolidation,
    vue=EtatDemande,
    role=CompteCourant,
    corps=Consolidation,
    description="The agent reports missing or wrong periods: the employer gets a consolidation task, then a new RIS; "
    "a period naming another scheme (``regime``) is routed as a rectification's is (the agent is mailed which scheme "
    "to contact).",
)
route_d_action(
    router,
    "put",
    "/{demande_id}/autres-regimes",
    eir.declarer_autres_regimes,
    vue=AutresRegimesPublic,
    role=CompteCourant,
    corps=AutresRegimes,
    description="Phase 2: the agent's trimestres in each other base scheme (replacing their previous entry), shown "
    "on the next RIS and the bilan and passed to the calculation as ``duree_assurance_autres_regimes``.",
)


@router.get("/{demande_id}/ris")
async def ris(demande_id: Identifiant, compte: CompteCourant, session: SessionDep) -> dict[str, Any]:
    """The latest RIS of the request."""
    return await eir.dernier_document(session, compte, demande_id, TypeDocument.ris)


@router.get("/{demande_id}/bilan")
async def bilan(demande_id: Identifiant, compte: CompteCourant, session: SessionDep) -> dict[str, Any]:
    """The bilan personnalisé: rights and simulations at several departure ages."""
    return await eir.dernier_document(session, compte, demande_id, TypeDocument.bilan)


route_d_action(
    router,
    "post",
    "/{demande_id}/enquete",
    eir.repondre_enquete,
    vue=EtatDemande,
    role=CompteCourant,
    corps=Enquete,
    description="The closure survey's five marks (1 to 5) and an optional comment; answering closes the request.",
)
route_d_action(
    router,
    "delete",
    "/{demande_id}",
    eir.retirer,
    vue=EtatDemande,
    role=CompteCourant,
    description="Withdraw the request (at any step before the closure).",
)
route_d_action(
    router,
    "post",
    "/{demande_id}/annulation",
    eir.annuler,
    vue=EtatDemande,
    role=Superviseur,
    corps=MotifAnnulation,
    description="A supervisor cancels the request at any step, with a reason (``motif``, kept in the history): its "
    "tasks are cancelled and the agent is mailed.",
)
