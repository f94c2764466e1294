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
    """Due dates first, so overdue tasks come first."""
    liste = await taches.corbeille(session, compte, etat, type, employeur_id, limite, decalage, attribution)
    return json_ecrit(taches.LISTE_PUBLIQUE, liste)


@router.get("/{tache_id}", response_model=TachePublique)
async def consulter(tache_id: Identifiant, compte: Employeur_ou_Superviseur, session: SessionDep) -> TachePublique:
    return await taches.consulter(session, compte, tache_id)


route_d_action(
    router,
    "post",
    "/{tache_id}/completion",
    taches.completer,
    vue=TachePublique,
    role=Employeur_ou_Superviseur,
    corps=Completion,
    description="The employer's answer: verification, corrections of the CIR, comment. A stale answer is refused.",
)


@router.get("/{tache_id}/attribution", response_model=AttributionPublique)
async def attribution(
    tache_id: Identifiant, compte: Employeur_ou_Superviseur, session: SessionDep
) -> AttributionPublique:
    """Who holds the task (``attribuee_a`` null: nobody, any user of the employer may take it)."""
    return await taches.attribution(session, compte, tache_id)


@router.post("/{tache_id}/attribution", response_model=AttributionPublique)
async def attribuer(
    tache_id: Identifiant, corps: Attribution, compte: Employeur_ou_Superviseur, session: SessionDep
) -> AttributionPublique:
    """Take the task (a user, for oneself, when nobody holds it), or assign it to an account of the same
    employer or take it back (the employer's administrator, a supervisor). Recorded in the history."""
    return await taches.attribuer(session, compte, tache_id, corps)
