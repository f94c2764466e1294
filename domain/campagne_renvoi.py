"""A campaign document re-produced and re-sent by a supervisor (issue 24, deliverable 8): a new version from
today's data, the old one kept and marked replaced, the agent announced again once — by mail, or in the next print
batch of the campaign for paper. What crosses Temporal, and the rules the service and the activity both apply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.adresse import lignes_adresse, par_courriel
from domain.campagne import Calendrier, Canal, Livraison, id_workflow_campagne
from domain.erreurs import Refus

EVENEMENT_RENVOI = "document_renvoye"
# The type of the activities' refusals (not retried), which the service gives back to the supervisor as they are.
REFUS_RENVOI = "RenvoiRefuse"


def id_workflow_renvoi(annee: int, document_id: int) -> str:
    """One re-send per document: two identical requests are one process (the second waits for the first's result);
    the new version is re-sent under its own number."""
    return f"{id_workflow_campagne(annee)}-renvoi-{document_id}"


@dataclass
class DemandeRenvoi:
    annee: int
    document_id: int
    motif: str
    compte_id: int
    canal: Canal | None = None  # None: the agent's own channel
    horodatage: datetime | None = None  # set by the workflow (its clock)


@dataclass
class VersionProduite:
    """The new version stored, the old one marked replaced, the re-send recorded (``renvoi_id``)."""

    renvoi_id: int
    document_remplace_id: int
    document_id: int
    version: int
    canal: Canal
    horodatage: datetime | None = None  # the announcement's instant, set by the workflow


@dataclass
class ResultatRenvoi:
    document_remplace_id: int
    document_id: int
    version: int
    canal: Canal
    livraison: Livraison
    tranche: int | None = None  # paper: the tranche (from 1) whose print batch holds the new version
    livre_le: datetime | None = None


def canal_du_renvoi(demande: Canal | None, canal_agent: str, email: str | None, adresse: str | None) -> Canal:
    """The channel of a re-send: the one asked, else the agent's; refused when the agent cannot be reached by it."""
    canal = demande or (Canal.email if par_courriel(canal_agent, email) else Canal.papier)
    if canal is Canal.email and not (email or "").strip():
        raise Refus(
            "canal : l'agent n'a pas d'adresse électronique ; renvoyez le document par courrier (papier).",
            "canal",
            "sans_adresse_electronique",
        )
    if canal is Canal.papier and not lignes_adresse(adresse):
        raise Refus(
            "canal : l'adresse postale de l'agent est inconnue ; renseignez-la d'abord (page « Coordonnées » de "
            "l'agent), puis renvoyez le document.",
            "canal",
            "sans_adresse_postale",
        )
    return canal


def prochaine_tranche(calendrier: Calendrier, le: datetime) -> int:
    """The rank (from 0) of the first sending tranche after ``le``: its print batch takes the paper re-sends. After
    the last one, the batch that follows it (the print provider takes it like the others)."""
    tranches = calendrier.tranches()
    return next((rang for rang, instant in enumerate(tranches) if instant > le), len(tranches))
