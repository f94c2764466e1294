"""Numbers, amounts, rates and dates written the French way, for the explanation and for letters.

Memoised per distinct value (typed: 1 and 1.0 are separate keys; equal values of one type write the same text),
except the amounts: most are new in each case, and a memo entry per amount would only be missed and evicted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from pension.parametres import MEMOIRE


def _francais(texte: str) -> str:
    """Thousands separated by a space, a decimal comma (two replacements: faster than str.translate)."""
    return texte.replace(",", " ").replace(".", ",")


@lru_cache(maxsize=MEMOIRE, typed=True)
def nombre_fr(nombre: int | float | Decimal) -> str:
    """A number written the French way, without trailing zeros: 5 623,23 ; 0,85 ; 12 000."""
    texte = f"{nombre:,}" if isinstance(nombre, int) else f"{Decimal(str(nombre)).normalize():,f}"
    return _francais(texte)


def somme_fr(montant: float | Decimal) -> str:
    """An amount with its two decimals: 8 975,40 (the caller adds « € »)."""
    return _francais(f"{montant:,.2f}")


@lru_cache(maxsize=MEMOIRE, typed=True)
def pourcentage_fr(taux: float | Decimal) -> str:
    """A rate given as a fraction, as a percentage with 4 significant digits: 0.0125 → « 1,25 % »."""
    return f"{float(taux) * 100:.4g} %".replace(".", ",")


@lru_cache(maxsize=MEMOIRE)
def date_fr(jour: date) -> str:
    """31/12/2026 (the fields formatted one by one: the same text as ``%d/%m/%Y``, without strftime's cost)."""
    return f"{jour.day:02d}/{jour.month:02d}/{jour.year}"
