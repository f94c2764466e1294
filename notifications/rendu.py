"""Mail content: one template folder per event (sujet.txt, corps.txt, corps.html), in French."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.montants import euros, montant_fr

DOSSIER = Path(__file__).resolve().parent / "templates"
PARIS = ZoneInfo("Europe/Paris")
_MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass(frozen=True)
class MessageRendu:
    sujet: str
    texte: str
    html: str


def date_fr(valeur: date | datetime | str | None) -> str:
    """``12 mars 2026`` (dates and times shown in Paris time)."""
    if valeur is None:
        return ""
    if isinstance(valeur, str):
        valeur = datetime.fromisoformat(valeur) if "T" in valeur else date.fromisoformat(valeur)
    if isinstance(valeur, datetime):
        if valeur.tzinfo is not None:
            valeur = valeur.astimezone(PARIS)
        valeur = valeur.date()
    premier = "1er" if valeur.day == 1 else str(valeur.day)
    return f"{premier} {_MOIS[valeur.month - 1]} {valeur.year}"


def date_heure_fr(valeur: datetime | str | None) -> str:
    """``12 mars 2026 à 14 h 05`` (Paris time)."""
    if valeur is None:
        return ""
    if isinstance(valeur, str):
        valeur = datetime.fromisoformat(valeur)
    if valeur.tzinfo is not None:
        valeur = valeur.astimezone(PARIS)
    return f"{date_fr(valeur)} à {valeur.hour} h {valeur.minute:02d}"


def accord(nombre: int, singulier: str, pluriel: str | None = None) -> str:
    """``1 tâche``, ``3 tâches``, ``0 tâche`` (in French the singular goes up to one); ``pluriel`` for a plural
    that is not the singular plus « s » (« comptes individuels retraite »)."""
    mots = singulier if abs(nombre) < 2 else (pluriel or f"{singulier}s")
    return f"{nombre:,}".replace(",", "\u202f") + f" {mots}"


_VOYELLES = frozenset("aàâäeéèêëiîïoôöuùûüyAÀÂÄEÉÈÊËIÎÏOÔÖUÙÛÜY")


def de(mot: object) -> str:
    """« de » before ``mot``, elided before a vowel: « d'EIG », « de RIS », « d'Inès », « de Camille ». An ``h``
    is left alone: whether it is mute depends on the word, and « de » before it is never a misspelling of a code."""
    texte = str(mot)
    return f"d'{texte}" if texte[:1] in _VOYELLES else f"de {texte}"


FILTRES: dict[str, Callable[..., str]] = {
    filtre.__name__: filtre for filtre in (date_fr, montant_fr, euros, accord, de)
}
"""The French formatting filters of every template, mails and pages alike."""


class Gabarits:
    def __init__(self, dossier: Path = DOSSIER) -> None:
        self._env = Environment(
            loader=FileSystemLoader(dossier),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters.update(FILTRES)
        self._dossier = dossier

    def evenements(self) -> list[str]:
        return sorted(p.name for p in self._dossier.iterdir() if p.is_dir() and not p.name.startswith("_"))

    def rendre(self, evenement: str, contexte: dict[str, Any]) -> MessageRendu:
        def un(nom: str) -> str:
            return self._env.get_template(f"{evenement}/{nom}").render(**contexte)

        return MessageRendu(
            sujet=" ".join(un("sujet.txt").split()), texte=un("corps.txt").strip() + "\n", html=un("corps.html")
        )
