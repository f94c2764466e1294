"""The annual DAI campaign (DESIGN §4.2): cohorts, calendar, and what crosses Temporal.

Campaign year N (launch in July N) and sending year N+1 (documents from September to December
N+1) are both explicit. Only ids and counts cross Temporal: names, NIR and addresses stay in the
database and are read by activities.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.processus import EvenementTransition
from domain.regles import parametre

PARIS = ZoneInfo("Europe/Paris")
TYPE_TACHE_CAMPAGNE = "maj_cir_campagne"
SCHEDULE_CAMPAGNE = "campagne-dai-annuelle"
# The collector's batch of the cohorts' former affiliates (no longer with a CNRACL employer): the collector composes
# their inter-scheme documents from every scheme's data, the CNRACL's included. Batches of employers are numbered
# from 0.
LOT_ANCIENS_AFFILIES = -1


def id_workflow_campagne(annee: int, simulation: bool = False) -> str:
    return f"campagne-dai-{annee}-simulation" if simulation else f"campagne-dai-{annee}"


# The outbox keys of the mails announcing a campaign document to its agent (each mail once): the document of a
# cohort, and a re-sent version (named by the document it replaces). A bounce finds its agent back through them.
_CLE_MAIL_DOCUMENT = re.compile(r"(?P<campagne>.+):document:(?P<cohorte>\w+):affilie-(?P<affilie>\d+)")
_CLE_MAIL_RENVOI = re.compile(r"(?P<campagne>.+):renvoi:document-(?P<document>\d+)")


def cle_mail_document(workflow_id: str, cohorte: str, affilie_id: int) -> str:
    return f"{workflow_id}:document:{cohorte}:affilie-{affilie_id}"


def cle_mail_renvoi(workflow_id: str, document_remplace_id: int) -> str:
    return f"{workflow_id}:renvoi:document-{document_remplace_id}"


@dataclass(frozen=True)
class MailDAgent:
    """What an agent's campaign mail announced: a cohort's document (``cohorte``, ``affilie_id``), or a re-sent
    version (``document_remplace_id``)."""

    cohorte: str | None = None
    affilie_id: int | None = None
    document_remplace_id: int | None = None


def mail_d_agent(workflow_id: str, cle: str) -> MailDAgent | None:
    """The agent's mail of campaign ``workflow_id`` behind an outbox key; ``None`` for another mail (an employer's,
    another campaign's)."""
    if (document := _CLE_MAIL_DOCUMENT.fullmatch(cle)) and document["campagne"] == workflow_id:
        return MailDAgent(cohorte=document["cohorte"], affilie_id=int(document["affilie"]))
    if (renvoi := _CLE_MAIL_RENVOI.fullmatch(cle)) and renvoi["campagne"] == workflow_id:
        return MailDAgent(document_remplace_id=int(renvoi["document"]))
    return None


# The outbox keys of the campaign's mails to an employer, each once per employer: the launch (``lancement``), each
# reminder (``rappel-{rang}``), the reminder before its own deadline (``rappel-delai-{jour}``), the one after the
# cut-off (``relance-apres-limite``). A bounce finds its employer back through them.
_CLE_MAIL_EMPLOYEUR = re.compile(r"(?P<campagne>.+):(?P<envoi>[\w-]+):employeur-(?P<employeur>\d+)")


def cle_mail_employeur(workflow_id: str, envoi: str, employeur_id: int) -> str:
    return f"{workflow_id}:{envoi}:employeur-{employeur_id}"


def mail_d_employeur(workflow_id: str, cle: str) -> int | None:
    """The employer a mail of campaign ``workflow_id`` was sent to, from its outbox key; ``None`` for another mail (an
    agent's, the supervisors', another campaign's)."""
    if (employeur := _CLE_MAIL_EMPLOYEUR.fullmatch(cle)) and employeur["campagne"] == workflow_id:
        return int(employeur["employeur"])
    return None


