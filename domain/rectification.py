"""A rectificative RIS/EIG request (DESIGN §4.3): what crosses Temporal (ids and dates only), and the pure rules of
who may correct the disputed period, what that employer sees and what it may write."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from domain.erreurs import ErreurChamp, Refus
from domain.processus import VueDossier
from domain.taches import DelaisTache, ResultatRectification

MENTION_RECLAMATION_EIG = "Dossier instruit dans le cadre d'une réclamation sur l'EIG"


# Who corrects the period (decided when the request is registered); stored values are the names.
Routage = StrEnum("Routage", "employeur_actuel employeur_precedent employeur_precedent_hors_systeme autre_regime")
EtatRectification = StrEnum(
    "EtatRectification",
    "enregistree transmission_ancien_employeur correction_employeur document_rectifie orientee_autre_regime incident "
    "annulee aucune_erreur_constatee expiree sans_objet retiree",
)
ETATS_RECTIFICATION_TERMINES = frozenset(
    {
        EtatRectification.document_rectifie,
        EtatRectification.orientee_autre_regime,
        EtatRectification.annulee,
        EtatRectification.aucune_erreur_constatee,
        EtatRectification.expiree,
        EtatRectification.sans_objet,
        EtatRectification.retiree,
    }
)


@dataclass
class DemandeRectification:
    """The workflow input; the routing was decided (and stored) when the request was registered."""

    rectification_id: int
    routage: Routage
    reclamation_eig: bool
    employeur_actuel_id: int | None
    employeur_precedent_id: int | None
    delais: DelaisTache
    # The process's overall delay (``CNRACL_RECTIFICATION_DELAI_GLOBAL``); None: a process started before it.
    delai_global: timedelta | None = None
    # Every former employer of the disputed period in the CIR, the one covering most of it first (one task each);
    # empty in the input of a process started before: ``employeur_precedent_id`` alone.
    employeurs_precedents: list[int] = field(default_factory=list)

    @property
    def anciens_employeurs(self) -> list[int]:
        if self.employeurs_precedents:
            return list(self.employeurs_precedents)
        return [] if self.employeur_precedent_id is None else [self.employeur_precedent_id]


@dataclass(kw_only=True)
class VueRectification(VueDossier):
    etat: EtatRectification


@dataclass
class ProductionRectifie:
    """The document answering the request: the rectified RIS/EIG with the lines changed (« corrigée »), or the
    document as it stands with the employers' reasons (« aucune erreur constatée »)."""

    rectification_id: int
    horodatage: datetime
    resultat: ResultatRectification = "corrigee"


# --- who corrects the disputed period, and what it may see and write ---


class _Periode(Protocol):
    date_debut: date
    date_fin: date


def chevauche(ligne: _Periode, debut: date, fin: date) -> bool:
    """The line has at least one day within ``debut``–``fin``."""
    return ligne.date_debut <= fin and ligne.date_fin >= debut


def refus_employeur_de_la_periode(
    employeur_id: int,
    employeur_actuel_id: int | None,
    employeurs_de_la_periode: Collection[int],
    employeurs_de_la_carriere: Collection[int],
    debut: date,
    fin: date,
) -> Refus | None:
    """Why the employer the agent names (by SIRET, known to the service) may not correct ``debut``–``fin``
    (None: it may). A task gives its employer the agent's identity and CIR, and its completion writes CIR lines, so
    the agent's word alone does not open them to any employer:

    - the agent's current employer may: it already sees the whole CIR as the agent's employer;
    - when the CIR has lines overlapping the period, only their employers may: the CIR already says who declared
      the period, and that employer holds the data (a line wrongly attributed is corrected by whoever declared it);
    - when the CIR has no line in the period (a missing period, the usual reason for a rectification), the period
      cannot vouch for anyone: the employer must appear on some other line of the agent's CIR, which proves it
      employed the agent as a CNRACL employer. A former employer the CIR never shows goes through the current
      employer (or, outside the service, through the « hors système » route), never through a task of its own.
    """
    if employeur_id == employeur_actuel_id:
        return None
    if employeurs_de_la_periode:
        if employeur_id in employeurs_de_la_periode:
            return None
        return Refus(
            "siret_employeur : cet employeur n'apparaît pas dans votre carrière pour cette période "
            f"(du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}) : votre compte individuel retraite la rattache à un autre employeur, "
            "seul à pouvoir la corriger. Indiquez le SIRET de cet employeur, ou laissez le champ vide ; si une "
            "partie de la période manque à votre compte, faites pour cette partie une demande distincte.",
            "siret_employeur",
            "employeur_de_la_periode",
        )
    if employeur_id in employeurs_de_la_carriere:
        return None
    return Refus(
        "siret_employeur : cet employeur n'apparaît pas dans votre carrière pour cette période "
        f"(du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}), ni sur aucune autre période de votre compte individuel retraite : il "
        "ne peut pas recevoir votre demande. Indiquez le SIRET de votre employeur actuel, qui obtiendra les "
        "informations de l'ancien employeur, ou celui d'un employeur public qui figure dans votre carrière.",
        "siret_employeur",
        "employeur_de_la_periode",
    )


