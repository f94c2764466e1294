"""Errors that speak to the person who made them: which field, which rule, what to do (in French)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, get_args

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from pydantic_core.core_schema import ErrorType
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.entetes import entetes_de_securite
from api.pages.libelles import champ_fr, code_en_tete, message_du_champ, message_fr
from api.pages.rendu import rendre
from api.pages.session import ErreurPage
from api.parametres import NUMERO_INCONNU
from api.statuts import entetes_de, statut_de
from domain.erreurs import ErreurMetier
from notifications.rendu import accord

_MESSAGES = {
    "missing": "ce champ est obligatoire",
    "int_parsing": "un nombre entier est attendu",
    "int_type": "un nombre entier est attendu",
    "float_parsing": "un nombre est attendu",
    "bool_parsing": "vrai ou faux (true/false) est attendu",
    "bool_type": "vrai ou faux (true/false) est attendu",
    "date_from_datetime_parsing": "une date au format AAAA-MM-JJ est attendue",
    "date_parsing": "une date au format AAAA-MM-JJ est attendue",
    "date_type": "une date au format AAAA-MM-JJ est attendue",
    "string_type": "un texte est attendu",
    "list_type": "une liste est attendue",
    "extra_forbidden": "ce champ n'est pas attendu : retirez-le",
    "json_invalid": "le corps de la requête n'est pas un JSON valide",
    "model_attributes_type": "un objet JSON est attendu",
    "dict_type": "un objet JSON est attendu",
    "enum": "valeur inconnue",
    "literal_error": "valeur inconnue",
    "string_pattern_mismatch": "la valeur n'a pas la forme attendue",
    "int_from_float": "un nombre entier est attendu",
    "float_type": "un nombre est attendu",
    "decimal_parsing": "un nombre décimal est attendu",
    "decimal_type": "un nombre décimal est attendu",
    "datetime_parsing": "une date et heure au format AAAA-MM-JJTHH:MM:SS est attendue",
    "datetime_type": "une date et heure au format AAAA-MM-JJTHH:MM:SS est attendue",
    "string_unicode": "le texte n'est pas en UTF-8 valide",
    "finite_number": "un nombre fini est attendu",
}
_FORME_INATTENDUE = "la valeur n'a pas la forme attendue"
_OBJET_JSON = "un objet JSON est attendu, envoyé avec l'en-tête Content-Type: application/json"
_CORPS = {
    "missing": "le corps de la requête est vide : " + _OBJET_JSON,
    "model_attributes_type": _OBJET_JSON,
    "dict_type": _OBJET_JSON,
}
_REGLES_DE_PYDANTIC = frozenset(get_args(ErrorType))


def _nombre(nombre: object, singulier: str, pluriel: str) -> str:
    return accord(int(nombre), singulier, pluriel) if isinstance(nombre, int) else f"{nombre} {pluriel}"


def _message(erreur: Mapping[str, Any]) -> str:
    type_, ctx = erreur.get("type", ""), erreur.get("ctx") or {}
    if type_ == "value_error":
        return str(ctx.get("error", erreur.get("msg", ""))).removeprefix("Value error, ")
    if type_ in ("greater_than_equal", "greater_than"):
        return f"la valeur doit être au moins {ctx.get('ge', ctx.get('gt'))}"
    if type_ in ("less_than_equal", "less_than"):
        return f"la valeur doit être au plus {ctx.get('le', ctx.get('lt'))}"
    if type_ == "too_short":
        return f"au moins {_nombre(ctx.get('min_length'), 'élément attendu', 'éléments attendus')}"
    if type_ == "too_long":
        return f"au plus {_nombre(ctx.get('max_length'), 'élément attendu', 'éléments attendus')}"
    if type_ == "string_too_short":
        return f"au moins {_nombre(ctx.get('min_length'), 'caractère attendu', 'caractères attendus')}"
    if type_ == "string_too_long":
        return f"au plus {_nombre(ctx.get('max_length'), 'caractère attendu', 'caractères attendus')}"
    if type_ == "enum":
        possibles = str(ctx.get("expected", "")).replace("' or '", "' ou '")  # pydantic: "'a', 'b' or 'c'"
        return f"valeur inconnue ; valeurs possibles : {possibles}"
    if type_ in _MESSAGES:
        return _MESSAGES[type_]
    # pydantic's own rules speak English: a French sentence instead; a rule of ours (a custom error) speaks French.
    return _FORME_INATTENDUE if type_ in _REGLES_DE_PYDANTIC else str(erreur.get("msg") or _FORME_INATTENDUE)


def erreurs_francaises(erreurs: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    sortie = []
    for erreur in erreurs:
        if erreur.get("type") == "json_invalid":  # its place is a character's position, not a field
            position = next((p for p in erreur.get("loc", ()) if isinstance(p, int)), None)
            ou = f" (erreur au caractère {position})" if position is not None else ""
            message = f"le corps de la requête n'est pas un JSON valide{ou} : vérifiez sa syntaxe"
            sortie.append({"champ": "corps", "regle": "json_invalid", "message": message})
            continue
        chemin = [str(p) for p in erreur.get("loc", ()) if p not in ("body", "query", "path", "form")]
        message = _message(erreur)
        if tuple(erreur.get("loc", ())) == ("body",):  # the whole body: empty, or not a JSON object
            message = _CORPS.get(erreur.get("type", ""), message)
        en_tete = code_en_tete(message)
        if en_tete:  # a rule of ours names its field first (« periode_fin : … »): the error is that field's
            code, message = en_tete
            if not chemin or chemin[-1] != code:
                chemin = [*chemin, code]
        sortie.append({"champ": ".".join(chemin) or "corps", "regle": erreur.get("type", ""), "message": message})
    return sortie


def resume_fr(erreurs: Sequence[Mapping[str, str]]) -> str:
    """The fields in error, each by its label and its message (« Dernier jour : … ; Quotité : … »)."""
    return " ; ".join(f"{champ_fr(e['champ'])} : {e['message']}" for e in erreurs)


class ErreurChamp(BaseModel):
    champ: str
    regle: str
    message: str


class Erreur(BaseModel):
    """Toute réponse d'erreur de l'API : une phrase en français et, pour des données invalides, les raisons champ
    par champ."""

    detail: str
    erreurs: list[ErreurChamp] | None = None


_ERREUR = {"model": Erreur}
# Declared on every API route (api/app.py): what any of them may answer besides its success.
REPONSES_ERREUR: dict[int | str, dict[str, Any]] = {
    400: {**_ERREUR, "description": "Requête mal formée"},
    401: {**_ERREUR, "description": "Authentification requise ou jeton invalide"},
    403: {**_ERREUR, "description": "Profil non autorisé"},
    404: {**_ERREUR, "description": "Introuvable, ou hors de votre périmètre"},
    405: {**_ERREUR, "description": "Méthode non permise"},
    409: {**_ERREUR, "description": "Conflit avec l'état du processus"},
    413: {**_ERREUR, "description": "Corps de la requête trop volumineux (CNRACL_TAILLE_MAX_REQUETE)"},
    422: {**_ERREUR, "description": "Données invalides : le champ et la règle sont nommés"},
    423: {**_ERREUR, "description": "Compte verrouillé"},
    429: {**_ERREUR, "description": "Trop de requêtes"},
    503: {**_ERREUR, "description": "Moteur de processus ou base de données momentanément indisponible"},
}


def reponse_erreur(
    statut: int, message: str, erreurs: list[dict[str, str]] | None = None, entetes: dict[str, str] | None = None
) -> JSONResponse:
    corps: dict[str, Any] = {"detail": message}
    if erreurs:
        corps["erreurs"] = erreurs
    return JSONResponse(corps, status_code=statut, headers=entetes)


# Addresses that answer programs (JSON, metrics, files), whoever calls them; everything else is a page.
_POUR_LES_PROGRAMMES = ("/api/", "/metrics", "/static/", "/docs", "/redoc", "/openapi.json")


def _pour_une_page(requete: Request) -> bool:
    """A page was asked for (not by a program that wants JSON only): the error is a page too, in the service's
    layout, not JSON."""
    accepte = requete.headers.get("accept", "")
    return not requete.url.path.startswith(_POUR_LES_PROGRAMMES) and (
        "text/html" in accepte or "application/json" not in accepte
    )


def repondre(
    requete: Request,
    statut: int,
    message: str,
    erreurs: list[dict[str, str]] | None = None,
    entetes: dict[str, str] | None = None,
) -> Response:
    """The error answer: JSON for the API (``Erreur``), the error page for a browser on a page."""
    if _pour_une_page(requete):
        page = rendre(
            requete, "erreur.html", {"titre": ErreurPage(statut, message).titre, "texte": message}, statut=statut
        )
        page.headers.update(entetes or {})
        return page
    return reponse_erreur(statut, message, erreurs, entetes)


async def gerer_metier(requete: Request, exc: ErreurMetier) -> Response:
    """A use case's refusal, for a program (JSON ``Erreur``) or a person (the error page)."""
    erreurs = [e.en_dict() | {"message": message_du_champ(e.champ, e.message)} for e in exc.erreurs] or None
    return repondre(requete, statut_de(exc), message_fr(exc.message), erreurs, entetes_de(exc))