# Stored values (a member's value is its name, as in ``domain.etats``): tests/domain/test_campagne.py pins them.
Cohorte = StrEnum("Cohorte", "ris eig information_generale")
# The campaign's steps, in calendar order.
EtapeCampagne = StrEnum(
    "EtapeCampagne",
    "planifiee selection mise_a_jour_employeurs transmission attente_envoi envoi_documents terminee simulee",
)
# Where one agent of a cohort stands; ``anomalie``: the calculation refused the case (listed for supervisors, no
# document); ``exclu_*``: no longer eligible when the document was due (see ``motif_exclusion``), with the reason.
# ``hors_delai``: the sending reached its legal end (``Calendrier.limite_envoi``) before the agent's document went out.
EtatCible = StrEnum(
    "EtatCible",
    "selectionne document_produit document_annonce anomalie exclu_deces exclu_retraite exclu_radiation exclu_decision "
    "hors_delai",
)
# How an affiliate receives the campaign's documents (``affilie.canal``): by mail (the document in their space, a
# mail announcing it), or on paper at their postal address (« adresse personnelle », REGLES §15).
Canal = StrEnum("Canal", "email papier")
# How one campaign document reached its agent (``campagne_cible.livraison``): ``courriel`` the mail server accepted
# the announcement; ``papier`` in the tranche's print batch (paper chosen, or no email address);
# ``papier_apres_refus`` the mail was refused (a permanent refusal, or temporary ones past their bound): the agent
# is switched to paper and the document is in the print batch; ``papier_apres_rebond`` the server accepted the mail,
# which came back later (a delivery status notification, ``domain.campagne_rebonds``): the same switch, the document
# in the print batch of the next tranche; ``sans_adresse`` due on paper but no postal address known (an incident for
# the supervisors).
Livraison = StrEnum("Livraison", "courriel papier papier_apres_refus papier_apres_rebond sans_adresse")
LIVRAISONS_PAPIER = (Livraison.papier, Livraison.papier_apres_refus, Livraison.papier_apres_rebond)
# A campaign manager's decision on who is in the campaign (``campagne_perimetre``): an exclusion (lifted or not) or
# an addition the selection missed; of an agent, or of an employer (its agents).
DecisionPerimetre = StrEnum("DecisionPerimetre", "exclusion ajout")
TypePerimetre = StrEnum("TypePerimetre", "agent employeur")
# What a batch child workflow does for its employers.
TravailLot = StrEnum("TravailLot", "notification rappel transmission documents")


# --- cohorts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cohortes:
    """Who receives what, for one campaign: ages reached in the sending year, and the newcomers."""

    annee_campagne: int
    annee_envoi: int
    ages_ris: tuple[int, ...]
    ages_eig: tuple[int, ...]
    trimestres_information_generale: int
    annee_cir_complete: int  # the CIR must hold this year (with its index) for the agent's documents

    def naissances(self, cohorte: Cohorte) -> dict[int, int]:
        """Birth year → age reached in the sending year."""
        ages = self.ages_ris if cohorte is Cohorte.ris else self.ages_eig
        return {self.annee_envoi - age: age for age in ages}


def cohortes(annee_campagne: int) -> Cohortes:
    """The cohorts of campaign N, from the dated parameters in force on its launch day."""
    le = date(annee_campagne, 7, 1)
    premiere = parametre("campagne", "age_premiere_eig", le).valeur
    pas = parametre("campagne", "periodicite_eig", le).valeur
    derniere = parametre("campagne", "age_derniere_eig", le).valeur
    return Cohortes(
        annee_campagne=annee_campagne,
        annee_envoi=annee_campagne + 1,
        ages_ris=tuple(parametre("campagne", "ages_ris", le).valeur),
        ages_eig=tuple(range(premiere, derniere + 1, pas)),
        trimestres_information_generale=parametre("campagne", "trimestres_information_generale", le).valeur,
        annee_cir_complete=annee_campagne - parametre("campagne", "decalage_annee_cir_complete", le).valeur,
    )


def delai_premiere_validation(trimestres: int, jours_par_trimestre: int) -> timedelta:
    """From the first day of service to the day its first ``trimestres`` are validated (that day included): how the
    CNRACL dates its own first validation from the affiliation date, for the « information générale »."""
    return timedelta(days=trimestres * jours_par_trimestre - 1)


# --- eligibility --------------------------------------------------------------------------------

