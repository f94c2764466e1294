"""A CIR line (compte individuel retraite): one period of one calendar year with one employer."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class NatureService(StrEnum):
    titulaire = "titulaire"
    stagiaire = "stagiaire"
    non_titulaire_valide = "non_titulaire_valide"
    disponibilite = "disponibilite"
    conge_parental = "conge_parental"
    detachement = "detachement"


class LigneCir(BaseModel):
    """Administrative and contribution data of one period, saved together (seed 000)."""

    model_config = ConfigDict(extra="forbid")

    date_debut: date = Field(description="Premier jour de la période")
    date_fin: date = Field(description="Dernier jour de la période, dans la même année civile")
    quotite: int = Field(default=100, ge=1, le=100, description="Quotité de travail en %")
    nature: NatureService = NatureService.titulaire
    categorie: str = Field(default="sedentaire", pattern="^(sedentaire|active)$")
    indice_majore: int | None = Field(default=None, ge=100, le=1500)
    siret_employeur: str | None = Field(default=None, description="SIRET de l'employeur de la période")

    @model_validator(mode="after")
    def _une_annee_civile(self) -> "LigneCir":
        if self.date_fin < self.date_debut:
            raise ValueError(
                "date_fin : la fin de la période précède son début ; saisissez une date de fin "
                "postérieure ou égale à la date de début."
            )
        if self.date_fin.year != self.date_debut.year:
            raise ValueError(
                "date_fin : une ligne du CIR porte sur une seule année civile "
                f"({self.date_debut.year}) ; saisissez une ligne par année."
            )
        return self

    @property
    def annee(self) -> int:
        return self.date_debut.year
