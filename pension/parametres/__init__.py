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
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

DOSSIER = Path(__file__).resolve().parent
MEMOIRE = 1 << 16  # answers kept per memoised lookup or rule: bounded in a long-running worker


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


@dataclass(frozen=True, slots=True, eq=False)
class Valeur:
    """A value in force, with what a reader needs to check it. Compared and hashed by identity: each version (or
    row of a table) has one ``Valeur``, a key for the rules memoised on the parameters in force."""

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
        indice = bisect_right(self.dates, date_effet)
        if indice == 0:
            raise ParametreNonCouvert(self.nom, date_effet)
        return indice - 1

    def en_vigueur(self, date_effet: date) -> Version:
        return self.versions[self.indice(date_effet)]


class ParametreNonCouvert(LookupError):
    """No version of a parameter applies on that date (or no row for that generation/year)."""

    def __init__(self, nom: str, date_effet: date, detail: str = "") -> None:
        self.nom, self.date_effet = nom, date_effet
        super().__init__(f"{nom} : aucune valeur en vigueur le {date_effet:%d/%m/%Y}{detail}")


def _jour(brute: Any) -> date | None:
    if brute is None or isinstance(brute, date):
        return brute
    return date.fromisoformat(str(brute))


def _convertir(brute: Any, unite: str) -> Any:
    if isinstance(brute, dict) and set(brute) == {"ans", "mois"}:
        return Duree(int(brute["ans"]), int(brute["mois"]))
    if isinstance(brute, list):
        return tuple(_convertir(element, unite) for element in brute)
    if isinstance(brute, dict):
        return {cle: _convertir(element, unite) for cle, element in brute.items()}
    if unite == "date" and isinstance(brute, str):
        return date.fromisoformat(brute)
    return brute


def _date_obligatoire(brute: Any) -> date:
    jour = _jour(brute)
    if jour is None:
        raise ValueError(f"date manquante dans un fichier de paramètres : {brute!r}")
    return jour


def _version(ecrite: dict[str, Any], unite: str) -> Version:
    reference = Reference(str(ecrite["reference"]["titre"]), str(ecrite["reference"]["url"]))
    date_effet, verifie_le = _date_obligatoire(ecrite["date_effet"]), _date_obligatoire(ecrite["verifie_le"])
    note = ecrite.get("note")
    if "generations" in ecrite:
        lignes = tuple(
            Ligne(_jour(rang["nes_du"]), _jour(rang["nes_au"]), _convertir(rang["valeur"], unite))
            for rang in ecrite["generations"]
        )
        return Version(date_effet, reference, verifie_le, note, lignes=lignes, axe="generations")
    if "annees" in ecrite:
        lignes = tuple(Ligne(rang["du"], rang["au"], _convertir(rang["valeur"], unite)) for rang in ecrite["annees"])
        return Version(date_effet, reference, verifie_le, note, lignes=lignes, axe="annees")
    return Version(date_effet, reference, verifie_le, note, valeur=_convertir(ecrite["valeur"], unite))


# yaml.safe_load's loader, with libyaml's parser when PyYAML was built with it (the same data, read 8x faster: every
# process reads all the files at its first lookup).
_LECTEUR = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def brut(nom: str) -> dict[str, Any]:
    """The file as written (for the provenance tests)."""
    contenu: dict[str, Any] = yaml.load((DOSSIER / f"{nom}.yaml").read_text(encoding="utf-8"), Loader=_LECTEUR)
    return contenu


@cache
def parametre(nom: str) -> Parametre:
    contenu = brut(nom)
    unite = contenu["unite"]
    versions = tuple(
        sorted((_version(ecrite, unite) for ecrite in contenu["valeurs"]), key=lambda version: version.date_effet)
    )

    def reponse(version: Version) -> Any:
        if version.lignes is None:
            return Valeur(nom, version.valeur, unite, version.date_effet, version.reference, version.note)
        return tuple(
            (rang.debut, rang.fin, Valeur(nom, rang.valeur, unite, version.date_effet, version.reference, version.note))
            for rang in version.lignes
        )

    return Parametre(
        nom,
        contenu["description"],
        unite,
        versions,
        tuple(version.date_effet for version in versions),
        tuple(reponse(version) for version in versions),
    )


def noms() -> list[str]:
    return sorted(fichier.stem for fichier in DOSSIER.glob("*.yaml"))


@cache
def _bornes() -> tuple[date, ...]:
    """Every date on which a version of some parameter takes effect: between two of them nothing changes."""
    return tuple(sorted({jour for nom in noms() for jour in parametre(nom).dates}))


