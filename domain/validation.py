"""Validation-of-services deadlines (DESIGN §4.4): who may ask, until when, and what crosses Temporal."""

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from domain.cir import CENTIME, LigneCir, ValeursDuPoint, taux_moyen, traitement_d_un_point
from domain.processus import Intervention, Transition, VueDossier
from domain.regles import parametre
from domain.saisie import Saisie
from domain.taches import DelaisTache
from domain.texte import TexteLibre, TexteLibreMultiligne

MotifValidation = StrEnum("MotifValidation", "titularisation temps_non_complet")
EtatValidation = StrEnum(
    "EtatValidation",
    "ouverte instruction_employeur decision_superviseur acceptee rejetee forclose sans_decision incident annulee "
    "sans_objet",
)
# The states a dossier ends in.
ETATS_VALIDATION_TERMINES = frozenset({"acceptee", "rejetee", "forclose", "sans_decision", "annulee", "sans_objet"})
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


def _date(nom: str, le: date) -> tuple[date, str]:
    """A date parameter of ``validation`` and the title of its source."""
    valeur = parametre("validation", nom, le)
    return date.fromisoformat(valeur.valeur), valeur.reference_titre


def examen_validation(
    date_titularisation: date | None,
    temps_non_complet: bool,
    date_affiliation: date | None,
    le: date,
    date_notification_titularisation: date | None = None,
) -> Echeance | str:
    """The deadline of an agent's validation request, or the rule that excludes the agent (dated parameters).

    The 2-year window runs from the titularisation's notification (décret 2003-1306 art. 50-I); unknown, the
    titularisation's effect date stands in. The temps non complet window to 01/01/2017 is open only to an agent
    titularised by 01/01/2013 (décret 2010-1740 art. 8-2°) and affiliated by 01/01/2015."""
    candidates: list[Echeance] = []
    exclusions: list[str] = []
    if date_titularisation is None:
        exclusions.append("aucune titularisation connue : la validation de services ne vise que les fonctionnaires")
    else:
        au_plus_tard, source = _date("titularisation_au_plus_tard", le)
        if date_titularisation <= au_plus_tard:
            delai = parametre("validation", "delai_apres_titularisation", le)
            butoir, source_butoir = _date("demande_au_plus_tard_titularisation", le)
            depart = date_notification_titularisation or date_titularisation
            limite = min(_plus_mois(depart, delai.valeur), butoir)
            notification = (
                f"notifiée le {date_notification_titularisation:%d/%m/%Y}"
                if date_notification_titularisation
                else "date de notification inconnue : la date d'effet de la titularisation en tient lieu"
            )
            candidates.append(
                Echeance(
                    MotifValidation.titularisation,
                    limite,
                    f"titularisé au plus tard le {au_plus_tard:%d/%m/%Y} : demande dans les {delai.valeur} mois de "
                    f"la notification de la titularisation ({notification}) et au plus tard le {butoir:%d/%m/%Y} "
                    f"({delai.reference_titre} ; {source_butoir})",
                )
            )
        else:
            exclusions.append(
                f"titularisé le {date_titularisation:%d/%m/%Y}, après le {au_plus_tard:%d/%m/%Y} : la validation de "
                f"services n'est plus ouverte ({source})"
            )
    if temps_non_complet and date_affiliation is not None and date_titularisation is not None:
        titularise_au_plus_tard, source_titularisation = _date("titularisation_tnc_au_plus_tard", le)
        affilie_au_plus_tard, _ = _date("affiliation_tnc_au_plus_tard", le)
        butoir_tnc, source_tnc = _date("demande_au_plus_tard_tnc", le)
        if date_titularisation > titularise_au_plus_tard:
            exclusions.append(
                f"temps non complet titularisé le {date_titularisation:%d/%m/%Y}, après le "
                f"{titularise_au_plus_tard:%d/%m/%Y} : la dérogation jusqu'au {butoir_tnc:%d/%m/%Y} ne s'applique "
                f"pas ({source_titularisation})"
            )
        elif date_affiliation > affilie_au_plus_tard:
            exclusions.append(
                f"temps non complet affilié le {date_affiliation:%d/%m/%Y}, après le {affilie_au_plus_tard:%d/%m/%Y} : "
                f"la dérogation jusqu'au {butoir_tnc:%d/%m/%Y} ne s'applique pas ({source_tnc})"
            )
        else:
            candidates.append(
                Echeance(
                    MotifValidation.temps_non_complet,
                    butoir_tnc,
                    f"temps non complet titularisé au plus tard le {titularise_au_plus_tard:%d/%m/%Y} et affilié au "
                    f"plus tard le {affilie_au_plus_tard:%d/%m/%Y} : demande au plus tard le {butoir_tnc:%d/%m/%Y} "
                    f"({source_titularisation} ; {source_tnc})",
                )
            )
    if candidates:
        return max(candidates, key=lambda echeance: echeance.date_limite)
    return "Validation de services refusée : " + " ; ".join(exclusions) + "."