# Why an agent selected for a document no longer gets it (REGLES §15: eligibility must hold when the document is
# produced: not deceased, not retired, still in the scheme); ``decision``: the campaign's manager excluded the agent
# or his employer (``campagne_perimetre``).
MotifExclusion = StrEnum("MotifExclusion", "deces retraite radiation decision")
# The affiliate's field that carries each dated reason, in order of precedence (a deceased agent is counted as such
# even if also struck off). Selection filters on these same fields in SQL (persistence.depots_campagne).
CHAMPS_EXCLUSION: dict[MotifExclusion, str] = {
    MotifExclusion.deces: "date_de_deces",
    MotifExclusion.retraite: "date_liquidation",
    MotifExclusion.radiation: "date_radiation",
}


def motif_exclusion(
    dates: Mapping[str, date | None], le: date, exclu_par_decision: bool = False
) -> MotifExclusion | None:
    """Why the agent whose status ``dates`` are given (by field name) gets no campaign document on day ``le``, or
    None if eligible. A date on or before ``le`` excludes: the pension starts, the death or the leaving happened;
    so does a manager's exclusion in force (``exclu_par_decision``), the agent's own or his employer's."""
    for motif, champ in CHAMPS_EXCLUSION.items():
        quand = dates.get(champ)
        if quand is not None and quand <= le:
            return motif
    return MotifExclusion.decision if exclu_par_decision else None


def etat_exclusion(motif: MotifExclusion) -> EtatCible:
    return EtatCible[f"exclu_{motif.value}"]


# --- calendar ----------------------------------------------------------------------------------


@dataclass
class Calendrier:
    """Every date of one campaign, computed once when it starts (UTC instants for the timers, each computed on the
    Paris wall clock: a delay of days from a July 08:00 falls at 08:00 in winter too)."""

    lancement: datetime
    rappels: list[datetime]
    date_limite: datetime
    transmission: datetime
    debut_envoi: datetime
    fin_envoi: datetime
    intervalle_envoi: timedelta
    fin_legale: datetime | None = None  # no document from this instant on; by default the end of ``fin_envoi``'s day
    # The late employers' reminder after the cut-off (before the transmission); None: a calendar without it.
    relance_retardataires: datetime | None = None

    def limite_envoi(self) -> datetime:
        """The legal end of the sending (31 December N+1): midnight in Paris after the window's last day, unless
        set. A tranche delayed past it (a long pause, an outage) is not sent."""
        if self.fin_legale is not None:
            return self.fin_legale
        lendemain = self.fin_envoi.astimezone(PARIS).date() + timedelta(days=1)
        return datetime.combine(lendemain, time(0, 0), tzinfo=PARIS).astimezone(UTC)

    def tranches(self) -> list[datetime]:
        """The instants at which a share of the documents goes out, across the sending window."""
        instants: list[datetime] = []
        t = self.debut_envoi
        while t <= self.fin_envoi or not instants:
            instants.append(t)
            t = decaler(self.debut_envoi, self.intervalle_envoi * len(instants))
        return instants


def decaler(instant: datetime, delai: timedelta) -> datetime:
    """``instant`` moved by ``delai`` on the Paris calendar, as a UTC instant: whole days keep the Paris hour across
    a change of summer/winter time; the rest (hours, minutes) is elapsed time."""
    signe = -1 if delai < timedelta(0) else 1
    jours = timedelta(days=abs(delai).days)
    local = instant.astimezone(PARIS).replace(tzinfo=None) + signe * jours  # wall-clock days, then that day's zone
    return local.replace(tzinfo=PARIS).astimezone(UTC) + signe * (abs(delai) - jours)


def _jour(annee: int, mois_jour: str, heure: time = time(8, 0)) -> datetime:
    mois, jour = (int(x) for x in mois_jour.split("-"))
    return datetime.combine(date(annee, mois, jour), heure, tzinfo=PARIS).astimezone(UTC)


