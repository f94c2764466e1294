"""Amounts as French readers write them, for every text the service writes (mails, pages, error messages)."""

from __future__ import annotations

from decimal import Decimal


def montant_fr(valeur: float | Decimal | str | None) -> str:
    """``1 234,56`` (narrow no-break space for thousands, as French typography wants; what a form field shows and
    reads back)."""
    if valeur is None or valeur == "":
        return ""
    return f"{Decimal(str(valeur)):,.2f}".replace(",", "\u202f").replace(".", ",")


def euros(valeur: float | Decimal | str | None) -> str:
    """``1 234,56 €``."""
    if valeur is None:
        return ""
    return f"{montant_fr(valeur)}\u00a0€"
