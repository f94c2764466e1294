"""The calculation contract (DESIGN §5): a case in, a result out, a clear French error otherwise."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class ErreurCas(ValueError):
    """Bad input: ``erreurs`` lists ``{champ, regle, message}`` in French."""

    def __init__(self, erreurs: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['champ']} : {e['message']}" for e in erreurs))
        self.erreurs = erreurs

    @classmethod
    def depuis_validation(cls, erreur: ValidationError) -> "ErreurCas":
        messages = {
            "missing": "champ obligatoire",
            "extra_forbidden": "champ inconnu : retirez-le",
            "date_from_datetime_parsing": "date attendue au format AAAA-MM-JJ",
            "date_parsing": "date attendue au format AAAA-MM-JJ",
            "literal_error": "valeur inconnue",
            "int_parsing": "nombre entier attendu",
            "float_parsing": "nombre attendu",
            "greater_than_equal": "la valeur ne peut pas être négative",
        }
        erreurs = []
        for e in erreur.errors():
            champ = ".".join(str(p) for p in e["loc"] if p != "__root__") or "cas"
            if e["type"] == "value_error":
                message = str(e.get("ctx", {}).get("error", e["msg"])).removeprefix("Value error, ")
            elif e["type"] == "literal_error":
                message = f"valeur inconnue ; valeurs possibles : {e.get('ctx', {}).get('expected', '')}"
            else:
                message = messages.get(e["type"], e["msg"])
            if champ == "cas" and " : " in message:  # a rule on the whole case names its field first
                champ, message = message.split(" : ", 1)
            erreurs.append({"champ": champ, "regle": e["type"], "message": message})
        return cls(erreurs)


class Periode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    debut: date
    fin: date
    quotite: float = Field(default=100, gt=0, le=100, description="Quotité de travail en %")
    nature: str = "titulaire"

    @model_validator(mode="after")
    def _ordre(self) -> "Periode":
        if self.fin < self.debut:
            raise ValueError("la fin de la période précède son début")
        return self


class Enfant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date_de_naissance: date
    interruption_activite: bool = False


class CasPension(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date_de_naissance: date
    date_de_liquidation: date | None = None
    categorie: Literal["sedentaire", "active"] = "sedentaire"
    trimestres_services: int | None = Field(default=None, ge=0)
    duree_services_jours: int | None = Field(default=None, ge=0)
    periodes: list[Periode] | None = None
    trimestres_bonifications: int = Field(default=0, ge=0)
    duree_assurance_autres_regimes: int = Field(default=0, ge=0)
    duree_assurance_tous_regimes: int | None = Field(default=None, ge=0)
    indice_majore: int | None = Field(default=None, ge=1)
    traitement_indiciaire_brut_annuel: float | None = Field(default=None, gt=0)
    nombre_enfants: int | None = Field(default=None, ge=0)
    enfants: list[Enfant] = Field(default_factory=list)
    invalidite: bool = False
    handicap: bool = False

    @model_validator(mode="after")
    def _coherence(self) -> "CasPension":
        if self.date_de_liquidation is not None and self.date_de_liquidation <= self.date_de_naissance:
            raise ValueError("date_de_liquidation : la liquidation ne peut précéder la naissance")
        if self.indice_majore is None and self.traitement_indiciaire_brut_annuel is None:
            raise ValueError("indice_majore : indiquez l'indice majoré ou le traitement indiciaire brut annuel")
        if self.trimestres_services is None and self.duree_services_jours is None and self.periodes is None:
            raise ValueError("periodes : indiquez les services (periodes, trimestres_services ou duree_services_jours)")
        return self

    @property
    def enfants_eleves(self) -> int:
        return self.nombre_enfants if self.nombre_enfants is not None else len(self.enfants)


class Age(BaseModel):
    ans: int
    mois: int

    def __str__(self) -> str:
        return f"{self.ans} ans" + (f" {self.mois} mois" if self.mois else "")


class Regle(BaseModel):
    regle: str
    libelle: str
    valeur: Any
    reference: dict[str, str]


class ResultatPension(BaseModel):
    date_de_liquidation: date
    date_ouverture_droits: date
    age_ouverture_droits: Age
    age_annulation_decote: Age
    limite_age: Age
    trimestres_requis: int
    trimestres_services: int
    trimestres_liquidables: int
    duree_assurance_tous_regimes: int
    taux_de_liquidation: float
    decote_trimestres: int
    taux_decote: float
    surcote_trimestres: int
    taux_surcote: float
    coefficient: float
    traitement_de_reference_annuel: float
    pension_avant_minimum: float
    minimum_garanti: float | None
    minimum_garanti_applique: bool
    majoration_enfants: float
    pension_brute_annuelle: float
    pension_brute_mensuelle: float
    explication: list[Regle]


class PointEstimation(BaseModel):
    libelle: str
    age: Age
    date_de_liquidation: date
    trimestres_liquidables: int
    taux_de_liquidation: float
    coefficient: float
    pension_brute_annuelle: float
    pension_brute_mensuelle: float


class Estimation(BaseModel):
    hypothese: str
    points: list[PointEstimation]
