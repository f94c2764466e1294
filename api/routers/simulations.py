"""The calculation of DESIGN §5 for employers and supervisors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

import pension
from api.deps import Employeur_ou_Superviseur
from api.erreurs import reponse_erreur
from observabilite.metriques import compter_calcul

router = APIRouter(tags=["simulations"])


@router.post("/simulations")
async def simuler(_: Employeur_ou_Superviseur, cas: dict[str, Any] = Body(description="Un cas (CasPension)")):
    try:
        resultat = pension.simuler(cas)
        compter_calcul("api")
    except pension.ErreurCas as erreur:
        resume = " ; ".join(f"{e['champ']} : {e['message']}" for e in erreur.erreurs)
        return reponse_erreur(422, f"Cas de calcul invalide — {resume}", erreur.erreurs)
    return resultat.model_dump(mode="json")
