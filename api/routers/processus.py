"""Supervisors: every process (EIR, rectifications, validation deadlines), its state and history; the processes
in incident, and the actions on them (resume, cancel, hand to another supervisor)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api.deps import IdentifiantFacultatif, MoteurDep, SessionDep, Superviseur
from api.parametres import Decalage
from services import incidents, processus, supervision
from services.incidents import Annulation, IncidentPublic, Reattribution, Reprise
from services.processus import ProcessusResume
from services.supervision import Relance

router = APIRouter(tags=["supervision"])


@router.get("/processus", response_model=list[ProcessusResume])
async def lister(
    _: Superviseur,
    session: SessionDep,
    type: str | None = Query(default=None, description="eir, rectification ou validation"),
    etat: str | None = None,
    en_attente_de: str | None = None,
    employeur_id: IdentifiantFacultatif = None,
    limite: int = Query(default=100, ge=1, le=1000),
    decalage: Decalage = 0,
    recherche: str | None = Query(
        default=None,
        max_length=100,
        description="Nom et/ou prénom de l'agent (sans importance des accents ni des majuscules), ou son NIR, en "
        "entier ou ses premiers chiffres, avec ou sans espaces",
    ),
) -> list[ProcessusResume]:
    """Lister les processus

    Tous les processus (superviseurs), les plus récemment modifiés d'abord, chacun avec le nom de son agent."""
    return await processus.lister(session, type, etat, en_attente_de, employeur_id, limite, decalage, recherche)


@router.get("/processus/{workflow_id}")
async def detail(workflow_id: str, _: Superviseur, session: SessionDep, moteur: MoteurDep) -> dict[str, Any]:
    """Détail d'un processus

    Un processus (superviseurs) : son résumé, son incident éventuel, son historique et ce qu'en voit le moteur
    de processus ; 404 pour un processus inconnu."""
    return await processus.detail(session, moteur, workflow_id)


@router.get("/incidents", response_model=list[IncidentPublic])
async def lister_incidents(_: Superviseur, session: SessionDep) -> list[IncidentPublic]:
    """Lister les incidents

    Les processus arrêtés sur un incident (superviseurs), les plus anciens d'abord : agent, étape, depuis quand,
    motif, tentatives."""
    return await incidents.lister(session)


@router.post("/processus/{workflow_id}/reprise")
async def reprendre(
    workflow_id: str, corps: Reprise, compte: Superviseur, session: SessionDep, moteur: MoteurDep
) -> dict[str, Any]:
    """Reprendre un processus en incident

    Exécuter de nouveau l'étape en échec d'un processus en incident (409 s'il n'est pas en incident)."""
    return await incidents.reprendre(session, moteur, compte, workflow_id, corps)


@router.post("/processus/{workflow_id}/relance")
async def relancer(
    workflow_id: str, corps: Relance, compte: Superviseur, session: SessionDep, moteur: MoteurDep
) -> dict[str, Any]:
    """Relancer le destinataire d'une tâche

    Relancer sans attendre le destinataire de la tâche ouverte : un courriel de plus par appel, la relance
    consignée dans l'historique avec son auteur (409 quand aucune tâche n'attend de réponse, que le processus est en
    incident, ou qu'une relance a été envoyée après l'état que désigne ``sequence``). ``envoyee`` à false : la relance
    est enregistrée, son courriel part dès que le serveur de messagerie répond."""
    return await supervision.relancer(session, moteur, compte, workflow_id, corps)


@router.post("/processus/{workflow_id}/annulation")
async def annuler(
    workflow_id: str, corps: Annulation, compte: Superviseur, session: SessionDep, moteur: MoteurDep
) -> dict[str, Any]:
    """Annuler un processus en incident

    Terminer un processus en incident, annulé, avec le motif (``{"motif"}``) ; ses tâches sont annulées."""
    return await incidents.annuler(session, moteur, compte, workflow_id, corps)


@router.post("/processus/{workflow_id}/reattribution", response_model=IncidentPublic)
async def reattribuer(
    workflow_id: str, corps: Reattribution, compte: Superviseur, session: SessionDep
) -> IncidentPublic:
    """Réattribuer un incident

    Confier l'incident à un autre superviseur."""
    return await incidents.reattribuer(session, compte, workflow_id, corps)
