"""What every process (EIR, rectification, validation) sends through Temporal about itself: its projection,
its transitions, its notifications, and what a person sends to it.

A process numbers the states it writes (``sequence``): the projection row and each task row keep the number of
the state they show, and a person's answer carries the number it read, so the process can tell an answer
sent a moment ahead of it (wait, then check) from an answer to a state that has passed (refuse).
"""

from __future__ import annotations

from dataclasses import Field, dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from pydantic import Field as Champ

from domain.etats import Acteur, TypeIncident
from domain.saisie import Saisie

# Which process, hence which projection table.
TypeProcessus = StrEnum("TypeProcessus", "eir rectification validation")


@dataclass(frozen=True)
class ReferenceProcessus:
    processus: TypeProcessus
    projection_id: int  # the id of the process's row in its projection table


@dataclass(frozen=True)
class Parties:
    """Who a process concerns: the agent, and the employer that answers its tasks (if any)."""

    affilie_id: int
    employeur_id: int | None


# Why a process ends before its main line's end, each a named outcome (its history event is ``fin_{name}``):
# its overall delay passed; an escalated task still unanswered at its expiry; the agent never validated the RIS;
# the agent retired or died (the affiliate's ``date_liquidation`` / ``date_de_deces``).
MotifFin = StrEnum("MotifFin", "delai_global tache_sans_reponse ris_sans_reponse retraite deces")


@dataclass(frozen=True)
class FinProcessus:
    """The cause that ends a process, and for a retirement or a death its date (as recorded)."""

    motif: MotifFin
    date_effet: date | None = None

    @property
    def evenement(self) -> str:
        return f"fin_{self.motif.value}"


def fin_par_situation(date_liquidation: date | None, date_de_deces: date | None) -> FinProcessus | None:
    """The end an agent's recorded situation gives every process of theirs: a death (first), or a retirement
    (the pension liquidated: information before retirement and corrections for it have no object any more, the
    pension's own file takes over). None: the agent is neither."""
    if date_de_deces is not None:
        return FinProcessus(MotifFin.deces, date_de_deces)
    if date_liquidation is not None:
        return FinProcessus(MotifFin.retraite, date_liquidation)
    return None


# The signal every process takes when the agent's situation ends it (sent by the service that records it).
SIGNAL_SITUATION = "situation_affilie"


# The type of the non-retryable ``ApplicationError`` an activity raises when the data break a rule or the
# calculation refuses its input: retrying cannot help, someone must correct the data (a business incident).
DONNEES_INVALIDES = "DonneesInvalides"
# The type of the non-retryable ``ApplicationError`` of a task's closing when its CIR corrections, accepted by the
# service's pre-check, break the CIR's invariants by the time they are written (the CIR changed meanwhile): the
# answer is refused to the person who sent it, the task stays open for another answer.
CORRECTIONS_REFUSEES = "CorrectionsRefusees"

# The steps that may fail, by activity name, as a supervisor reads them.
ETAPES: dict[str, str] = {
    "eir_calculer_bilan": "calcul du bilan personnalisé",
    "eir_publier_ris": "publication du relevé individuel de situation",
    "processus_notifier": "envoi d'un courriel",
    "rectification_produire_document": "production du document rectifié",
}


@dataclass
class ReglesIncident:
    """When a failing step becomes an incident (read from the settings when a process starts, passed in its
    input): ``tentatives``: attempts of a technical failure, with a bounded backoff, before it is one;
    ``reprise_automatique``: after this a technical incident is tried again on its own (as many attempts);
    ``delai_traitement``: the due date of the supervisors' incident task."""

    tentatives: int = 20
    reprise_automatique: timedelta = timedelta(minutes=30)
    delai_traitement: timedelta = timedelta(days=2)


