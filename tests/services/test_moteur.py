"""The client side of the processes: which failures mean « engine out of reach », and the sequence an update
carries (the projection row's, when the row has one)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel
from temporalio.service import RPCError, RPCStatusCode

from api.statuts import statut_de
from domain.erreurs import Conflit, MoteurIndisponible, Refus
from services.moteur import avec_sequence, moteur_en_panne


class Reponse(BaseModel):
    compte_id: int
    sequence: int | None = None


@dataclass
class Ligne:
    sequence: int


@dataclass
class LigneSansSequence:
    id: int


def test_la_mise_a_jour_porte_la_sequence_de_la_ligne_lue():
    assert avec_sequence(Reponse(compte_id=3), Ligne(sequence=12)).sequence == 12
    assert avec_sequence(Reponse(compte_id=3), LigneSansSequence(id=1)).sequence is None


def test_panne_du_moteur_ou_refus_du_processus():
    assert moteur_en_panne(RPCError("down", RPCStatusCode.UNAVAILABLE, b""))
    assert moteur_en_panne(RPCError("slow", RPCStatusCode.DEADLINE_EXCEEDED, b""))
    assert moteur_en_panne(ConnectionRefusedError())
    assert not moteur_en_panne(RPCError("gone", RPCStatusCode.NOT_FOUND, b""))
    assert not moteur_en_panne(ValueError())


def test_chaque_erreur_a_son_statut_http():
    assert statut_de(MoteurIndisponible()) == 503
    assert statut_de(Conflit("terminé")) == 409
    assert statut_de(Refus("nir : absent", "nir")) == 422
