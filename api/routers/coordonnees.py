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
    """Consulter les coordonnées

    L'adresse postale, l'adresse électronique et le canal des documents de campagne de l'agent : les siens, ou,
    pour un superviseur, ceux de l'agent désigné par ``nir``."""
    return await coordonnees.consulter(session, compte, nir)


@router.put("", response_model=CoordonneesPubliques)
async def modifier(
    corps: Coordonnees, compte: Affilie_ou_Superviseur, session: SessionDep, nir: str | None = NirDeLAgent
) -> CoordonneesPubliques:
    """Modifier les coordonnées

    L'agent, ou un superviseur pour lui (``nir``) : ``{"canal": "papier", "email": "nom@domaine.fr",
    "adresse_postale": {"voie": …, "complement": …, "code_postal": …, "commune": …}}`` ; sans ``adresse_postale`` ou
    ``email``, chacun reste tel quel ; une adresse électronique corrigée laisse le canal tel qu'il est indiqué. 422
    nomme le champ en erreur."""
    return await coordonnees.modifier(session, compte, corps, nir)
