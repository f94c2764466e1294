"""An employer's email address, for supervisors: read it, correct it after a refused or bounced mail (which resolves
the employer's « courriel refusé » incidents)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Identifiant, SessionDep, Superviseur
from services import coordonnees_employeur
from services.coordonnees_employeur import CoordonneesEmployeur, CorrectionCourriel, CorrectionEnregistree

router = APIRouter(prefix="/employeurs", tags=["employeurs"])


@router.get("/{employeur_id}/coordonnees", response_model=CoordonneesEmployeur)
async def consulter(employeur_id: Identifiant, compte: Superviseur, session: SessionDep) -> CoordonneesEmployeur:
    """Consulter l'adresse électronique d'un employeur

    Un superviseur lit l'adresse électronique de l'employeur (celle des courriels de la campagne et des tâches)
    et ses incidents de courriel ouverts, un par campagne. 404 pour un employeur inconnu."""
    return await coordonnees_employeur.consulter(session, compte, employeur_id)


@router.put("/{employeur_id}/coordonnees", response_model=CorrectionEnregistree)
async def corriger(
    corps: CorrectionCourriel, employeur_id: Identifiant, compte: Superviseur, session: SessionDep
) -> CorrectionEnregistree:
    """Corriger l'adresse électronique d'un employeur

    Un superviseur corrige l'adresse électronique de l'employeur (``{"email": "nom@domaine.fr"}``) : une autre
    adresse est enregistrée, consignée dans l'historique de l'employeur, et résout ses incidents « courriel refusé »
    de toutes les campagnes (``incidents_resolus``) ; les courriels manqués ne sont pas renvoyés : prévenez
    l'employeur. La même adresse (à la casse près) ne change rien (``modifiee`` faux). 422 nomme le champ en erreur ;
    404 pour un employeur inconnu."""
    return await coordonnees_employeur.corriger(session, compte, employeur_id, corps)
