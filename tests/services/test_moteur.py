"""The client side of the processes: which failures mean « engine out of reach », and the sequence an update
carries (the sequence of the projection or task row the caller read)."""

from __future__ import annotations

from temporalio.service import RPCError, RPCStatusCode

from api.statuts import statut_de
from domain.erreurs import Conflit, MoteurIndisponible, Refus
from domain.taches import ReponseTache
from persistence.models import Tache
from services.moteur import avec_sequence, moteur_en_panne


def test_la_mise_a_jour_porte_la_sequence_de_la_ligne_lue():
    reponse = ReponseTache(tache_id=7, compte_id=3, carriere_verifiee=True)
    envoyee = avec_sequence(reponse, Tache(id=7, sequence=12))
    assert envoyee.sequence == 12
    assert envoyee.model_dump(exclude={"sequence"}) == reponse.model_dump(exclude={"sequence"})


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
