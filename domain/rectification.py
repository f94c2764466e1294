"""What crosses Temporal for a rectificative RIS/EIG request (DESIGN §4.3): ids and dates only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.processus import VueDossier
from domain.taches import DelaisTache

MENTION_RECLAMATION_EIG = "Dossier instruit dans le cadre d'une réclamation sur l'EIG"


# Who corrects the period (decided when the request is registered); stored values are the names.
Routage = StrEnum("Routage", "employeur_actuel employeur_precedent employeur_precedent_hors_systeme autre_regime")
EtatRectification = StrEnum(
    "EtatRectification",
    "enregistree transmission_ancien_employeur correction_employeur document_rectifie orientee_autre_regime incident "
    "annulee",
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


@dataclass(kw_only=True)
class VueRectification(VueDossier):
    etat: EtatRectification


@dataclass
class ProductionRectifie:
    rectification_id: int
    horodatage: datetime