async def gerer_validation(requete: Request, exc: RequestValidationError) -> Response:
    erreurs = erreurs_francaises(list(exc.errors()))
    inconnus = [e for e in erreurs if e["regle"] == NUMERO_INCONNU]
    if inconnus:  # a number in the address that cannot name a record: nothing lives there
        return repondre(requete, 404, f"Introuvable — {resume_fr(inconnus[:1])}.", inconnus)
    return repondre(requete, 422, f"Données invalides — {resume_fr(erreurs)}", erreurs)


_HTTP = {
    400: "Requête mal formée : vérifiez son format et réessayez.",
    401: "Authentification requise : connectez-vous pour obtenir un jeton.",
    403: "Accès refusé.",
    404: "Ressource introuvable.",
    405: "Méthode non permise sur cette adresse.",
    413: "Requête trop volumineuse : envoyez moins de données à la fois.",
    415: "Format du corps de la requête non pris en charge : envoyez du JSON (application/json) ou un formulaire.",
}

# What FastAPI and Starlette answer in English when a body cannot be read (JSON that is not UTF-8, a malformed
# or oversized form), by the start of their sentence: a French sentence instead.
_CORPS_ILLISIBLE = (
    "Le corps de la requête est illisible : envoyez un JSON valide encodé en UTF-8 (en-tête Content-Type: "
    "application/json) ou un formulaire bien formé, puis réessayez."
)
_FORMULAIRE_TROP_GROS = (
    "Le formulaire est trop volumineux (trop de champs, de fichiers, ou un champ trop long) : envoyez-en moins."
)
_ANGLAIS_DU_CADRE = {
    "There was an error parsing the body": _CORPS_ILLISIBLE,
    "Missing boundary in multipart": _CORPS_ILLISIBLE,
    "Invalid multipart data": _CORPS_ILLISIBLE,
    'The Content-Disposition header field "name"': _CORPS_ILLISIBLE,
    "Too many fields": _FORMULAIRE_TROP_GROS,
    "Too many files": _FORMULAIRE_TROP_GROS,
    "Field exceeded maximum size": _FORMULAIRE_TROP_GROS,
    "Part exceeded maximum size": _FORMULAIRE_TROP_GROS,
}