def calendrier_campagne(
    annee_campagne: int,
    delai_mise_a_jour: timedelta,
    rappels_avant_limite: list[timedelta],
    delai_transmission: timedelta,
    intervalle_envoi: timedelta,
    relance_apres_limite: timedelta | None = None,
) -> Calendrier:
    """The calendar of campaign N: launch and sending window from the parameters, delays from the settings."""
    le = date(annee_campagne, 7, 1)
    lancement = _jour(annee_campagne, parametre("campagne", "lancement", le).valeur)
    limite = decaler(lancement, delai_mise_a_jour)
    rappels = (decaler(limite, -r) for r in rappels_avant_limite)
    return Calendrier(
        lancement=lancement,
        rappels=sorted(r for r in rappels if r > lancement),
        date_limite=limite,
        transmission=decaler(limite, delai_transmission),
        debut_envoi=_jour(annee_campagne + 1, parametre("campagne", "debut_envoi", le).valeur),
        fin_envoi=_jour(annee_campagne + 1, parametre("campagne", "fin_envoi", le).valeur, time(18, 0)),
        intervalle_envoi=intervalle_envoi,
        relance_retardataires=None if relance_apres_limite is None else decaler(limite, relance_apres_limite),
    )


# --- workflow input, state, activities ----------------------------------------------------------


@dataclass
class ReglagesCampagne:
    taille_lot_employeurs: int = 500  # employers per batch child workflow
    lots_en_parallele: int = 2  # batch children running at once
    taille_paquet: int = 500  # agents per activity call inside a batch
    seuil_historique: int = 3000  # continue-as-new beyond this many events


@dataclass
class Compteurs:
    agents: dict[str, int] = field(default_factory=dict)  # by cohort
    a_mettre_a_jour: int = 0
    employeurs: int = 0
    employeurs_notifies: int = 0
    taches: int = 0
    rappels: int = 0
    employeurs_en_retard: int = 0
    exports: int = 0
    lignes_exportees: int = 0
    documents: int = 0
    mails_agents: int = 0
    anomalies: int = 0
    plis_papier: int = 0
    incidents: int = 0  # recipients refused past their bound, batches the collector did not take
    relances_apres_limite: int = 0  # late employers reminded after the cut-off (each once)
    non_atteints: int = 0  # agents left without their document when the sending reached its legal end

    def livraisons(self) -> Livraisons:
        return Livraisons(self.mails_agents, self.plis_papier)

    def recompter(self, livraisons: Livraisons) -> None:
        self.mails_agents, self.plis_papier = livraisons.mails_agents, livraisons.plis_papier

    def ajouter(self, bilan: BilanLot) -> None:
        self.employeurs_notifies += bilan.employeurs_notifies
        self.taches += bilan.taches
        self.rappels += bilan.rappels
        self.exports += bilan.exports
        self.lignes_exportees += bilan.lignes_exportees
        self.documents += bilan.documents
        self.mails_agents += bilan.mails_agents
        self.anomalies += bilan.anomalies
        self.plis_papier += bilan.plis_papier
        self.incidents += bilan.incidents


@dataclass
class Avancement:
    """What a campaign carries across continue-as-new."""

    campagne_id: int
    lots: list[int]
    faits: list[str] = field(default_factory=list)  # keys of the steps already done
    compteurs: Compteurs = field(default_factory=Compteurs)
    en_pause: bool = False


@dataclass
class DemandeCampagne:
    annee: int
    calendrier: Calendrier
    reglages: ReglagesCampagne = field(default_factory=ReglagesCampagne)
    simulation: bool = False
    avancement: Avancement | None = None

    @property
    def annee_envoi(self) -> int:
        return self.annee + 1


@dataclass
class LancementAnnuel:
    """The Schedule's input: the campaign year is the year of the launch (Europe/Paris)."""

    delai_mise_a_jour: timedelta
    rappels_avant_limite: list[timedelta]
    delai_transmission: timedelta
    intervalle_envoi: timedelta
    reglages: ReglagesCampagne = field(default_factory=ReglagesCampagne)
    annee: int = 0  # set by the launcher from its start date
    relance_apres_limite: timedelta | None = None  # the late employers' reminder, this long after the cut-off

    def calendrier(self) -> Calendrier:
        return calendrier_campagne(
            self.annee,
            self.delai_mise_a_jour,
            self.rappels_avant_limite,
            self.delai_transmission,
            self.intervalle_envoi,
            self.relance_apres_limite,
        )


