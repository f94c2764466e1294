"""Each typed refusal of the use cases and its HTTP status: the one place where they meet (the JSON answers and
the pages both read it)."""

from __future__ import annotations

from domain.erreurs import (
    Conflit,
    DemandeIncorrecte,
    ErreurMetier,
    Indisponible,
    Interdit,
    Introuvable,
    NonAuthentifie,
    Refus,
    Verrouille,
)

STATUTS: dict[type[ErreurMetier], int] = {
    DemandeIncorrecte: 400,
    NonAuthentifie: 401,
    Interdit: 403,
    Introuvable: 404,
    Conflit: 409,
    Refus: 422,
    Verrouille: 423,
    Indisponible: 503,
}
_ENTETES: dict[type[ErreurMetier], dict[str, str]] = {
    NonAuthentifie: {"WWW-Authenticate": "Bearer"},
    Indisponible: {"Retry-After": "30"},
}


def statut_de(erreur: ErreurMetier) -> int:
    return next((statut for type_, statut in STATUTS.items() if isinstance(erreur, type_)), 500)


def entetes_de(erreur: ErreurMetier) -> dict[str, str] | None:
    return next((entetes for type_, entetes in _ENTETES.items() if isinstance(erreur, type_)), None)
