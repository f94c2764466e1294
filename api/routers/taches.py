"""The human-task inbox: an employer sees and answers its own tasks; a supervisor sees all."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import NUMERO_MAX, Employeur_ou_Superviseur, Identifiant, SessionDep
from api.parametres import Decalage
from api.reponses import json_ecrit
from api.routers.actions import route_d_action
from domain.etats import EtatTache, TypeTache
from services import taches
from services.taches import Attribution, AttributionPublique, Completion, Filtre, TachePublique

router = APIRouter(prefix="/taches", tags=["tâches"])


@router.get("", response_model=list[TachePublique])
async def corbeille(
    compte: Employeur_ou_Superviseur,
    session: SessionDep,
    etat: Annotated[EtatTache | None, Query(description="ouverte, terminee ou annulee")] = EtatTache.ouverte,
    type: TypeTache | None = None,
    employeur_id: Annotated[
        int | None, Query(ge=1, le=NUMERO_MAX, description="Superviseur : les tâches d'un employeur")
    ] = None,
    limite: Annotated[int, Query(ge=1, le=500)] = 100,
    decalage: Decalage = 0,
    attribution: Annotated[
        Filtre,
        Query(description="mes : celles que vous avez prises en charge ; non_attribuees : celles de personne"),
    ] = "toutes",
) -> Response:
    """Corbeille des tâches

    La corbeille des tâches (un employeur, les siennes ; un superviseur, toutes), les échéances les plus proches
    d'abord : les tâches en retard viennent donc en tête."""
    liste = await taches.corbeille(session, compte, etat, type, employeur_id, limite, decalage, attribution)
    return json_ecrit(taches.LISTE_PUBLIQUE, liste)


@router.get("/{tache_id}", response_model=TachePublique)
async def consulter(tache_id: Identifiant, compte: Employeur_ou_Superviseur, session: SessionDep) -> TachePublique:
    """Consulter une tâche

    La tâche avec son agent et le compte individuel retraite (CIR) de l'agent (pour un ancien employeur, la seule
    période contestée) : un employeur, ses propres tâches ; un superviseur, toutes."""
    return await taches.consulter(session, compte, tache_id)


route_d_action(
    router,
    "post",
    "/{tache_id}/completion",
    taches.completer,
    vue=TachePublique,
    role=Employeur_ou_Superviseur,
    corps=Completion,
    resume="Répondre à une tâche",
    description="La réponse de l'employeur : vérification, corrections du CIR, commentaire. Une réponse fondée sur "
    "un état dépassé est refusée.",
)


@router.get("/{tache_id}/attribution", response_model=AttributionPublique)
async def attribution(
    tache_id: Identifiant, compte: Employeur_ou_Superviseur, session: SessionDep
) -> AttributionPublique:
    """Qui tient la tâche

    Qui tient la tâche (``attribuee_a`` à null : personne, tout utilisateur de l'employeur peut la prendre)."""
    return await taches.attribution(session, compte, tache_id)


@router.post("/{tache_id}/attribution", response_model=AttributionPublique)
async def attribuer(
    tache_id: Identifiant, corps: Attribution, compte: Employeur_ou_Superviseur, session: SessionDep
) -> AttributionPublique:
    """Attribuer une tâche

    Prendre la tâche (un utilisateur, pour lui-même, quand personne ne la tient), ou l'attribuer à un compte du
    même employeur ou la reprendre (l'administrateur de l'employeur, un superviseur). Consigné dans l'historique."""
    return await taches.attribuer(session, compte, tache_id, corps)