@cache
def _reponse(nom: str, epoque: int) -> Any:
    """The answer of ``nom`` in force in an epoch (an interval between two ``_bornes``), ``None`` if none is."""
    if epoque == 0:
        return None
    table = parametre(nom)
    indice = bisect_right(table.dates, _bornes()[epoque - 1])
    return table.reponses[indice - 1] if indice else None


@lru_cache(maxsize=MEMOIRE)
def epoque(date_effet: date) -> int:
    """The interval between two dates of effect that holds ``date_effet``: on two days of the same epoch, every
    parameter has the same value (a key for what the rules memoise)."""
    return bisect_right(_bornes(), date_effet)


@cache
def _bornes_de(noms: tuple[str, ...]) -> tuple[date, ...]:
    return tuple(sorted({jour for nom in noms for jour in parametre(nom).dates}))


def epoque_de(noms: tuple[str, ...], date_effet: date) -> int:
    """``epoque`` counted on the dates of effect of ``noms`` only: on two days of the same one, these parameters have
    the same value (a coarser key for what a rule reading only them memoises)."""
    return bisect_right(_bornes_de(noms), date_effet)


@cache
def _simple(nom: str, epoque: int) -> Valeur | None:
    """The simple value of ``nom`` in an epoch, ``None`` if none is in force (checked once per name and epoch)."""
    reponse = _reponse(nom, epoque)
    if reponse is not None and not isinstance(reponse, Valeur):
        raise TypeError(f"{nom} est une table : utilisez par_generation ou par_annee")
    return reponse


def valeur_eventuelle(nom: str, date_effet: date) -> Valeur | None:
    """The simple value of ``nom`` in force on ``date_effet``, or ``None`` before its first version (a rule that
    did not exist yet)."""
    return _simple(nom, epoque(date_effet))


# Not memoised per (name, day): the day's epoch and the name's answer in it are, and a memo entry per name and day
# would be missed on every new day and traversed by each full garbage collection of a large batch.
def valeur(nom: str, date_effet: date) -> Valeur:
    """The simple value of ``nom`` in force on ``date_effet``."""
    reponse = _simple(nom, epoque(date_effet))
    if reponse is None:
        raise ParametreNonCouvert(nom, date_effet)
    return reponse


def valeurs_datees(nom: str) -> tuple[Version, ...]:
    """Every version of a simple parameter (for rules applied period by period, e.g. the surcote rate)."""
    return parametre(nom).versions


@dataclass(frozen=True, slots=True)
class _Table:
    """A table's rows in force in an epoch, sorted by their first key, for a bisection (the rows are contiguous
    and do not overlap: ``test_parametres``)."""

    debuts: tuple[Any, ...]  # the first key of each row after the first (the first row may be open)
    rangs: tuple[tuple[Any, Any, Valeur], ...]


@cache
def _table(nom: str, epoque: int) -> _Table | None:
    lignes = _reponse(nom, epoque)
    if lignes is None:
        return None
    if isinstance(lignes, Valeur):
        raise TypeError(f"{nom} n'est pas une table")
    rangs = tuple(sorted(lignes, key=lambda rang: (rang[0] is not None, rang[0] or 0)))
    return _Table(tuple(rang[0] for rang in rangs[1:]), rangs)


def _rang(table: _Table, cle: Any) -> Valeur | None:
    """The row covering ``cle`` (not memoised per key: a key per birth date would be a memo entry per case)."""
    debut, fin, rang = table.rangs[bisect_right(table.debuts, cle)]
    if (debut is None or debut <= cle) and (fin is None or cle <= fin):
        valeur_du_rang: Valeur = rang
        return valeur_du_rang
    return None


def _ligne(nom: str, cle: date | int, date_effet: date) -> Valeur:
    table = _table(nom, epoque(date_effet))
    if table is None:
        raise ParametreNonCouvert(nom, date_effet)
    rang = _rang(table, cle)
    if rang is None:
        detail = f" pour la génération née le {cle:%d/%m/%Y}" if isinstance(cle, date) else f" pour l'année {cle}"
        raise ParametreNonCouvert(nom, date_effet, detail)
    return rang


def par_generation(nom: str, date_de_naissance: date, date_effet: date) -> Valeur:
    """The row covering ``date_de_naissance`` in the version of table ``nom`` in force on ``date_effet``."""
    return _ligne(nom, date_de_naissance, date_effet)


def par_annee(nom: str, annee: int, date_effet: date) -> Valeur:
    """The row covering ``annee`` in the version of table ``nom`` in force on ``date_effet``."""
    return _ligne(nom, annee, date_effet)
