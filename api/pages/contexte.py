"""What a page's handler works with, said once: the request, the signed-in account (of a role that may open the
page), the request's database session and the engine; for a form, its CSRF token checked too. A handler takes one
``Page`` (``PageSuperviseur``, ``FormulaireAffilie``…) and its own parameters, and answers with ``page.rendre``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import MoteurDep, SessionDep
from api.pages.rendu import rendre
from api.pages.session import (
    CompteAffilie,
    CompteAffilieOuSuperviseur,
    CompteConnecte,
    CompteEmployeur,
    CompteEmployeurOuSuperviseur,
    CompteSuperviseur,
    CsrfVerifie,
)
from services.comptes import Compte
from services.moteur import Moteur


@dataclass
class Page:
    """A page's request as its handler sees it."""

    request: Request
    compte: Compte
    session: AsyncSession
    moteur: Moteur

    def rendre(self, gabarit: str, contexte: dict[str, Any], statut: int = 200) -> HTMLResponse:
        return rendre(self.request, gabarit, contexte, statut)


def _page(compte_du_role: Any) -> Any:
    """The dependency on the page of an account given by ``compte_du_role`` (``CompteAffilie``…)."""

    async def page(request: Request, compte: Compte, session: SessionDep, moteur: MoteurDep) -> Page:
        return Page(request, compte, session, moteur)

    # Given as an object, not as text: under postponed annotations FastAPI would look it up in the globals.
    page.__annotations__["compte"] = compte_du_role
    return Depends(page)


def _formulaire(compte_du_role: Any) -> Any:
    """The page of a submitted form: the account first (an anonymous visitor is sent to the login page before
    his form is judged), then the form's CSRF token."""

    async def formulaire(page: Page, csrf: CsrfVerifie) -> Page:
        return page

    formulaire.__annotations__["page"] = Annotated[Page, _page(compte_du_role)]
    return Depends(formulaire)


PageConnectee = Annotated[Page, _page(CompteConnecte)]
PageAffilie = Annotated[Page, _page(CompteAffilie)]
PageAffilieOuSuperviseur = Annotated[Page, _page(CompteAffilieOuSuperviseur)]
PageEmployeur = Annotated[Page, _page(CompteEmployeur)]
PageEmployeurOuSuperviseur = Annotated[Page, _page(CompteEmployeurOuSuperviseur)]
PageSuperviseur = Annotated[Page, _page(CompteSuperviseur)]

FormulaireAffilie = Annotated[Page, _formulaire(CompteAffilie)]
FormulaireEmployeurOuSuperviseur = Annotated[Page, _formulaire(CompteEmployeurOuSuperviseur)]
FormulaireSuperviseur = Annotated[Page, _formulaire(CompteSuperviseur)]
