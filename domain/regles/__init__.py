"""Process rules as dated parameters with their legal reference (the pension rules live in ``pension``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DOSSIER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Valeur:
    valeur: Any
    date_effet: date
    reference_titre: str
    reference_url: str


@cache
def _fichier(nom: str) -> dict[str, Any]:
    contenu: dict[str, Any] = yaml.safe_load((DOSSIER / f"{nom}.yaml").read_text(encoding="utf-8"))
    return contenu


def parametre(fichier: str, nom: str, a_la_date: date) -> Valeur:
    """The value of ``nom`` in force on ``a_la_date`` (the latest effect date not after it)."""
    valeurs = sorted(_fichier(fichier)[nom]["valeurs"], key=lambda v: v["date_effet"])
    retenue = None
    for v in valeurs:
        if date.fromisoformat(str(v["date_effet"])) <= a_la_date:
            retenue = v
    if retenue is None:
        raise LookupError(f"Aucune valeur de {fichier}.{nom} en vigueur le {a_la_date.isoformat()}")
    return Valeur(
        valeur=retenue["valeur"],
        date_effet=date.fromisoformat(str(retenue["date_effet"])),
        reference_titre=retenue["reference"]["titre"],
        reference_url=retenue["reference"]["url"],
    )


def tous_les_parametres() -> dict[str, dict[str, Any]]:
    return {p.stem: _fichier(p.stem) for p in DOSSIER.glob("*.yaml")}
