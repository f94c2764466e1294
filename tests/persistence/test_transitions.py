"""A state change written twice (its activity run again after its commit) leaves one event in the history."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlmodel import select

from domain.eir import Transition, VueEir
from domain.etats import Acteur, EtapeEir, EtatEir
from persistence import depots
from persistence.audit import verifier
from persistence.db import creer_moteur, fabrique_sessions, transaction
from persistence.models import DemandeEirTable, Evenement
from tests.fabriques import population


async def test_une_transition_rejouee_n_ajoute_pas_d_evenement(url_base):
    moteur = creer_moteur(url_base)
    sessions = fabrique_sessions(moteur)
    try:
        pop = await population(sessions)
        maintenant = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
        async with transaction(sessions) as session:
            demande = await depots.creer_demande_eir(session, pop.affilie, date(2026, 3, 2), "en_ligne", maintenant,
                                                     lambda cle, n: f"eir-{cle}-{n}")
        vue = VueEir(etape=EtapeEir.preparation, etat=EtatEir.ris_disponible, phase=2, en_attente_de=Acteur.affilie)
        transition = Transition(demande.id, demande.workflow_id, vue, "ris_disponible", maintenant + timedelta(days=6))
        for _ in range(2):  # the activity, then its run again
            async with transaction(sessions) as session:
                await depots.appliquer_transition(session, transition)
        # The same event later in the process (another consolidation round) is a new event.
        async with transaction(sessions) as session:
            await depots.appliquer_transition(session, Transition(demande.id, demande.workflow_id, vue, "ris_disponible",
                                                                  maintenant + timedelta(days=20)))
        async with sessions() as session:
            types = (await session.exec(select(Evenement.type).where(
                Evenement.processus_id == demande.workflow_id))).all()
            ecrite = await session.get(DemandeEirTable, demande.id)
            chaine = await verifier(session)
        assert types.count("ris_disponible") == 2
        assert ecrite is not None and ecrite.etat == "ris_disponible"
        assert chaine.intacte
    finally:
        await moteur.dispose()
