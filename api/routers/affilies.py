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
    """Une ligne à écrire, avec le motif d'une correction."""

    motif: TexteLibre | None = Field(
        default=None, max_length=MOTIF_MAX, description="Pourquoi la période est saisie ou corrigée (historique)"
    )


@router.get("/{nir}/cir", response_model=list[LigneCirPublique])
async def lignes(nir: str, compte: Employeur_ou_Superviseur, session: SessionDep) -> list[LigneCirPublique]:
    """Lignes du CIR d'un agent

    Les lignes du compte individuel retraite (CIR) de l'agent, une année civile par ligne, pour un employeur ou un
    superviseur ; un ancien employeur de l'agent ne voit que les lignes qu'il a déclarées."""
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
    """Écrire une ligne du CIR

    Créer ou remplacer la période de l'année commençant le ``date_debut``, ou corriger la ligne de l'année
    commençant le ``remplace`` (supprimée dans la même transaction) : données administratives et de cotisation
    ensemble, en une seule transaction, ou rien. La ligne respecte les invariants du CIR (une seule année civile, ni
    avant que l'agent ait pu travailler ni après aujourd'hui, quotité et indice dans leurs bornes, aucun chevauchement
    avec une autre période : 422 en nommant le champ et la règle) ; la même ligne envoyée de nouveau reçoit 409.
    Seuls l'employeur d'une période corrigée ou un superviseur peuvent la corriger (403) ; un ancien employeur de
    l'agent, seulement les lignes qu'il a déclarées. Les processus de l'agent arrêtés sur un incident métier
    reprennent ensuite d'eux-mêmes."""
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
    """Supprimer une ligne du CIR

    Supprimer la période de l'année ``annee`` commençant le ``date_debut`` (404 s'il n'y en a pas), avec son motif
    (``motif``, obligatoire : 422) ; seuls l'employeur de la période ou un superviseur le peuvent (403). La
    suppression est conservée dans l'historique du CIR, avec son auteur et son motif ; les processus de l'agent
    arrêtés sur un incident métier reprennent ensuite d'eux-mêmes."""
    await cir.supprimer(session, compte, nir, annee, date_debut, motif, moteur=moteur)
    return Response(status_code=204)


@router.put("/{nir}/situation", response_model=SituationPublique, tags=["affiliés"])
async def situation(
    nir: str, corps: SituationAffilie, compte: Superviseur, session: SessionDep, moteur: MoteurDep
) -> SituationPublique:
    """Enregistrer la retraite ou le décès d'un agent

    Un superviseur enregistre le départ à la retraite de l'agent (``date_liquidation``) ou son décès
    (``date_de_deces``) : chaque EIR ou rectification en cours de l'agent se termine aussitôt avec cette issue
    (annoncée par courriel, consignée dans son historique)."""
    return await situation_affilie.enregistrer(session, moteur, compte, nir, corps)
