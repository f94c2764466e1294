"""CIR lines (compte individuel retraite), one calendar year per line (seed 000): read, written, corrected and
deleted by the employer of the period or a supervisor."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import Field

from api.deps import Employeur_ou_Superviseur, MoteurDep, SessionDep, Superviseur
from api.parametres import AnneeCir
from domain.cir import LigneCir
from domain.texte import TexteLibre
from services import cir
from services import situation as situation_affilie
from services.cir import LigneCirPublique
from services.situation import SituationAffilie, SituationPublique

router = APIRouter(prefix="/affilies", tags=["CIR"])

MOTIF_MAX = 500


class SaisieLigneCir(LigneCir):
    """A line to write, with the reason of a correction."""

    motif: TexteLibre | None = Field(
        default=None, max_length=MOTIF_MAX, description="Pourquoi la période est saisie ou corrigée (historique)"
    )


@router.get("/{nir}/cir", response_model=list[LigneCirPublique])
async def lignes(nir: str, compte: Employeur_ou_Superviseur, session: SessionDep) -> list[LigneCirPublique]:
    return await cir.lignes(session, compte, nir)


@router.put("/{nir}/cir/{annee}", response_model=LigneCirPublique)
async def ecrire(
    nir: str,
    annee: AnneeCir,
    ligne: SaisieLigneCir,
    compte: Employeur_ou_Superviseur,
    session: SessionDep,
    moteur: MoteurDep,
) -> LigneCirPublique:
    """Create or replace the year's period starting on ``date_debut``, or correct the line of the year starting
    on ``remplace`` (removed in the same transaction): administrative and contribution data together, in one
    transaction, or nothing. The line keeps the CIR's invariants (one calendar year, not before the agent could
    work nor after today, quotité and indice within bounds, no overlap with another period: 422 naming the field
    and the rule); the same line sent again answers 409. Only the employer of a corrected period or a supervisor
    may correct it (403); a previous employer of the agent, only the lines it declared. Then the agent's
    processes stopped on a business incident resume on their own."""
    return await cir.ecrire(
        session,
        compte,
        nir,
        annee,
        LigneCir.model_validate(ligne.model_dump(exclude={"motif"})),
        ligne.motif,
        moteur=moteur,
    )


@router.delete("/{nir}/cir/{annee}/{date_debut}", status_code=204, response_class=Response)
async def supprimer(
    nir: str,
    annee: AnneeCir,
    date_debut: date,
    compte: Employeur_ou_Superviseur,
    session: SessionDep,
    moteur: MoteurDep,
    motif: Annotated[str, Query(max_length=MOTIF_MAX, description="Pourquoi la période est supprimée")] = "",
) -> Response:
    """Delete the period of year ``annee`` starting on ``date_debut`` (404 if there is none), with its reason
    (``motif``, required: 422); only the employer of the period or a supervisor may (403). Kept in the CIR's
    history with who and why; then the agent's processes stopped on a business incident resume on their own."""
    await cir.supprimer(session, compte, nir, annee, date_debut, motif, moteur=moteur)
    return Response(status_code=204)


@router.put("/{nir}/situation", response_model=SituationPublique, tags=["affiliés"])
async def situation(
    nir: str, corps: SituationAffilie, compte: Superviseur, session: SessionDep, moteur: MoteurDep
) -> SituationPublique:
    """A supervisor records the agent's retirement (``date_liquidation``) or death (``date_de_deces``): each open
    EIR or rectification of the agent ends at once with that outcome (mailed, in its history)."""
    return await situation_affilie.enregistrer(session, moteur, compte, nir, corps)
