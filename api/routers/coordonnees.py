"""The postal address, the email address and the channel of an agent's campaign documents: the agent's own, or (supervisors) an agent's
named by NIR. Paper needs an address; the next campaign production reads them."""

from __future__ import annotations

from fastapi import APIRouter, Query

from api.deps import Affilie_ou_Superviseur, SessionDep
from domain.adresse import Coordonnees
from services import coordonnees
from services.coordonnees import CoordonneesPubliques

router = APIRouter(prefix="/coordonnees", tags=["affiliés"])

NirDeLAgent = Query(default=None, description="Superviseur : le NIR de l'agent")


@router.get("", response_model=CoordonneesPubliques)
async def consulter(
    compte: Affilie_ou_Superviseur, session: SessionDep, nir: str | None = NirDeLAgent
) -> CoordonneesPubliques:
    return await coordonnees.consulter(session, compte, nir)


@router.put("", response_model=CoordonneesPubliques)
async def modifier(
    corps: Coordonnees, compte: Affilie_ou_Superviseur, session: SessionDep, nir: str | None = NirDeLAgent
) -> CoordonneesPubliques:
    """``{"canal": "papier", "email": "nom@domaine.fr", "adresse_postale": {"voie": …, "complement": …,
    "code_postal": …, "commune": …}}``; without ``adresse_postale`` or ``email`` each stays as it is; a corrected
    email address leaves the channel as given. 422 names the field in error."""
    return await coordonnees.modifier(session, compte, corps, nir)