def echeance_validation(
    date_titularisation: date | None,
    temps_non_complet: bool,
    date_affiliation: date | None,
    le: date,
    date_notification_titularisation: date | None = None,
) -> Echeance | None:
    """The deadline of an agent's validation request, or ``None`` when not eligible (:func:`examen_validation`)."""
    examen = examen_validation(
        date_titularisation, temps_non_complet, date_affiliation, le, date_notification_titularisation
    )
    return examen if isinstance(examen, Echeance) else None


# --- the retroactive contributions owed (décret 2003-1306 art. 50-II) ---


@dataclass(frozen=True)
class _Point:
    date_effet: date
    valeur: Any


def _euros(montant: Decimal) -> str:
    return f"{montant.quantize(CENTIME, ROUND_HALF_UP)}"


def cotisations_retroactives(
    periodes: list[LigneCir], date_demande: date, valeurs_du_point: ValeursDuPoint
) -> dict[str, Any]:
    """The retroactive contributions owed for the certified periods: per period, the traitement of its certified
    indice majoré (× its quotité, pro rata of its days) at the value of the point, × the agent's retenue and the
    employer's contribution, at the rates (and point) in force on the date the parameter
    ``cotisations_retroactives_date_des_taux`` names. A period without a certified indice, or outside the known
    rates, has no amount (``incomplet``). Amounts as strings of euros (JSON)."""
    base = parametre("validation", "cotisations_retroactives_date_des_taux", date_demande)
    detail, part_agent, part_employeur, incomplet = [], Decimal(0), Decimal(0), False
    for ligne in periodes:
        montants: dict[str, Any] = {
            "debut": ligne.date_debut.isoformat(),
            "fin": ligne.date_fin.isoformat(),
            "indice_majore": ligne.indice_majore,
            "quotite": ligne.quotite,
            "assiette": None,
            "part_agent": None,
            "part_employeur": None,
        }
        detail.append(montants)
        if ligne.indice_majore is None:
            incomplet = True
            continue
        try:
            if base.valeur == "demande":
                en_vigueur = [v for v in valeurs_du_point if v.date_effet <= date_demande]
                if not en_vigueur:
                    raise LookupError(f"point_indice inconnu le {date_demande.isoformat()}")
                point: ValeursDuPoint = [_Point(date.min, en_vigueur[-1].valeur)]
                taux = {
                    nom: Decimal(str(parametre("cotisations", nom, date_demande).valeur))
                    for nom in ("taux_retenue_agent", "taux_contribution_employeur")
                }
            else:
                point = valeurs_du_point
                taux = {
                    nom: taux_moyen(nom, ligne.date_debut, ligne.date_fin)
                    for nom in ("taux_retenue_agent", "taux_contribution_employeur")
                }
            assiette = (
                ligne.indice_majore
                * traitement_d_un_point(ligne.date_debut, ligne.date_fin, point)
                * ligne.quotite
                / 100
            ).quantize(CENTIME, ROUND_HALF_UP)
        except LookupError:
            incomplet = True
            continue
        agent = (assiette * taux["taux_retenue_agent"] / 100).quantize(CENTIME, ROUND_HALF_UP)
        employeur = (assiette * taux["taux_contribution_employeur"] / 100).quantize(CENTIME, ROUND_HALF_UP)
        montants.update(assiette=_euros(assiette), part_agent=_euros(agent), part_employeur=_euros(employeur))
        part_agent += agent
        part_employeur += employeur
    return {
        "part_agent": _euros(part_agent),
        "part_employeur": _euros(part_employeur),
        "total": _euros(part_agent + part_employeur),
        "incomplet": incomplet,
        "date_des_taux": date_demande.isoformat() if base.valeur == "demande" else None,
        "regle": (
            "retenues et contributions aux taux, et traitement à la valeur du point, "
            + (
                f"en vigueur à la date de la demande ({date_demande:%d/%m/%Y})"
                if base.valeur == "demande"
                else "en vigueur pendant chaque période"
            )
            + f", sur l'indice certifié de chaque période ({base.reference_titre})"
        ),
        "periodes": detail,
    }


