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
    """Simuler une pension

    Le calcul de la pension d'un cas (``CasPension``), pour les employeurs et les superviseurs."""
    resultat = simulations.simuler(cas)
    compter_calcul("api")
    return resultat


@router.post("/simulations/rachat")
async def coter_rachat(
    _: Employeur_ou_Superviseur,
    demande: Annotated[
        dict[str, Any],
        Body(
            description="Une demande de rachat d'études : date_de_naissance, date_de_demande, trimestres (1 à 12), "
            "option (1, 2 ou 3), indice_majore ou traitement_indiciaire_brut_annuel"
        ),
    ],
) -> dict[str, Any]:
    """Coter un rachat d'études

    Le coût d'un rachat d'études, du barème daté, par âge et par option, pour les employeurs et les
    superviseurs."""
    devis = simulations.coter_rachat(demande)
    compter_calcul("api")
    return devis
