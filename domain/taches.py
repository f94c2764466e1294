"""Human tasks shared by every process: creation, marking, completion (activity inputs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.eir import ReponseTache
from domain.etats import TypeTache


@dataclass
class NouvelleTacheProcessus:
    cle: str
    type: TypeTache
    workflow_id: str
    affilie_id: int
    employeur_id: int | None
    destinataire: str  # "employeur" or "superviseur"
    echeance: datetime
    horodatage: datetime
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class CompletionTacheProcessus:
    """An answer to store: the task closed, its CIR corrections written (once)."""

    workflow_id: str
    affilie_id: int
    employeur_id: int | None
    reponse: ReponseTache
    horodatage: datetime