# The same refusals on a page, when no route gave its own sentence: said to a person, not a program.
_HTTP_PAGES = {
    404: "Cette adresse ne correspond à aucune page du service : vérifiez-la, ou repartez de l'accueil.",
    405: "Cette page ne reçoit pas de formulaire à cette adresse : repartez de l'accueil.",
}


def _en_francais(detail: str) -> str | None:
    return next((francais for anglais, francais in _ANGLAIS_DU_CADRE.items() if detail.startswith(anglais)), None)


def _phrase_du_cadre(statut: int, detail: object) -> bool:
    """Starlette's default detail: the status's English phrase (« Not Found »)."""
    try:
        return detail == HTTPStatus(statut).phrase
    except ValueError:
        return False


async def gerer_http(requete: Request, exc: StarletteHTTPException) -> Response:
    traduit = _en_francais(exc.detail) if isinstance(exc.detail, str) else None
    if traduit:
        detail = traduit
    elif isinstance(exc.detail, str) and not _phrase_du_cadre(exc.status_code, exc.detail):
        detail = exc.detail
    else:
        generique = _HTTP_PAGES if _pour_une_page(requete) else _HTTP
        detail = generique.get(exc.status_code) or _HTTP.get(
            exc.status_code, f"La requête n'a pas pu être servie (statut HTTP {exc.status_code})."
        )
    return repondre(requete, exc.status_code, detail, entetes=getattr(exc, "headers", None))


async def gerer_inattendue(requete: Request, exc: Exception) -> Response:
    import logging

    logging.getLogger("cnracl.api").exception("erreur inattendue (%s)", type(exc).__name__)
    message = "Erreur interne du service : l'équipe technique est prévenue. Réessayez plus tard."
    # Served by Starlette's outermost middleware, past ours: the page carries its security headers itself.
    return repondre(requete, 500, message, entetes=entetes_de_securite(requete.url.path))


def base_indisponible(exc: Exception) -> bool:
    """The database cannot be reached now (down, restarting, refusing connections, every connection busy),
    as opposed to a statement it refused: the former is worth calling again in a moment."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as AttenteDuPool

    if isinstance(exc, (ConnectionError, AttenteDuPool)):
        return True
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or exc.statement is None or isinstance(exc, (OperationalError, InterfaceError))
    )


async def gerer_base(requete: Request, exc: Exception) -> Response:
    if not base_indisponible(exc):
        return await gerer_inattendue(requete, exc)
    import logging

    logging.getLogger("cnracl.api").warning("base de données indisponible (%s)", type(exc).__name__)
    return repondre(
        requete,
        503,
        "La base de données du service est momentanément indisponible : réessayez dans un instant.",
        entetes={"Retry-After": "5"},
    )
