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
    """Exclude an agent (``{"type": "agent", "nir": …, "motif": …}``) or an employer (``"type": "employeur"``,
    ``"siret"``) from campaign N: from now on it gets no task, no line in the collector's file and no document (an
    employer: none of its agents); its open campaign tasks are withdrawn (cancelled, not deleted; ``taches`` says how
    many). 422 when the agent or the employer is unknown or not in the campaign; 409 when it is already excluded,
    before the selection or once the campaign is over."""
    return await campagne_perimetre.exclure(session, compte, annee, demande)


@router.get("/{annee}/exclusions", response_model=list[DecisionPublique])
async def exclusions(_: Superviseur, session: SessionDep, annee: int = Annee) -> list[DecisionPublique]:
    """The campaign's exclusions, those in force first, with who decided them and why (and who lifted them)."""
    return (await campagne_perimetre.consulter(session, annee)).exclusions


@router.delete("/{annee}/exclusions/{exclusion_id}", response_model=DecisionPublique)
async def lever(
    compte: Superviseur,
    session: SessionDep,
    exclusion_id: Identifiant,
    annee: int = Annee,
    motif: Annotated[str, Query(max_length=MOTIF_MAX, description="Pourquoi l'exclusion est levée")] = "",
) -> DecisionPublique:
    """Lift an exclusion (``?motif=…``, required): its agents are in the campaign again; their documents come with
    the next tranche and, before the cut-off, the tasks it withdrew are open again (``taches``). 409 when already
    lifted."""
    return await campagne_perimetre.lever(session, compte, annee, exclusion_id, motif)


@router.post("/{annee}/ajouts", response_model=DecisionPublique, status_code=status.HTTP_201_CREATED)
async def ajouter(
    demande: DemandePerimetre, compte: Superviseur, session: SessionDep, annee: int = Annee
) -> DecisionPublique:
    """Add to campaign N an agent (``{"type": "agent", "nir": …, "motif": …}``) or an employer (``"siret"``) the
    selection missed (a late affiliation): the selection's rules run again today for it (cohorts by age, newcomers,
    eligibility) and its agents (``agents``) go through the steps still to come: a CIR task before the cut-off
    (``taches``), the collector's file if their batch is not transmitted yet, their document at the next tranche.
    422 when no cohort takes the agent (the message says why); 409 when already in the campaign or excluded."""
    return await campagne_perimetre.ajouter(session, compte, annee, demande)


@router.get("/{annee}/ajouts", response_model=list[DecisionPublique])
async def ajouts(_: Superviseur, session: SessionDep, annee: int = Annee) -> list[DecisionPublique]:
    """The campaign's additions, each with the agents it brought in."""
    return (await campagne_perimetre.consulter(session, annee)).ajouts
