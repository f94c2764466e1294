"""What every process (EIR, rectification, validation) sends through Temporal about itself: its projection,
its transitions, its notifications, and what a person sends to it.

A process numbers the states it writes (``sequence``): the projection row and each task row keep the number of
the state they show, and a person's answer carries the number it read, so the process can tell an answer
sent a moment ahead of it (wait, then check) from an answer to a state that has passed (refuse).
"""

from __future__ import annotations

from dataclasses import Field, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict
from pydantic import Field as Champ

from domain.etats import Acteur

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


def projection_de(vue: Visible, termine: bool, etape: str | None = None, phase: int | None = None) -> Projection:
    return Projection(vue.etat.value, vue.en_attente_de, vue.echeance, vue.tache_id, termine, etape, phase)


class Vue(Protocol):
    """The business state a process's query answers with (one dataclass per process)."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]
    en_attente_de: Acteur | None
    echeance: datetime | None
    tache_id: int | None

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


class Intervention(BaseModel):
    """What a person sends to a process (an update's input): who, and the state they answered."""

    model_config = ConfigDict(extra="forbid")

    compte_id: int = 0
    sequence: int | None = Champ(
        default=None,
        ge=0,
        description="La séquence de l'état lu (colonne « sequence » de la projection ou de la tâche)",
    )
