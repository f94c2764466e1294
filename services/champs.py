"""The identifiers the use cases receive, checked and normalised once: a NIR or a SIRET in error is refused with
the rule it breaks, in French; a valid one is stored without spaces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, field_validator

from domain.identifiants import erreur_nir, erreur_siret, normaliser
from domain.saisie import Saisie


def _identifiant(erreur_de: Callable[[str], str | None]) -> Callable[[str], str]:
    def valider(valeur: str) -> str:
        if (erreur := erreur_de(valeur)) is not None:
            raise ValueError(erreur)
        return normaliser(valeur)

    return valider


Nir = Annotated[str, AfterValidator(_identifiant(erreur_nir))]
Siret = Annotated[str, AfterValidator(_identifiant(erreur_siret))]


class MotifAnnulation(Saisie):
    """L'annulation d'un processus (EIR, rectification) par un superviseur : pourquoi, conservé dans
    l'historique."""

    ANNULE: ClassVar[str] = "la demande est annulée"  # what the refusal of an empty reason says is cancelled

    motif: str = Field(max_length=2000, description="Pourquoi annuler (gardé dans l'historique)")

    @field_validator("motif")
    @classmethod
    def _non_vide(cls, motif: str) -> str:
        if not motif.strip():
            raise ValueError(f"indiquez pourquoi {cls.ANNULE} ; la raison est gardée dans l'historique")
        return motif.strip()
