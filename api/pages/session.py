"""Who is on the page: the session cookie (the signed token of the API), the CSRF token of the forms,
and the two exceptions a page raises instead of answering (a redirection, an error page)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Form, Request, Response, status
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import EtatDep, SessionDep, restreindre
from api.securite import JetonLu, lire_session
from domain.etats import Role
from services import identite
from services.comptes import Compte, compte_de_session, question_secrete_requise
from settings import Settings

COOKIE_SESSION = "cnracl_session"
COOKIE_CSRF = "cnracl_csrf"
CHAMP_CSRF = "csrf"


class Redirection(Exception):
    def __init__(self, adresse: str) -> None:
        self.adresse = adresse


class ErreurPage(Exception):
    """An error a person can read: the status, a title and what to do."""

    def __init__(self, statut: int, message: str, titre: str | None = None) -> None:
        self.statut = statut
        self.message = message
        self.titre = titre or {
            400: "Requête invalide",
            401: "Connexion requise",
            403: "Accès refusé",
            404: "Page introuvable",
            405: "Action impossible à cette adresse",
            409: "Action impossible",
            413: "Requête trop volumineuse",
            422: "Données invalides",
            429: "Trop de requêtes",
            500: "Erreur du service",
            503: "Service momentanément indisponible",
        }.get(statut, "Erreur")


def _securise(request: Request) -> bool:
    return request.url.scheme == "https"


def poser_session(reponse: Response, request: Request, jeton: str, settings: Settings) -> None:
    reponse.set_cookie(
        COOKIE_SESSION,
        jeton,
        max_age=int(settings.duree_jeton.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_securise(request),
        path="/",
    )


def effacer_session(reponse: Response) -> None:
    reponse.delete_cookie(COOKIE_SESSION, path="/")


def _graine_csrf(request: Request) -> str:
    """The browser's CSRF seed (its own cookie); a new one is set on the response when absent."""
    graine = request.cookies.get(COOKIE_CSRF)
    if not graine:
        graine = getattr(request.state, "graine_csrf", None) or secrets.token_urlsafe(32)
        request.state.graine_csrf = graine
    return graine


def jeton_csrf(request: Request, settings: Settings) -> str:
    """The hidden field of every POST form: an HMAC of the browser's seed with the service's key."""
    graine = _graine_csrf(request)
    return hmac.new(settings.cle_secrete().encode(), f"csrf:{graine}".encode(), hashlib.sha256).hexdigest()


def poser_graine_csrf(reponse: Response, request: Request) -> None:
    graine = getattr(request.state, "graine_csrf", None)
    if graine and not request.cookies.get(COOKIE_CSRF):
        reponse.set_cookie(COOKIE_CSRF, graine, httponly=True, samesite="lax", secure=_securise(request), path="/")


def verifier_csrf(request: Request, settings: Settings, recu: str | None) -> None:
    graine = request.cookies.get(COOKIE_CSRF)
    attendu = jeton_csrf(request, settings) if graine else None
    if not recu or not attendu or not hmac.compare_digest(recu, attendu):
        raise ErreurPage(
            status.HTTP_403_FORBIDDEN,
            "Le formulaire a expiré ou ne vient pas de ce site. Rechargez la page et recommencez.",
            "Formulaire refusé",
        )


def session_de(request: Request, settings: Settings) -> JetonLu | None:
    """What the page's session cookie says (unchecked against the account)."""
    jeton = request.cookies.get(COOKIE_SESSION)
    return lire_session(jeton, settings.cle_secrete()) if jeton else None


async def compte_connecte(request: Request, session: AsyncSession, settings: Settings) -> Compte | None:
    """The account the session cookie opens, unless it was revoked since (logout, code regeneration,
    deactivation, lockout)."""
    return await compte_de_session(session, session_de(request, settings))


PAGE_QUESTION_SECRETE = "/comptes/question-secrete"


def _adresse_demandee(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def page_question_secrete(suite: str | None = None) -> str:
    """The first login's page, with where to go once the question is chosen."""
    return PAGE_QUESTION_SECRETE + (f"?suite={quote(suite, safe='')}" if suite else "")


async def _connecte_sans_question(request: Request, etat: EtatDep, session: SessionDep) -> Compte:
    """The signed-in account (kept for the page's header); an anonymous visitor goes to the login page and back."""
    compte = await compte_connecte(request, session, etat.settings)
    if compte is None:
        raise Redirection(f"/connexion?suite={quote(_adresse_demandee(request), safe='')}")
    request.state.compte = compte
    request.state.nom_affiche = await identite.nom_affiche(session, compte)
    return compte


async def _connecte(request: Request, etat: EtatDep, session: SessionDep) -> Compte:
    """The signed-in account, once it has chosen its secret question: until then every page sends to the page
    that asks it (the welcome mail announces it; without it a lost code cannot be regenerated alone)."""
    compte = await _connecte_sans_question(request, etat, session)
    if question_secrete_requise(compte):
        suite = _adresse_demandee(request) if request.method == "GET" else None
        raise Redirection(page_question_secrete(suite))
    return compte


def _autre_profil() -> ErreurPage:
    return ErreurPage(status.HTTP_403_FORBIDDEN, "Cette page est réservée à un autre profil d'utilisateur.")


def _reservee_a(*roles: Role) -> Any:
    return restreindre(_connecte, _autre_profil, *roles)


# The account of a page, by the roles that may open it (any role for CompteConnecte).
CompteConnecte = Annotated[Compte, _reservee_a()]
CompteAffilie = Annotated[Compte, _reservee_a(Role.affilie)]
CompteAffilieOuSuperviseur = Annotated[Compte, _reservee_a(Role.affilie, Role.superviseur)]
CompteEmployeur = Annotated[Compte, _reservee_a(Role.employeur)]
CompteEmployeurOuSuperviseur = Annotated[Compte, _reservee_a(Role.employeur, Role.superviseur)]
CompteSuperviseur = Annotated[Compte, _reservee_a(Role.superviseur)]
# Any signed-in account, its secret question chosen or not: the page of the first login that asks it.
CompteSansQuestion = Annotated[Compte, Depends(_connecte_sans_question)]


async def _csrf_verifie(request: Request, etat: EtatDep, csrf: Annotated[str, Form()] = "") -> str:
    verifier_csrf(request, etat.settings, csrf)
    return csrf


# The form's CSRF token, checked. Declared after the page's account: FastAPI settles a handler's dependencies in
# the order of its parameters, and an anonymous visitor is sent to the login page before his form is judged.
CsrfVerifie = Annotated[str, Depends(_csrf_verifie)]


def accueil_du_role(role: str) -> str:
    return {Role.affilie.value: "/eir", Role.employeur.value: "/taches", Role.superviseur.value: "/processus"}.get(
        role, "/"
    )


def apres_connexion(compte: Compte, suite: str | None) -> str:
    """Where a login leads: the page asked for (or the role's home), after the secret question on a first
    login."""
    if question_secrete_requise(compte):
        return page_question_secrete(suite)
    return suite or accueil_du_role(compte.role)


def suite_sure(suite: str | None) -> str | None:
    """Only a path of this site (never ``//autre.site`` nor an absolute address)."""
    if suite and suite.startswith("/") and not suite.startswith("//") and "\\" not in suite:
        return suite
    return None
