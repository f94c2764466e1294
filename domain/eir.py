"""What crosses Temporal for the EIR: the workflow input, its updates, its state, activity inputs.

Only opaque ids travel through Temporal: names, NIR and addresses stay in the database and are
read by activities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from domain.cir import LigneCir
from domain.etats import Acteur, EtapeEir, EtatEir, EtatTache, TypeTache


@dataclass
class DelaisEir:
    notification_employeur: timedelta
    relance_employeur: timedelta
    escalade_superviseur: timedelta
    enquete: timedelta
    reponse_enquete: timedelta


# The EIR code a process is started with. 1: processes started before 04/12/2026, which decide each later change
# of the code by a patch marker (``workflow.patched``) recorded in their history. 2: every change of those
# patches taken from the start, no marker asked: each first ``patched()`` adds a marker and an upsert of the
# search attribute ``TemporalChangeVersion`` (three in the workflow task of the employer's answer, measured:
# 4 to 5 ms of the Temporal server's processor per answer).
VERSION_EIR = 2


@dataclass
class DemandeEir:
    """The workflow input, fixed when the request is registered."""

    demande_id: int
    date_demande: date
    delais: DelaisEir
    version: int = 1  # absent from the input of processes started before version 2


# --- updates (one model in each) ---


class ReponseTache(BaseModel):
    """An employer's answer to a task (``POST /taches/{id}/completion``)."""

    model_config = ConfigDict(extra="forbid")

    tache_id: int = 0
    compte_id: int = 0
    carriere_verifiee: bool = Field(description="L'employeur a vérifié la carrière CNRACL")
    indice_fin_de_carriere: int | None = Field(default=None, ge=100, le=1500)
    corrections: list[LigneCir] = Field(default_factory=list)
    commentaire: str = Field(default="", max_length=2000)


class ActionAffilie(BaseModel):
    model_config = ConfigDict(extra="forbid")
    compte_id: int = 0


class PeriodeASignaler(BaseModel):
    model_config = ConfigDict(extra="forbid")
    annee: int = Field(ge=1940, le=2100)
    commentaire: str = Field(min_length=1, max_length=1000)


class DemandeConsolidation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    compte_id: int = 0
    periodes: list[PeriodeASignaler] = Field(min_length=1)


class ReponsesEnquete(BaseModel):
    """The 5-question closure survey: each answer from 1 (pas du tout satisfait) to 5."""

    model_config = ConfigDict(extra="forbid")
    compte_id: int = 0
    reponses: list[Annotated[int, Field(ge=1, le=5)]] = Field(min_length=5, max_length=5)
    commentaire: str = Field(default="", max_length=2000)


# --- state ---


@dataclass
class VueEir:
    """The business state: what the query answers and what the projection stores."""

    etape: EtapeEir
    etat: EtatEir
    phase: int | None = None
    en_attente_de: Acteur | None = None
    echeance: datetime | None = None
    tache_id: int | None = None


# --- activity inputs ---


@dataclass
class Transition:
    demande_id: int
    workflow_id: str
    vue: VueEir
    evenement: str
    horodatage: datetime
    acteur: Acteur = Acteur.cnracl
    compte_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class NotificationEir:
    """One mail of one event; ``cle`` makes it idempotent (process, step, recipient, round)."""

    cle: str
    demande_id: int
    evenement: str
    destinataire: Acteur
    horodatage: datetime
    tache_id: int | None = None
    document_id: int | None = None


@dataclass
class NouvelleTache:
    cle: str
    demande_id: int
    workflow_id: str
    type: TypeTache
    echeance: datetime
    horodatage: datetime
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class MarquageTache:
    tache_id: int
    etat: EtatTache | None
    horodatage: datetime
    relancee: bool = False
    escaladee: bool = False


@dataclass
class CompletionTache:
    demande_id: int
    reponse: ReponseTache
    horodatage: datetime


@dataclass
class ProductionDocument:
    cle: str
    demande_id: int
    horodatage: datetime


@dataclass
class TerminaisonTache:
    """The employer's answer stored, then the state that follows it: one transaction, one local activity."""

    completion: CompletionTache
    transition: Transition


@dataclass
class PublicationRis:
    """A RIS produced, then mailed to the agent (``avis``: its notification, without the document's number);
    ``transition``: the state the request is in once the mail has left (« RIS disponible »), written with it."""

    production: ProductionDocument
    avis: NotificationEir
    transition: Transition | None = None


@dataclass
class EnregistrementEnquete:
    demande_id: int
    reponses: ReponsesEnquete
    horodatage: datetime
