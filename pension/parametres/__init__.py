"""Legal parameters as data: one YAML file per parameter in this folder, read once and cached.

Every file holds ``description``, ``unite`` and ``valeurs``: a list of versions keyed by ``date_effet`` (the
date the rule applies from), each with its ``reference`` (``titre`` + ``url``), ``verifie_le`` and an optional
``note`` (sources in conflict, derived values [D], uncertain values [?]). A version holds either

* ``valeur``: a simple value (a number, a mode, a date or an age ``{ans, mois}``);
* ``generations``: a table by birth date, rows ``{nes_du, nes_au, valeur}`` with inclusive bounds
  (``null`` = open), contiguous and covering every birth date (checked by the tests);
* ``annees``: a table by year (year rights opened), rows ``{du, au, valeur}``, same rules.

Both time axes stay explicit: callers give the effect date (and the birth date or year); nothing here
reads "today".
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DOSSIER = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Reference:
    titre: str
    url: str


@dataclass(frozen=True, slots=True, order=True)
class Duree:
    """An age or a duration in years and months (``{ans, mois}`` in the files)."""

    ans: int
    mois: int

    @property
    def en_mois(self) -> int:
        return self.ans * 12 + self.mois

    @classmethod
    def depuis_mois(cls, mois: int) -> Duree:
        return cls(mois // 12, mois % 12)

    def __str__(self) -> str:
        return f"{self.ans} ans" + (f" {self.mois} mois" if self.mois else "")


@dataclass(frozen=True, slots=True)
class Valeur:
    """A value in force, with what a reader needs to check it."""

    nom: str
    valeur: Any
    unite: str
    date_effet: date
    reference: Reference
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Ligne:
    debut: Any  # date, year or None (open)
    fin: Any
    valeur: Any


@dataclass(frozen=True, slots=True)
class Version:
    date_effet: date
    reference: Reference
    verifie_le: date
    note: str | None
    valeur: Any = None
    lignes: tuple[Ligne, ...] | None = None
    axe: str | None = None  # "generations" or "annees" when the version is a table


@dataclass(frozen=True, slots=True)
class Parametre:
    nom: str
    description: str
    unite: str
    versions: tuple[Version, ...]
    dates: tuple[date, ...]
    # Prebuilt answers: per version, the simple value or one Valeur per row (lookups only bisect and scan).
    reponses: tuple[Any, ...] = ()

    def indice(self, date_effet: date) -> int:
        i = bisect_right(self.dates, date_effet)
        if i == 0:
            raise ParametreNonCouvert(self.nom, date_effet)
        return i - 1

    def en_vigueur(self, date_effet: date) -> Version:
        return self.versions[self.indice(date_effet)]


class ParametreNonCouvert(LookupError):
    """No version of a parameter applies on that date (or no row for that generation/year)."""

    def __init__(self, nom: str, date_effet: date, detail: str = "") -> None:
        self.nom, self.date_effet = nom, date_effet
        super().__init__(f"{nom} : aucune valeur en vigueur le {date_effet:%d/%m/%Y}{detail}")


def _jour(v: Any) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(str(v))


def _convertir(v: Any, unite: str) -> Any:
    if isinstance(v, dict) and set(v) == {"ans", "mois"}:
        return Duree(int(v["ans"]), int(v["mois"]))
    if isinstance(v, list):
        return tuple(_convertir(x, unite) for x in v)
    if isinstance(v, dict):
        return {k: _convertir(x, unite) for k, x in v.items()}
    if unite == "date" and isinstance(v, str):
        return date.fromisoformat(v)
    return v


def _version(v: dict[str, Any], unite: str) -> Version:
    reference = Reference(str(v["reference"]["titre"]), str(v["reference"]["url"]))
    commun = {
        "date_effet": _jour(v["date_effet"]),
        "reference": reference,
        "verifie_le": _jour(v["verifie_le"]),
        "note": v.get("note"),
    }
    if "generations" in v:
        lignes = tuple(
            Ligne(_jour(l["nes_du"]), _jour(l["nes_au"]), _convertir(l["valeur"], unite)) for l in v["generations"]
        )
        return Version(**commun, lignes=lignes, axe="generations")
    if "annees" in v:
        lignes = tuple(Ligne(l["du"], l["au"], _convertir(l["valeur"], unite)) for l in v["annees"])
        return Version(**commun, lignes=lignes, axe="annees")
    return Version(**commun, valeur=_convertir(v["valeur"], unite))


@cache
def brut(nom: str) -> dict[str, Any]:
    """The file as written (for the provenance tests)."""
    return yaml.safe_load((DOSSIER / f"{nom}.yaml").read_text(encoding="utf-8"))


@cache
def parametre(nom: str) -> Parametre:
    contenu = brut(nom)
    unite = contenu["unite"]
    versions = tuple(sorted((_version(v, unite) for v in contenu["valeurs"]), key=lambda v: v.date_effet))

    def reponse(v: Version) -> Any:
        if v.lignes is None:
            return Valeur(nom, v.valeur, unite, v.date_effet, v.reference, v.note)
        return tuple(
            (l.debut, l.fin, Valeur(nom, l.valeur, unite, v.date_effet, v.reference, v.note)) for l in v.lignes
        )

    return Parametre(
        nom,
        contenu["description"],
        unite,
        versions,
        tuple(v.date_effet for v in versions),
        tuple(reponse(v) for v in versions),
    )


def noms() -> list[str]:
    return sorted(p.stem for p in DOSSIER.glob("*.yaml"))


def valeur(nom: str, date_effet: date) -> Valeur:
    """The simple value of ``nom`` in force on ``date_effet``."""
    p = parametre(nom)
    reponse = p.reponses[p.indice(date_effet)]
    if not isinstance(reponse, Valeur):
        raise TypeError(f"{nom} est une table : utilisez par_generation ou par_annee")
    return reponse


def valeurs_datees(nom: str) -> tuple[Version, ...]:
    """Every version of a simple parameter (for rules applied period by period, e.g. the surcote rate)."""
    return parametre(nom).versions


def _ligne(nom: str, cle: Any, date_effet: date, detail: str) -> Valeur:
    p = parametre(nom)
    lignes = p.reponses[p.indice(date_effet)]
    if isinstance(lignes, Valeur):
        raise TypeError(f"{nom} n'est pas une table")
    for debut, fin, v in lignes:
        if (debut is None or debut <= cle) and (fin is None or cle <= fin):
            return v
    raise ParametreNonCouvert(nom, date_effet, detail)


def par_generation(nom: str, date_de_naissance: date, date_effet: date) -> Valeur:
    """The row covering ``date_de_naissance`` in the version of table ``nom`` in force on ``date_effet``."""
    return _ligne(nom, date_de_naissance, date_effet, f" pour la génération née le {date_de_naissance:%d/%m/%Y}")


def par_annee(nom: str, annee: int, date_effet: date) -> Valeur:
    """The row covering ``annee`` in the version of table ``nom`` in force on ``date_effet``."""
    return _ligne(nom, annee, date_effet, f" pour l'année {annee}")
