"""Validation-of-services deadlines (DESIGN §4.4): who may ask, until when, and what crosses Temporal."""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from domain.processus import Intervention, VueDossier
from domain.regles import parametre
from domain.taches import DelaisTache
from domain.texte import TexteLibreMultiligne

MotifValidation = StrEnum("MotifValidation", "titularisation temps_non_complet")
EtatValidation = StrEnum(
    "EtatValidation", "ouverte instruction_employeur decision_superviseur acceptee rejetee forclose incident annulee"
)
DECISIONS_VALIDATION = frozenset({EtatValidation.acceptee.value, EtatValidation.rejetee.value})
EVENEMENT_DEMANDE_VALIDATION = "demande_recue"  # the agent's request received: the dossier notes its date


@dataclass(frozen=True)
class Echeance:
    motif: MotifValidation
    date_limite: date  # last day a request is received
    regle: str  # the rule that sets the deadline, with its source


PARIS = ZoneInfo("Europe/Paris")


def fin_du_delai(date_limite: date) -> datetime:
    """Midnight (Paris time) after the last day a request is received."""
    return datetime.combine(date_limite + timedelta(days=1), time(0), tzinfo=PARIS)


def _plus_mois(jour: date, mois: int) -> date:
    annees, mois_de_l_annee = divmod(jour.month - 1 + mois, 12)
    annee, numero_du_mois = jour.year + annees, mois_de_l_annee + 1
    return date(annee, numero_du_mois, min(jour.day, monthrange(annee, numero_du_mois)[1]))


def echeance_validation(
    date_titularisation: date | None, temps_non_complet: bool, date_affiliation: date | None, le: date
) -> Echeance | None:
    """The deadline of an agent's validation request, or ``None`` when not eligible (dated parameters)."""
    candidates: list[Echeance] = []
    if date_titularisation is not None:
        au_plus_tard = parametre("validation", "titularisation_au_plus_tard", le)
        if date_titularisation <= date.fromisoformat(au_plus_tard.valeur):
            delai = parametre("validation", "delai_apres_titularisation", le)
            butoir = parametre("validation", "demande_au_plus_tard_titularisation", le)
            limite = min(_plus_mois(date_titularisation, delai.valeur), date.fromisoformat(butoir.valeur))
            candidates.append(
                Echeance(
                    MotifValidation.titularisation,
                    limite,
                    f"titularisé au plus tard le {date.fromisoformat(au_plus_tard.valeur):%d/%m/%Y} : demande dans les "
                    f"{delai.valeur} mois de la titularisation et au plus tard le "
                    f"{date.fromisoformat(butoir.valeur):%d/%m/%Y} ({delai.reference_titre} ; {butoir.reference_titre})",
                )
            )
    if temps_non_complet and date_affiliation is not None:
        au_plus_tard = parametre("validation", "affiliation_tnc_au_plus_tard", le)
        if date_affiliation <= date.fromisoformat(au_plus_tard.valeur):
            butoir = parametre("validation", "demande_au_plus_tard_tnc", le)
            candidates.append(
                Echeance(
                    MotifValidation.temps_non_complet,
                    date.fromisoformat(butoir.valeur),
                    f"temps non complet affilié au plus tard le {date.fromisoformat(au_plus_tard.valeur):%d/%m/%Y} : "
                    f"demande au plus tard le {date.fromisoformat(butoir.valeur):%d/%m/%Y} ({butoir.reference_titre})",
                )
            )
    return max(candidates, key=lambda echeance: echeance.date_limite) if candidates else None


@dataclass
class EcheanceValidationEntree:
    dossier_id: int
    affilie_id: int
    employeur_id: int | None
    date_limite: date
    regle: str
    rappels: list[timedelta]
    delais: DelaisTache


class DemandeValidation(Intervention):
    """The agent asks the validation of their services."""


class DecisionValidation(Intervention):
    decision: Literal["acceptee", "rejetee"]
    motif: TexteLibreMultiligne = Field(default="", max_length=2000)


@dataclass(kw_only=True)
class VueValidation(VueDossier):
    etat: EtatValidation
