"""Signing in and out: the API's login (same lockout after repeated failures), its token in a cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from api.deps import EtatDep, SessionDep
from api.pages.rendu import refus_de, rendre
from api.pages.session import (
    accueil_du_role,
    apres_connexion,
    compte_connecte,
    effacer_session,
    poser_session,
    session_de,
    suite_sure,
    verifier_csrf,
)
from api.securite import jeton_de
from domain.erreurs import ErreurMetier
from services import comptes

router = APIRouter()


@router.get("/", include_in_schema=False)
async def accueil(request: Request, etat: EtatDep, session: SessionDep):
    compte = await compte_connecte(request, session, etat.settings)
    return RedirectResponse(accueil_du_role(compte.role) if compte else "/connexion", status_code=303)


@router.get("/connexion", include_in_schema=False)
async def page_connexion(request: Request, suite: str | None = None):
    return rendre(request, "connexion.html", {"suite": suite_sure(suite) or "", "identifiant": ""})


@router.post("/connexion", include_in_schema=False)
async def se_connecter(
    request: Request,
    etat: EtatDep,
    session: SessionDep,
    identifiant: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    suite: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
):
    verifier_csrf(request, etat.settings, csrf)
    try:
        compte = await comptes.connecter(session, etat.settings, identifiant.strip() or None, code or None, None)
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        contexte = {"suite": suite_sure(suite) or "", "identifiant": identifiant, "erreur": message}
        return rendre(request, "connexion.html", contexte, statut=statut)
    jeton = jeton_de(compte, etat.settings)
    reponse = RedirectResponse(apres_connexion(compte, suite_sure(suite)), status_code=303)
    poser_session(reponse, request, jeton.access_token, etat.settings)
    return reponse


@router.post("/deconnexion", include_in_schema=False)
async def se_deconnecter(request: Request, etat: EtatDep, session: SessionDep, csrf: Annotated[str, Form()] = ""):
    """The cookie is deleted and the session revoked: a copy of the cookie kept elsewhere no longer opens it."""
    verifier_csrf(request, etat.settings, csrf)
    await comptes.deconnecter(session, session_de(request, etat.settings))
    reponse = RedirectResponse("/connexion", status_code=303)
    effacer_session(reponse)
    return reponse
