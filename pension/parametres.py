"""Legal parameters as data: each value keyed by effect date (and birth generation), with its reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DOSSIER = Path(__file__).resolve().parent / "parametres"


@dataclass(frozen=True)
class Reference:
    titre: str
    url: str


@dataclass(frozen=True)
class Valeur:
    valeur: Any
    reference: Reference


@cache
def fichier(nom: str) -> dict[str, Any]:
    return yaml.safe_load((DOSSIER / f"{nom}.yaml").read_text(encoding="utf-8"))


def _jour(valeur: Any) -> date:
    return valeur if isinstance(valeur, date) else date.fromisoformat(str(valeur))


def _en_vigueur(valeurs: list[dict[str, Any]], date_effet: date, nom: str) -> dict[str, Any]:
    retenues = [v for v in valeurs if _jour(v["date_effet"]) <= date_effet]
    if not retenues:
        raise LookupError(f"{nom} : aucune valeur en vigueur le {date_effet:%d/%m/%Y}")
    return max(retenues, key=lambda v: _jour(v["date_effet"]))


def _reference(v: dict[str, Any]) -> Reference:
    return Reference(v["reference"]["titre"], v["reference"]["url"])


def valeur(nom: str, date_effet: date, fichier_nom: str = "bareme") -> Valeur:
    """A simple value of ``bareme.yaml`` (or of another file of simple values)."""
    v = _en_vigueur(fichier(fichier_nom)[nom]["valeurs"], date_effet, nom)
    return Valeur(v["valeur"], _reference(v))


def par_generation(nom: str, naissance: date, date_effet: date, categorie: str | None = None) -> Valeur:
    """The row of a generation table in force on ``date_effet`` that covers ``naissance``."""
    valeurs = [v for v in fichier(nom)["valeurs"] if categorie is None or v.get("categorie") == categorie]
    table = _en_vigueur(valeurs, date_effet, nom)
    for ligne in table["generations"]:
        if ligne["jusqu_au"] is None or naissance <= _jour(ligne["jusqu_au"]):
            return Valeur(ligne, _reference(table))
    raise LookupError(f"{nom} : génération {naissance:%Y} non couverte")


def par_annee(nom: str, annee: int, date_effet: date) -> Valeur:
    """The row of a table keyed by year (e.g. the year rights opened)."""
    table = _en_vigueur(fichier(nom)["valeurs"], date_effet, nom)
    for ligne in table["annees_ouverture"]:
        if ligne["jusqu_en"] is None or annee <= ligne["jusqu_en"]:
            return Valeur(ligne, _reference(table))
    raise LookupError(f"{nom} : année {annee} non couverte")


def valeur_fichier(nom: str, date_effet: date) -> Valeur:
    """The value in force of a file holding one parameter (``valeurs`` at its top level)."""
    v = _en_vigueur(fichier(nom)["valeurs"], date_effet, nom)
    return Valeur(v["valeur"], _reference(v))
