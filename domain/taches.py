"""Human tasks, shared by every process: an answer, and the activity inputs of a task's life (opening,
reminder and escalation, closing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field

from domain.cir import LigneCir
from domain.etats import Acteur, EtatTache, TypeTache
from domain.processus import Intervention, ReglesIncident, Transition
from domain.texte import TexteLibreMultiligne

ResultatRectification = Literal["corrigee", "aucune_erreur"]


@dataclass
class DelaisTache:
    """After ``relance`` an open task is reminded to its recipient; after ``escalade`` supervisors are told; after
    ``expiration`` it ends the process;
    ``incidents``: when a failing step of the process becomes an incident."""

    relance: timedelta
    escalade: timedelta
    incidents: ReglesIncident = field(default_factory=ReglesIncident)
    # After this (from the task's opening, past ``escalade``) a task nobody answered ends its process
    # (``MotifFin.tache_sans_reponse``); None: it waits without end (the input of a process started before).
    expiration: timedelta | None = None


class ReponseTache(Intervention):
    """An answer to a task (``POST /taches/{id}/completion``)."""

    tache_id: int = 0
    carriere_verifiee: bool = Field(description="L'employeur a vérifié la carrière CNRACL")
    indice_fin_de_carriere: int | None = Field(default=None, ge=100, le=1500)
    corrections: list[LigneCir] = Field(default_factory=list)
    commentaire: TexteLibreMultiligne = Field(default="", max_length=2000)
    # A rectification's correcting employer: the period corrected, or no error found (with its reason, ``motif``).
    # Answers recorded before these fields existed read as « corrigee ».
    resultat: ResultatRectification = "corrigee"
    motif: TexteLibreMultiligne = Field(default="", max_length=2000)


@dataclass
class NouvelleTache:
    cle: str
    type: TypeTache
    workflow_id: str
    affilie_id: int
    employeur_id: int | None
    destinataire: Acteur  # whose inbox: an employer's or the supervisors'
    echeance: datetime
    horodatage: datetime
    details: dict[str, Any] = field(default_factory=dict)
    demande_id: int | None = None  # the EIR request, for its documents and inbox links


@dataclass
class OuvertureTache:
    """A task created and the state that opens it written, in one transaction: the task row carries the
    transition's sequence, and the transition's projection the task's id."""

    tache: NouvelleTache
    transition: Transition


@dataclass
class MarquageTache:
    """A reminder or an escalation noted on an open task, with the state that records it."""

    tache_id: int
    horodatage: datetime
    transition: Transition
    relancee: bool = False
    escaladee: bool = False


@dataclass
class ClotureTache:
    """A task closed, and the state that follows, in one transaction: with ``reponse`` the answer is stored
    (CIR corrections written once) and the task done; without, the task takes ``etat`` (done, cancelled)."""

    tache_id: int
    horodatage: datetime
    transition: Transition
    reponse: ReponseTache | None = None
    etat: EtatTache = EtatTache.terminee
    autres: list[int] = field(default_factory=list)  # other open tasks of the process closed as ``etat`` too
    ecrire_cir: bool = True  # False: the answer's CIR lines stay with the task (a validation's certificates)