@dataclass
class Incident:
    """Why a process stopped on a step: ``motif`` in French (what is wrong, who must act), since when, how many
    attempts so far; for a technical incident the last error; ``etape``: the step, as a supervisor reads it."""

    type: TypeIncident
    motif: str
    depuis: datetime
    tentatives: int
    etape: str
    derniere_erreur: str | None = None
    tache_id: int | None = None

    def en_dict(self) -> dict[str, Any]:
        return {
            "type": self.type.value,
            "motif": self.motif,
            "depuis": self.depuis.isoformat(),
            "tentatives": self.tentatives,
            "etape": self.etape,
            "derniere_erreur": self.derniere_erreur,
            "tache_id": self.tache_id,
        }


@dataclass
class Projection:
    """The columns of a projection row that a transition writes."""

    etat: str
    en_attente_de: Acteur | None = None
    echeance: datetime | None = None
    tache_id: int | None = None
    termine: bool = False
    etape: str | None = None  # EIR only
    phase: int | None = None  # EIR only
    incident: dict[str, Any] | None = None  # ``Incident.en_dict`` while the process is in incident


class Visible(Protocol):
    """What every process's state shows: its state, who must act next, by when, on which task."""

    @property
    def etat(self) -> StrEnum: ...

    @property
    def en_attente_de(self) -> Acteur | None: ...

    @property
    def echeance(self) -> datetime | None: ...

    @property
    def tache_id(self) -> int | None: ...

    @property
    def incident(self) -> Incident | None: ...


def projection_de(vue: Visible, termine: bool, etape: str | None = None, phase: int | None = None) -> Projection:
    incident = vue.incident.en_dict() if vue.incident is not None else None
    return Projection(vue.etat.value, vue.en_attente_de, vue.echeance, vue.tache_id, termine, etape, phase, incident)


class Vue(Protocol):
    """The business state a process's query answers with (one dataclass per process)."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def etat(self) -> StrEnum: ...

    en_attente_de: Acteur | None
    echeance: datetime | None
    tache_id: int | None
    incident: Incident | None

    def projection(self) -> Projection: ...


@dataclass(kw_only=True)
class VueDossier:
    """The state of a process without steps (rectification, validation): who must act, by when, on which
    task, and whether it has ended. Each process narrows ``etat`` to its own states."""

    etat: StrEnum
    en_attente_de: Acteur | None = None
    echeance: datetime | None = None
    tache_id: int | None = None
    termine: bool = False
    incident: Incident | None = None

    def projection(self) -> Projection:
        return projection_de(self, self.termine)


@dataclass(kw_only=True)
class EvenementTransition:
    """The history event every new state appends (of a process or of a campaign): which workflow, what
    happened, when, and who did it."""

    workflow_id: str
    evenement: str
    horodatage: datetime
    acteur: Acteur = Acteur.cnracl
    compte_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(kw_only=True)
class Transition(EvenementTransition):
    """A new state of a process: its projection row written and its history event appended, in one
    transaction; ``sequence`` is the process's number of that state."""

    reference: ReferenceProcessus
    sequence: int
    projection: Projection


@dataclass
class Notification:
    """One mail of one event to one recipient; ``cle`` makes it idempotent (see ``cle_notification``)."""

    cle: str
    reference: ReferenceProcessus
    evenement: str
    destinataire: Acteur
    horodatage: datetime
    employeur_id: int | None = None
    tache_id: int | None = None
    document_id: int | None = None


def cle_notification(workflow_id: str, evenement: str, destinataire: Acteur, tour: int) -> str:
    """The outbox key of a mail: process, event, recipient, round (a retried or replayed step mails once)."""
    return f"{workflow_id}:{evenement}:{destinataire.value}:{tour}"


class Intervention(Saisie):
    """What a person sends to a process (an update's input): who, and the state they answered."""

    compte_id: int = 0
    sequence: int | None = Champ(
        default=None,
        ge=0,
        description="La séquence de l'état lu (colonne « sequence » de la projection ou de la tâche)",
    )


class ActionSuperviseur(Intervention):
    """A supervisor's action on a process in incident: resume it (``motif``: why, for the history) or cancel
    it (``motif`` required)."""

    motif: str = Champ(default="", max_length=2000, description="La raison de l'action, gardée dans l'historique")
    correction_par: Acteur | None = Champ(
        default=None,
        description="Relance par la correction du CIR elle-même : qui l'a corrigé (employeur ou superviseur)",
    )
