"""The calculation of DESIGN §5 for employers and supervisors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from api.deps import Employeur_ou_Superviseur
from observabilite.metriques import compter_calcul
from services import simulations

router = APIRouter(tags=["simulations"])


@router.post("/simulations")
async def simuler(
    _: Employeur_ou_Superviseur, cas: Annotated[dict[str, Any], Body(description="Un cas (CasPension)")]
) -> dict[str, Any]:
    resultat = simulations.simuler(cas)
    compter_calcul("api")
    return resultat
