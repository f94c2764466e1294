"""The pages every public service links from its footer: the accessibility statement, the legal notice and the
personal data policy. Open to anyone; a signed-in visitor keeps their header (name and menu)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import EtatDep, SessionDep
from api.pages.rendu import rendre
from api.pages.session import compte_connecte
from services import identite

router = APIRouter()

# The conformity level the footer and the statement announce (RGAA): no audit has been carried out yet, and a
# service without one declares itself « non conforme », whatever its automated checks find.
CONFORMITE = "non conforme"


async def _page(request: Request, etat: EtatDep, session: SessionDep, gabarit: str) -> HTMLResponse:
    compte = await compte_connecte(request, session, etat.settings)
    if compte is not None:
        request.state.compte = compte
        request.state.nom_affiche = await identite.nom_affiche(session, compte)
    return rendre(request, f"informations/{gabarit}", {"conformite": CONFORMITE})


@router.get("/accessibilite", include_in_schema=False)
async def accessibilite(request: Request, etat: EtatDep, session: SessionDep) -> HTMLResponse:
    return await _page(request, etat, session, "accessibilite.html")


@router.get("/mentions-legales", include_in_schema=False)
async def mentions_legales(request: Request, etat: EtatDep, session: SessionDep) -> HTMLResponse:
    return await _page(request, etat, session, "mentions_legales.html")


@router.get("/donnees-personnelles", include_in_schema=False)
async def donnees_personnelles(request: Request, etat: EtatDep, session: SessionDep) -> HTMLResponse:
    return await _page(request, etat, session, "donnees_personnelles.html")
