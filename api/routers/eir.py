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
    """Demander un EIR

    Démarrer un EIR : l'agent pour lui-même, ou un superviseur pour une demande par téléphone (``nir``)."""
    return await eir.demander(session, moteur, compte, corps)


routes_de_consultation(
    router,
    EtatDemande,
    "demande_id",
    eir.mes_demandes,
    eir.consulter,
    nom_liste="mes_demandes",
    resume_liste="Mes demandes d'EIR",
    description_liste="Les demandes de l'agent lui-même, les plus récentes d'abord (un superviseur liste tous les "
    "processus à ``/processus``).",
    resume_fiche="Consulter une demande d'EIR",
    description_fiche="L'état métier de la demande (son agent ou un superviseur), lu dans la projection écrite à "
    "chaque changement, sans solliciter le moteur de processus.",
)


route_d_action(
    router,
    "post",
    "/{demande_id}/ris/validation",
    eir.valider_ris,
    vue=EtatDemande,
    role=CompteCourant,
    resume="Valider le RIS",
    description="L'agent trouve son relevé individuel de situation (RIS) exact : le processus passe aux simulations "
    "de pension et au bilan.",
)
route_d_action(
    router,
    "post",
    "/{demande_id}/ris/consolidation",
    eir.demander_consolidation,
    vue=EtatDemande,
    role=CompteCourant,
    corps=Consolidation,
    resume="Demander la consolidation du RIS",
    description="L'agent signale des périodes manquantes ou erronées : l'employeur reçoit une tâche de consolidation, "
    "puis l'agent un nouveau RIS ; une période relevant d'un autre régime (``regime``) est orientée comme celle d'une "
    "rectification (l'agent reçoit un courriel lui indiquant le régime à contacter).",
)
route_d_action(
    router,
    "put",
    "/{demande_id}/autres-regimes",
    eir.declarer_autres_regimes,
    vue=AutresRegimesPublic,
    role=CompteCourant,
    corps=AutresRegimes,
    resume="Déclarer les autres régimes",
    description="Phase 2 : les trimestres de l'agent dans chaque autre régime de base (en remplacement de sa saisie "
    "précédente), affichés sur le prochain RIS et le bilan et transmis au calcul comme "
    "``duree_assurance_autres_regimes``.",
)


@router.get("/{demande_id}/ris")
async def ris(demande_id: Identifiant, compte: CompteCourant, session: SessionDep) -> dict[str, Any]:
    """Dernier RIS de la demande

    Le dernier relevé individuel de situation (RIS) de la demande."""
    return await eir.dernier_document(session, compte, demande_id, TypeDocument.ris)


@router.get("/{demande_id}/bilan")
async def bilan(demande_id: Identifiant, compte: CompteCourant, session: SessionDep) -> dict[str, Any]:
    """Bilan personnalisé

    Le bilan personnalisé : droits et simulations à plusieurs âges de départ."""
    return await eir.dernier_document(session, compte, demande_id, TypeDocument.bilan)


route_d_action(
    router,
    "post",
    "/{demande_id}/enquete",
    eir.repondre_enquete,
    vue=EtatDemande,
    role=CompteCourant,
    corps=Enquete,
    resume="Répondre à l'enquête de clôture",
    description="Les cinq notes de l'enquête de clôture (de 1 à 5) et un commentaire facultatif ; la réponse clôt la "
    "demande.",
)
route_d_action(
    router,
    "delete",
    "/{demande_id}",
    eir.retirer,
    vue=EtatDemande,
    role=CompteCourant,
    resume="Retirer une demande d'EIR",
    description="Retirer la demande (à toute étape avant la clôture).",
)
route_d_action(
    router,
    "post",
    "/{demande_id}/annulation",
    eir.annuler,
    vue=EtatDemande,
    role=Superviseur,
    corps=MotifAnnulation,
    resume="Annuler une demande d'EIR",
    description="Un superviseur annule la demande à toute étape, avec un motif (``motif``, conservé dans "
    "l'historique) : ses tâches sont annulées et l'agent en est informé par courriel.",
)