# --- what crosses Temporal ---


class PeriodeDeclaree(Saisie):
    """Une période de services de non-titulaire dont l'agent demande la validation, et où elle a été accomplie."""

    debut: date = Field(description="Premier jour de la période de services de non-titulaire")
    fin: date = Field(description="Dernier jour de la période de services de non-titulaire")
    siret_employeur: str | None = Field(
        default=None, pattern=r"^\d{14}$", description="SIRET de l'employeur où les services ont été accomplis"
    )

    @model_validator(mode="after")
    def _ordre(self) -> "PeriodeDeclaree":
        if self.fin < self.debut:
            raise ValueError("fin : la fin de la période précède son début ; saisissez une date de fin postérieure.")
        return self


class CorpsDemandeValidation(Saisie):
    """La demande de l'agent : les périodes à valider (facultatives : sinon, l'employeur les certifie toutes)."""

    periodes: list[PeriodeDeclaree] = Field(default_factory=list, max_length=60)


class DemandeRecueValidation(CorpsDemandeValidation):
    """Une demande faite hors du service (auprès de l'employeur, dossier papier), enregistrée par un superviseur
    avec la date à laquelle elle a réellement été faite et la référence de sa preuve."""

    date_demande: date = Field(description="Date à laquelle la demande a réellement été faite")
    preuve: TexteLibre = Field(min_length=1, max_length=200, description="Référence de la preuve de la demande")


class DemandeValidation(Intervention):
    """The agent asks the validation of their services (or a supervisor records a request made elsewhere: its
    real date and proof)."""

    periodes: list[PeriodeDeclaree] = Field(default_factory=list)
    date_demande: date | None = None  # None: today, in the service
    preuve: str = ""


@dataclass
class DelaisInstruction:
    """Once a request is received: the employers have ``certificats`` to send their certificates (then the dossier
    is decided on what came); the supervisors ``decision`` to decide (then it ends « sans décision »)."""

    certificats: timedelta = timedelta(days=180)
    decision: timedelta = timedelta(days=365)


@dataclass
class EcheanceValidationEntree:
    dossier_id: int
    affilie_id: int
    employeur_id: int | None
    date_limite: date
    regle: str
    rappels: list[timedelta]
    delais: DelaisTache
    instruction: DelaisInstruction = field(default_factory=DelaisInstruction)
    # A request made elsewhere, recorded by a supervisor once the deadline had closed the dossier: this run starts
    # with it, numbering its states after the ``sequence_initiale`` already written.
    demande: DemandeValidation | None = None
    sequence_initiale: int = 0


@dataclass
class CertificatsEmployeur:
    """The certificates one employer is asked for: the periods done there (empty: all the agent's)."""

    employeur_id: int
    periodes: list[dict[str, str]] = field(default_factory=list)


@dataclass
class PeriodesAValider:
    """Which employer certifies which declared period (activity input)."""

    dossier_id: int
    employeur_actuel_id: int | None
    periodes: list[PeriodeDeclaree]


@dataclass
class PeriodeCertifiee:
    """A CIR line an employer certified (``employeur_id``: which one)."""

    employeur_id: int | None
    ligne: LigneCir


@dataclass
class EnregistrementCertificats:
    """The certified periods held apart on the dossier, with the contributions they owe (activity input)."""

    dossier_id: int
    periodes: list[PeriodeCertifiee]
    date_demande: date


@dataclass
class ValidationDesPeriodes:
    """On acceptance: the certified periods written into the CIR as validated services, with the decision's
    state, in one transaction (activity input)."""

    dossier_id: int
    transition: Transition
    tache_id: int  # the decision task, closed with it


class DecisionValidation(Intervention):
    decision: Literal["acceptee", "rejetee"]
    motif: TexteLibreMultiligne = Field(default="", max_length=2000)


@dataclass(kw_only=True)
class VueValidation(VueDossier):
    etat: EtatValidation
