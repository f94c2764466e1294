"""What crosses Temporal for the EIR: the workflow input, its updates, its state, activity inputs.

Only opaque ids travel through Temporal: names, NIR and addresses stay in the database and are
read by activities.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Protocol

from pydantic import Field

from domain.etats import ETATS_EIR_TERMINES, Acteur, EtapeEir, EtatEir
from domain.processus import Incident, Intervention, Notification, Projection, ReglesIncident, Transition, projection_de
from domain.regles import parametre
from domain.saisie import Saisie
from domain.taches import DelaisTache
from domain.texte import TexteLibreMultiligne


@dataclass
class DelaisEir:
    notification_employeur: timedelta
    relance_employeur: timedelta
    escalade_superviseur: timedelta
    enquete: timedelta
    reponse_enquete: timedelta
    incidents: ReglesIncident = field(default_factory=ReglesIncident)
    # None in the input of a process started before these existed: no such end.
    delai_global: timedelta | None = None  # registration to bilan
    validation_ris: timedelta | None = None  # the agent's answer to a RIS (phase 2)
    expiration_tache: timedelta | None = None  # an employer's task, from its opening

    @property
    def taches(self) -> DelaisTache:
        return DelaisTache(
            relance=self.relance_employeur,
            escalade=self.escalade_superviseur,
            incidents=self.incidents,
            expiration=self.expiration_tache,
        )


@dataclass
class DemandeEir:
    """The workflow input, fixed when the request is registered."""

    demande_id: int
    date_demande: date
    delais: DelaisEir


# --- the employer the request goes to ---


class PeriodeCir(Protocol):
    """What :func:`employeur_de_l_eir` reads of a CIR line."""

    @property
    def employeur_id(self) -> int | None: ...
    @property
    def date_debut(self) -> date: ...
    @property
    def date_fin(self) -> date: ...


def employeur_de_l_eir(employeur_actuel: int | None, lignes: Iterable[PeriodeCir]) -> int | None:
    """The employer who verifies the career (DESIGN §4.1, phase 1: « your current employer, or the last CNRACL
    one »): the current one; else the employer of the CIR's latest period (by its end, then its start), every CIR
    line being a CNRACL period. None: neither is known."""
    if employeur_actuel is not None:
        return employeur_actuel
    periodes = [ligne for ligne in lignes if ligne.employeur_id is not None]
    if not periodes:
        return None
    return max(periodes, key=lambda ligne: (ligne.date_fin, ligne.date_debut)).employeur_id


# --- the agent's other schemes (phase 2 covers every mandatory scheme, CSS L161-17) ---

# Where a duration in another scheme comes from: the agent in phase 2, or the inter-scheme career data.
SOURCE_AFFILIE = "affilie"
SOURCE_INTER_REGIMES = "inter_regimes"


class DureeAutreRegimeLue(Protocol):
    """What :func:`autres_regimes` reads of a stored duration."""

    @property
    def regime(self) -> str: ...
    @property
    def trimestres(self) -> int: ...
    @property
    def source(self) -> str: ...


# The scheme is a key of ``regimes.yaml``.
class DureeDeclaree(Saisie):
    """L'un des autres régimes de l'agent, tel qu'il le saisit en phase 2 : le régime (sa clé, par exemple
    ``regime_general`` ou ``msa``) et les trimestres que montre son relevé."""

    regime: str = Field(min_length=1, max_length=40)
    trimestres: int = Field(ge=0, le=200)


def regimes_de_base(le: date) -> list[str]:
    """The schemes whose trimestres count in the durée d'assurance (``regimes.yaml``), in their order."""
    return list(parametre("regimes", "regimes_de_base", le).valeur)


def autres_regimes(durees: Iterable[DureeAutreRegimeLue], le: date) -> list[dict[str, object]]:
    """The agent's durations in the other schemes as the RIS and the bilan show them, one per scheme: the agent's own
    entry of phase 2 where there is one (the agent checked the other schemes' statements), else the inter-scheme
    data. Each with the scheme's name, its trimestres and where they come from."""
    noms = parametre("regimes", "regimes", le).valeur
    retenues: dict[str, DureeAutreRegimeLue] = {}
    for duree in durees:
        if duree.regime not in retenues or duree.source == SOURCE_AFFILIE:
            retenues[duree.regime] = duree
    return [
        {
            "regime": regime,
            "nom": noms[regime]["nom"] if regime in noms else regime,
            "trimestres": retenues[regime].trimestres,
            "source": retenues[regime].source,
        }
        for regime in regimes_de_base(le)
        if regime in retenues
    ]


def duree_assurance_autres_regimes(lignes: Iterable[dict[str, object]]) -> int:
    """The calculation's ``duree_assurance_autres_regimes``: the trimestres of :func:`autres_regimes`."""
    return sum(int(str(ligne["trimestres"])) for ligne in lignes)


# --- updates (one model in each) ---


class ActionAffilie(Intervention):
    """The agent validates the RIS, or withdraws the request."""


class PeriodeASignaler(Saisie):
    annee: int = Field(ge=1940, le=2100)
    commentaire: TexteLibreMultiligne = Field(min_length=1, max_length=1000)


class DemandeConsolidation(Intervention):
    periodes: list[PeriodeASignaler] = Field(min_length=1)


class ReponsesEnquete(Intervention):
    """The 5-question closure survey: each answer from 1 (pas du tout satisfait) to 5."""

    reponses: list[Annotated[int, Field(ge=1, le=5)]] = Field(min_length=5, max_length=5)
    commentaire: TexteLibreMultiligne = Field(default="", max_length=2000)


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
    incident: Incident | None = None

    def projection(self) -> Projection:
        return projection_de(self, self.etat in ETATS_EIR_TERMINES, self.etape.value, self.phase)


# --- activity inputs ---


@dataclass
class ProductionDocument:
    cle: str
    demande_id: int
    horodatage: datetime


@dataclass
class PublicationRis:
    """A RIS produced, mailed to the agent (``avis``: its notification, without the document's number), then
    ``transition``: the state the request is in once the mail has left (« RIS disponible »)."""

    production: ProductionDocument
    avis: Notification
    transition: Transition


@dataclass
class EnregistrementEnquete:
    demande_id: int
    reponses: ReponsesEnquete
    horodatage: datetime
