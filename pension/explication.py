"""What every rule module shares: one rule of the explanation (id, French label, value used, the reference of its
parameter), a parameter's number as its exact Decimal, and amounts rounded once to the cent."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import Any

import orjson

from pension.parametres import MEMOIRE, Valeur, valeur

# A rule of the explanation: built per case, or (rules memoised per distinct input) already written as JSON
Regle = dict[str, Any] | orjson.Fragment


@cache
def _reference(source: Valeur) -> dict[str, str]:
    """Kept per ``Valeur`` (hashed by identity) rather than per ``Reference`` (hashed by a Python-level method)."""
    return {"titre": source.reference.titre, "url": source.reference.url}


def regle(nom: str, libelle: str, valeur_utilisee: Any, source: Valeur) -> dict[str, Any]:
    """One rule of the explanation: id, French label, value used, legal reference of its parameter."""
    return {"regle": nom, "libelle": libelle, "valeur": valeur_utilisee, "reference": _reference(source)}


def regle_figee(nom: str, libelle: str, valeur_utilisee: Any, source: Valeur) -> orjson.Fragment:
    """``regle`` written as JSON once, for the rules kept per distinct input: each result copies the bytes."""
    return orjson.Fragment(orjson.dumps(regle(nom, libelle, valeur_utilisee, source)))


@lru_cache(maxsize=MEMOIRE, typed=True)
def decimal(nombre: float | int) -> Decimal:
    """A parameter's number as the Decimal it is written as (0.0125 → Decimal('0.0125'))."""
    return en_decimal(nombre)


def en_decimal(nombre: float | int) -> Decimal:
    """``decimal`` without its memo, for an amount of the case (the pension, an income): a new value per case
    would only fill the memo."""
    return Decimal(str(nombre))


@cache
def _pas(centimes: int) -> Decimal:
    return Decimal(1).scaleb(-centimes)


def arrondi(date_effet: date) -> Decimal:
    """The step amounts are rounded to (the cent) in force on ``date_effet``."""
    return _pas(valeur("arrondi_euros", date_effet).valeur["centimes"])


def euros(montant: Decimal, pas: Decimal) -> float:
    """An amount rounded once to ``pas`` (the cent), half up."""
    return float(montant.quantize(pas, rounding=ROUND_HALF_UP))
