"""The numbers the routes and pages read from an address (path or query), each bounded once here: a route declares
its parameter with one of these types, never a bare ``int``, so that no number reaches the database beyond its
integers (a 500 otherwise).

A number that names a record (a request, a task, a document…) and cannot name one is a 404, as any unknown
address (the error type ``numero_inconnu``, mapped in ``api.erreurs``); a parameter out of its range (an offset,
a year, a filter) is a 422 that gives the range."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BeforeValidator, Field, ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic_core import PydanticCustomError

# Record numbers are the database's INTEGER columns (32 bits on PostgreSQL).
NUMERO_MAX = 2**31 - 1
# A year given in an address (a CIR year, a document's year): a sane range, the legal bounds are the domain's.
ANNEE_MIN, ANNEE_MAX = 1900, 2100
NUMERO_INCONNU = "numero_inconnu"


def _numero_inconnu(valeur: Any, valider: ValidatorFunctionWrapHandler) -> int:
    try:
        numero: int = valider(valeur)
    except ValidationError:
        raise PydanticCustomError(
            NUMERO_INCONNU,
            "aucun enregistrement ne porte le numéro « {valeur} » : un numéro est un nombre entier de 1 à {maximum}",
            {"valeur": str(valeur)[:30], "maximum": NUMERO_MAX},
        ) from None
    return numero


def _vide_est_absent(valeur: Any) -> Any:
    """A list's empty choice (« tous ») sends ``?employeur=``: no filter, not a malformed number."""
    return None if valeur == "" else valeur


# Wrapped around a number naming a record: out of range or not a number, it names nothing (404).
INTROUVABLE_SINON = WrapValidator(_numero_inconnu)
Identifiant = Annotated[int, Path(ge=1, le=NUMERO_MAX, description="Numéro"), INTROUVABLE_SINON]
IdentifiantFacultatif = Annotated[int | None, Query(ge=1, le=NUMERO_MAX)]
# A filter chosen in a page's list, whose empty choice means every one (a field of the page's query model).
FiltreNumero = Annotated[Annotated[int, Field(ge=1, le=NUMERO_MAX)] | None, BeforeValidator(_vide_est_absent)]
Decalage = Annotated[int, Query(ge=0, le=NUMERO_MAX, description="Nombre d'éléments à sauter (pagination)")]
Annee = Annotated[int, Path(ge=ANNEE_MIN, le=ANNEE_MAX, description="Année civile")]
AnneeFacultative = Annotated[int | None, Query(ge=ANNEE_MIN, le=ANNEE_MAX, description="Année civile")]
# The year of a CIR line in an address: any year a date holds, so that a line stored before the CIR's checks (1800)
# can still be named to be corrected or deleted; a new line's legal bounds are the domain's (domain.cir).
AnneeCir = Annotated[int, Path(ge=1, le=9999, description="Année civile de la ligne du CIR")]