def refus_correction_hors_periode(corrections: Sequence[_Periode], debut: date, fin: date) -> Refus | None:
    """Why an employer that is not the agent's current one may not write these CIR lines (None: it may). Its task is
    about the disputed period ``debut``–``fin`` alone: every line it writes lies within it."""
    for rang, ligne in enumerate(corrections):
        if ligne.date_debut < debut or ligne.date_fin > fin:
            message = (
                f"corrections : la période du {ligne.date_debut:%d/%m/%Y} au {ligne.date_fin:%d/%m/%Y} sort de la période "
                f"contestée par l'agent (du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}). Un ancien employeur ne corrige que cette "
                "période : saisissez des dates comprises entre ces deux jours."
            )
            champ = f"corrections.{rang}.date_debut" if ligne.date_debut < debut else f"corrections.{rang}.date_fin"
            return Refus(
                message,
                erreurs=[ErreurChamp(champ, "periode_contestee", message.removeprefix("corrections : "))],
            )
    return None


class _LigneDEmployeur(_Periode, Protocol):
    employeur_id: int | None


def employeurs_de_la_periode(lignes: Sequence[_LigneDEmployeur], debut: date, fin: date) -> list[int]:
    """The employers of the CIR lines overlapping ``debut``–``fin``, the one covering most of its days first (the
    latest one on a tie): each declared part of the period and holds its data."""
    jours: dict[int, tuple[int, date]] = {}
    for ligne in lignes:
        if ligne.employeur_id is None or not chevauche(ligne, debut, fin):
            continue
        couverts = (min(ligne.date_fin, fin) - max(ligne.date_debut, debut)).days + 1
        avant, dernier = jours.get(ligne.employeur_id, (0, ligne.date_debut))
        jours[ligne.employeur_id] = (avant + couverts, max(dernier, ligne.date_debut))
    return sorted(jours, key=lambda employeur_id: jours[employeur_id], reverse=True)


def employeur_de_la_periode(lignes: Sequence[_LigneDEmployeur], debut: date, fin: date) -> int | None:
    """The employer of the CIR lines overlapping ``debut``–``fin`` that covers most of its days (the latest one on a
    tie): the one that declared the period holds its data. None: no line of an employer in the period."""
    employeurs = employeurs_de_la_periode(lignes, debut, fin)
    return employeurs[0] if employeurs else None


def refus_resultat(
    resultat: ResultatRectification,
    motif: str,
    corrections: Sequence[_Periode],
    carriere_verifiee: bool,
    debut: date,
    fin: date,
) -> Refus | None:
    """Why the correcting employer's answer does not hold together (None: it does). « Corrigée » tells the agent the
    period was corrected: at least one line written within the disputed period, or the CIR explicitly verified.
    « Aucune erreur » tells the agent why: its reason is required, and it writes no line."""
    if resultat == "aucune_erreur":
        if not motif.strip():
            return Refus(
                "motif : indiquez pourquoi aucune erreur n'a été constatée ; ce motif est envoyé à l'agent.",
                "motif",
                "obligatoire",
            )
        if corrections:
            return Refus(
                "corrections : une réponse « aucune erreur constatée » ne modifie pas le compte individuel "
                "retraite. Retirez les lignes saisies, ou répondez « période corrigée ».",
                "corrections",
                "aucune_erreur_sans_correction",
            )
        return None
    if carriere_verifiee or any(chevauche(ligne, debut, fin) for ligne in corrections):
        return None
    return Refus(
        f"corrections : pour répondre « période corrigée », corrigez au moins une ligne de la période contestée "
        f"(du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}) ou cochez « J'ai vérifié la carrière CNRACL de l'agent » ; si la "
        "période est juste, répondez « aucune erreur constatée » avec son motif.",
        "corrections",
        "correction_de_la_periode",
    )
