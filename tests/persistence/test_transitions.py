"""A state change written twice (its activity run again after its commit) leaves one event in the history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from domain.eir import VueEir
from domain.etats import Acteur, EtapeEir, EtatEir
from domain.processus import ReferenceProcessus, Transition, TypeProcessus
from persistence import depots
from persistence.audit import verifier
from persistence.db import creer_moteur, fabrique_sessions, transaction
from persistence.fabrique import identifiant
from persistence.models import DemandeEirTable, Evenement
from tests.support.fabriques import population

RIS_DISPONIBLE = VueEir(etape=EtapeEir.preparation, etat=EtatEir.ris_disponible, phase=2, en_attente_de=Acteur.affilie)


def _transition(demande: DemandeEirTable, sequence: int, horodatage: datetime) -> Transition:
    return Transition(
        reference=ReferenceProcessus(TypeProcessus.eir, identifiant(demande)),
        workflow_id=demande.workflow_id,
        sequence=sequence,
        projection=RIS_DISPONIBLE.projection(),
        evenement="ris_disponible",
        horodatage=horodatage,
    )


async def _demande(sessions, maintenant: datetime) -> DemandeEirTable:
    """An agent's EIR request, just stored (« enregistrée »)."""
    pop = await population(sessions)
    async with transaction(sessions) as session:
        return await depots.creer_demande_eir(
            session, pop.affilie, date(2026, 3, 2), "en_ligne", maintenant, lambda cle, n: f"eir-{cle}-{n}"
        )


async def test_une_transition_rejouee_n_ajoute_pas_d_evenement(url_base):
    moteur = creer_moteur(url_base)
    sessions = fabrique_sessions(moteur)
    try:
        maintenant = datetime(2026, 3, 2, 9, tzinfo=UTC)
        demande = await _demande(sessions, maintenant)
        transition = _transition(demande, 3, maintenant + timedelta(days=6))
        for _ in range(2):  # the activity, then its run again
            async with transaction(sessions) as session:
                await depots.appliquer_transition(session, transition)
        # The same event later in the process (another consolidation round) is a new event.
        async with transaction(sessions) as session:
            await depots.appliquer_transition(session, _transition(demande, 7, maintenant + timedelta(days=20)))
        async with sessions() as session:
            types = (
                await session.exec(select(Evenement.type).where(Evenement.processus_id == demande.workflow_id))
            ).all()
            ecrite = await session.get(DemandeEirTable, demande.id)
            chaine = await verifier(session)
        assert types.count("ris_disponible") == 2
        assert ecrite is not None and (ecrite.etat, ecrite.sequence) == ("ris_disponible", 7)
        assert chaine.intacte
    finally:
        await moteur.dispose()


async def test_le_ris_publie_ecrit_son_etat_une_fois_le_mail_parti(url_base, boite_mail):
    """``publier_ris`` with its transition: while the mail server is down, the RIS and its mail wait in the
    database and the request keeps its state (the agent is not told « RIS disponible » before the mail); once
    the server is back, the retry sends the mail and writes the state; a run again doubles nothing."""
    from activities.eir import ActivitesEir
    from activities.mails import ExpediteurMails
    from activities.processus import ActivitesProcessus
    from domain.eir import ProductionDocument, PublicationRis
    from domain.processus import Notification
    from notifications.rendu import Gabarits
    from notifications.transport import TransportSmtp
    from persistence.models import Document, Mail
    from tests.support.environnement import port_libre

    moteur = creer_moteur(url_base)
    sessions = fabrique_sessions(moteur)
    try:
        maintenant = datetime(2026, 3, 9, 9, tzinfo=UTC)
        demande = await _demande(sessions, maintenant)
        publication = PublicationRis(
            ProductionDocument(f"{demande.workflow_id}:ris-0", demande.id, maintenant),
            Notification(
                f"{demande.workflow_id}:ris_disponible:affilie:0",
                ReferenceProcessus(TypeProcessus.eir, identifiant(demande)),
                "ris_disponible",
                Acteur.affilie,
                maintenant,
            ),
            _transition(demande, 4, maintenant),
        )

        def activites(port: int) -> ActivitesEir:
            transport = TransportSmtp("127.0.0.1", port, "CNRACL <ne-pas-repondre@cnracl.example.fr>", delai=2)
            mails = ExpediteurMails(sessions, Gabarits(), transport)
            processus = ActivitesProcessus(sessions, mails, "https://cnracl.test", "superviseurs@cnracl.example.fr")
            return ActivitesEir(sessions, mails, processus)

        async def lire():
            async with sessions() as session:
                return (
                    (await session.get(DemandeEirTable, demande.id)).etat,
                    [m.etat for m in (await session.exec(select(Mail))).all()],
                    len((await session.exec(select(Document))).all()),
                    (await session.exec(select(Evenement.type).where(Evenement.processus_id == demande.workflow_id)))
                    .all()
                    .count("ris_disponible"),
                )

        with pytest.raises(OSError):  # no mail server on this port
            await activites(port_libre()).publier_ris(publication)
        assert await lire() == ("enregistree", ["a_envoyer"], 1, 0)
        document_id = await activites(boite_mail.port).publier_ris(publication)
        assert await lire() == ("ris_disponible", ["envoye"], 1, 1)
        assert await activites(boite_mail.port).publier_ris(publication) == document_id  # run again
        assert await lire() == ("ris_disponible", ["envoye"], 1, 1)
        assert len(boite_mail.messages) == 1
        async with sessions() as session:
            assert (await verifier(session)).intacte
    finally:
        await moteur.dispose()


async def test_une_transition_de_campagne_rejouee_n_ajoute_pas_d_evenement(url_base):
    """A campaign's state written again by its activity (run again after its commit) appends its event once."""
    from domain.campagne import Compteurs, EtapeCampagne, TransitionCampagne
    from persistence import depots_campagne
    from persistence.models_campagne import CampagneTable

    moteur = creer_moteur(url_base)
    sessions = fabrique_sessions(moteur)
    try:
        maintenant = datetime(2026, 7, 1, 8, tzinfo=UTC)
        async with transaction(sessions) as session:
            campagne = CampagneTable(
                workflow_id="campagne-dai-2026",
                annee=2026,
                annee_envoi=2027,
                etape="planifiee",
                creee_le=maintenant,
                modifiee_le=maintenant,
            )
            session.add(campagne)
            await session.flush()
            campagne_id = identifiant(campagne)
        transition = TransitionCampagne(
            workflow_id="campagne-dai-2026",
            evenement="selection_commence",
            horodatage=maintenant,
            campagne_id=campagne_id,
            etape=EtapeCampagne.selection,
            en_pause=False,
            prochaine_echeance=None,
            compteurs=Compteurs(),
        )
        for _ in range(2):
            async with transaction(sessions) as session:
                await depots_campagne.appliquer_transition(session, transition)
        async with sessions() as session:
            types = (
                await session.exec(select(Evenement.type).where(Evenement.processus_id == "campagne-dai-2026"))
            ).all()
            chaine = await verifier(session)
        assert types == ["selection_commence"]
        assert chaine.intacte
    finally:
        await moteur.dispose()
