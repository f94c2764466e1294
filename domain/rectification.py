"""What crosses Temporal for a rectificative RIS/EIG request (DESIGN §4.3): ids and dates only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from domain.etats import Acteur


class Routage(StrEnum):
    employeur_actuel = "employeur_actuel"
    employeur_precedent = "employeur_precedent"
    employeur_precedent_hors_systeme = "employeur_precedent_hors_systeme"
    autre_regime = "autre_regime"


class EtatRectification(StrEnum):
    enregistree = "enregistree"
    transmission_ancien_employeur = "transmission_ancien_employeur"
    correction_employeur = "correction_employeur"
    document_rectifie = "document_rectifie"
    orientee_autre_regime = "orientee_autre_regime"


@dataclass
class DelaisTache:
    relance: timedelta
    escalade: timedelta


@dataclass
class DemandeRectification:
    """The workflow input; the routing was decided (and stored) when the request was registered."""

    rectification_id: int
    routage: Routage
    reclamation_eig: bool
    employeur_actuel_id: int | None
    employeur_precedent_id: int | None
    delais: DelaisTache


@dataclass
class VueRectification:
    etat: EtatRectification
    en_attente_de: Acteur | None = None
    echeance: datetime | None = None
    tache_id: int | None = None
    termine: bool = False


@dataclass
class TransitionRectification:
    rectification_id: int
    workflow_id: str
    vue: VueRectification
    evenement: str
    horodatage: datetime
    acteur: Acteur = Acteur.cnracl
    compte_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class TacheRectification:
    cle: str
    rectification_id: int
    workflow_id: str
    type: str
    employeur_id: int
    echeance: datetime
    horodatage: datetime


@dataclass
class NotificationRectification:
    cle: str
    rectification_id: int
    evenement: str
    destinataire: Acteur
    horodatage: datetime
    tache_id: int | None = None
    employeur_id: int | None = None


@dataclass
class ProductionRectifie:
    rectification_id: int
    horodatage: datetime
