"""CIR lines (compte individuel retraite), one calendar year per line (seed 000)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Employeur_ou_Superviseur, SessionDep
from api.parametres import Annee
from domain.cir import LigneCir
from services import cir
from services.cir import LigneCirPublique

router = APIRouter(prefix="/affilies", tags=["CIR"])


@router.get("/{nir}/cir", response_model=list[LigneCirPublique])
async def lignes(nir: str, compte: Employeur_ou_Superviseur, session: SessionDep) -> list[LigneCirPublique]:
    return await cir.lignes(session, compte, nir)


@router.put("/{nir}/cir/{annee}", response_model=LigneCirPublique)
async def ecrire(
    nir: str, annee: Annee, ligne: LigneCir, compte: Employeur_ou_Superviseur, session: SessionDep
) -> LigneCirPublique:
    """Create or replace the year's period starting on ``date_debut``: its administrative and contribution data
    together, in one transaction, or nothing (the declared contributions must match the rates in force)."""
    return await cir.ecrire(session, compte, nir, annee, ligne)
