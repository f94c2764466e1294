"""Who is in a DAI campaign, as its manager decides (DESIGN §3 « Further contracts »): exclusions of an agent or an
employer, lifted by ``DELETE``; additions of an agent or an employer the selection missed. Supervisors only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import Identifiant, SessionDep, Superviseur
from api.routers.campagnes import Annee
from services import campagne_perimetre
from services.campagne_perimetre import MOTIF_MAX, DecisionPublique, DemandePerimetre

router = APIRouter(prefix="/campagnes", tags=["campagne DAI"])


@router.post("/{annee}/exclusions", response_model=DecisionPublique, status_code=status.HTTP_201_CREATED)
async def exclure(
    demande: DemandePerimetre, compte: Superviseur, session: SessionDep, annee: int = Annee
) -> DecisionPublique:
    """Exclure de la campagne

    Un superviseur exclut de la campagne N un agent (``{"type": "agent", "nir": …, "motif": …}``) ou un employeur
    (``"type": "employeur"``, ``"siret"``) : désormais, il ne reçoit plus de tâche, n'a plus de ligne dans le fichier
    du collecteur ni de document (un employeur : aucun de ses agents) ; ses tâches de campagne ouvertes sont retirées
    (annulées, non supprimées ; ``taches`` en donne le nombre). 422 quand l'agent ou l'employeur est inconnu ou hors
    de la campagne ; 409 quand il est déjà exclu, avant la sélection ou une fois la campagne terminée."""
    return await campagne_perimetre.exclure(session, compte, annee, demande)


@router.get("/{annee}/exclusions", response_model=list[DecisionPublique])
async def exclusions(_: Superviseur, session: SessionDep, annee: int = Annee) -> list[DecisionPublique]:
    """Exclusions de la campagne

    Les exclusions de la campagne (superviseurs), celles en vigueur d'abord, avec qui les a décidées et pourquoi
    (et qui les a levées)."""
    return (await campagne_perimetre.consulter(session, annee)).exclusions


@router.delete("/{annee}/exclusions/{exclusion_id}", response_model=DecisionPublique)
async def lever(
    compte: Superviseur,
    session: SessionDep,
    exclusion_id: Identifiant,
    annee: int = Annee,
    motif: Annotated[str, Query(max_length=MOTIF_MAX, description="Pourquoi l'exclusion est levée")] = "",
) -> DecisionPublique:
    """Lever une exclusion

    Un superviseur lève une exclusion (``?motif=…``, obligatoire) : ses agents sont de nouveau dans la campagne ;
    leurs documents partent avec la prochaine tranche et, avant la date limite, les tâches qu'elle avait retirées
    rouvrent (``taches``). 409 quand l'exclusion est déjà levée."""
    return await campagne_perimetre.lever(session, compte, annee, exclusion_id, motif)


@router.post("/{annee}/ajouts", response_model=DecisionPublique, status_code=status.HTTP_201_CREATED)
async def ajouter(
    demande: DemandePerimetre, compte: Superviseur, session: SessionDep, annee: int = Annee
) -> DecisionPublique:
    """Ajouter à la campagne

    Un superviseur ajoute à la campagne N un agent (``{"type": "agent", "nir": …, "motif": …}``) ou un employeur
    (``"siret"``) que la sélection a manqué (une affiliation tardive) : les règles de la sélection lui sont appliquées
    de nouveau à la date du jour (cohortes par âge, nouveaux arrivants, éligibilité) et ses agents (``agents``)
    suivent les étapes encore à venir : une tâche CIR avant la date limite (``taches``), le fichier du collecteur si
    leur lot n'est pas encore transmis, leur document à la prochaine tranche. 422 quand aucune cohorte ne retient
    l'agent (le message dit pourquoi) ; 409 quand il est déjà dans la campagne ou exclu."""
    return await campagne_perimetre.ajouter(session, compte, annee, demande)


@router.get("/{annee}/ajouts", response_model=list[DecisionPublique])
async def ajouts(_: Superviseur, session: SessionDep, annee: int = Annee) -> list[DecisionPublique]:
    """Ajouts à la campagne

    Les ajouts à la campagne (superviseurs), chacun avec les agents qu'il a fait entrer."""
    return (await campagne_perimetre.consulter(session, annee)).ajouts