@dataclass
class VueCampagne:
    annee: int
    annee_envoi: int
    simulation: bool
    etape: EtapeCampagne
    en_pause: bool
    prochaine_echeance: datetime | None
    compteurs: Compteurs
    nb_lots: int = 0


@dataclass
class ActionSuperviseur:
    compte_id: int = 0
    motif: str = ""


@dataclass
class OuvertureCampagne:
    workflow_id: str
    annee: int
    simulation: bool
    calendrier: Calendrier
    horodatage: datetime


@dataclass
class Selection:
    campagne_id: int
    annee: int
    taille_lot_employeurs: int
    nb_tranches: int
    echeance_taches: datetime
    horodatage: datetime
    nouveaux_affilies: bool = False  # the newcomers of year N, selected once year N is closed


@dataclass
class ResultatSelection:
    lots: list[int]
    agents: dict[str, int]
    a_mettre_a_jour: int
    employeurs: int


@dataclass(kw_only=True)
class TransitionCampagne(EvenementTransition):
    """A new state of a campaign: its row written and its history event appended, in one transaction."""

    campagne_id: int
    etape: EtapeCampagne
    en_pause: bool
    prochaine_echeance: datetime | None
    compteurs: Compteurs


@dataclass
class TacheLot:
    """The input of a batch child workflow, and of each of its activity calls."""

    campagne_id: int
    workflow_campagne: str
    annee: int
    lot: int
    travail: TravailLot
    rang: int  # the reminder's or the tranche's number
    taille_paquet: int
    horodatage: datetime
    echeance: datetime | None = None
    apres_id: int = 0  # resume point inside the batch (continue-as-new, next packet)
    bilan: BilanLot | None = None
    seuil_historique: int = 2000
    limite_envoi: datetime | None = None  # documents: none sent from this instant on (the legal end)
    hors_delai: bool = False  # this packet comes at or after ``limite_envoi``: it sends nothing, it counts the batch


@dataclass
class BilanLot:
    employeurs_notifies: int = 0
    taches: int = 0
    rappels: int = 0
    exports: int = 0
    lignes_exportees: int = 0
    documents: int = 0
    mails_agents: int = 0
    anomalies: int = 0
    dernier_id: int = 0  # the last agent (or employer) handled in this packet
    termine: bool = True
    plis_papier: int = 0
    incidents: int = 0

    def plus(self, autre: BilanLot) -> BilanLot:
        return BilanLot(
            self.employeurs_notifies + autre.employeurs_notifies,
            self.taches + autre.taches,
            self.rappels + autre.rappels,
            self.exports + autre.exports,
            self.lignes_exportees + autre.lignes_exportees,
            self.documents + autre.documents,
            self.mails_agents + autre.mails_agents,
            self.anomalies + autre.anomalies,
            autre.dernier_id,
            autre.termine,
            self.plis_papier + autre.plis_papier,
            self.incidents + autre.incidents,
        )


@dataclass
class Cloture:
    campagne_id: int
    workflow_id: str
    annee: int
    horodatage: datetime


@dataclass
class ClotureEnvoi:
    """The sending stopped at its legal end ``limite``: the agents still without their document are counted."""

    campagne_id: int
    annee: int
    limite: datetime
    horodatage: datetime


@dataclass
class LivraisonsModifiees:
    """Signal to a campaign: documents it already sent changed their way to the agent outside its steps (a mail came
    back, ``domain.campagne_rebonds``); it counts its mails and letters again from the tables."""

    processus_id: str  # the process that changed them (its own history says which and why)


@dataclass
class ComptageLivraisons:
    campagne_id: int


@dataclass
class Livraisons:
    """How a campaign's documents reached their agents, counted in the tables (``Compteurs.mails_agents`` and
    ``plis_papier``): by mail, on paper."""

    mails_agents: int
    plis_papier: int


@dataclass
class Previsionnel:
    """The dry run's report: who would receive what, and the load week by week."""

    campagne_id: int
    calendrier: Calendrier
    horodatage: datetime
