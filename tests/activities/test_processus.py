"""The shared process activities, one at a time in Temporal's ActivityEnvironment, over a real SQLite
database and the real SMTP sink: what the inbox, the process's page and the mailbox show after each, and
that running one again (a retry) doubles nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import col, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.mails import ExpediteurMails
from activities.processus import ActivitesProcessus
from domain.eir import VueEir
from domain.etats import Acteur, EtapeEir, EtatEir, EtatTache, TypeTache
from domain.processus import Notification, Parties, ReferenceProcessus, Transition, TypeProcessus, cle_notification
from domain.taches import ClotureTache, MarquageTache, NouvelleTache, OuvertureTache, ReponseTache
from notifications.rendu import Gabarits
from notifications.transport import TransportSmtp
from persistence import depots
from persistence.db import transaction
from persistence.fabrique import identifiant
from persistence.models import DemandeEirTable, Evenement, LigneCirTable, Tache
from tests.support.environnement import texte
from tests.support.fabriques import population

MAINTENANT = datetime(2026, 3, 9, 9, tzinfo=UTC)
SUPERVISEURS = "superviseurs@cnracl.example.fr"
VERIFICATION = VueEir(etape=EtapeEir.preparation, etat=EtatEir.verification_employeur, phase=1)


class Banc:
    def __init__(self, sessions, boite, pop, demande: DemandeEirTable) -> None:
        self.sessions, self.boite, self.pop, self.demande = sessions, boite, pop, demande
        transport = TransportSmtp("127.0.0.1", boite.port, "CNRACL <ne-pas-repondre@cnracl.example.fr>")
        self.activites = ActivitesProcessus(
            sessions, ExpediteurMails(sessions, Gabarits(), transport), "https://cnracl.test", SUPERVISEURS
        )
        self.reference = ReferenceProcessus(TypeProcessus.eir, identifiant(demande))
        self.env = ActivityEnvironment()

    def transition(self, sequence: int, vue: VueEir, evenement: str, minutes: int = 0) -> Transition:
        return Transition(
            reference=self.reference,
            workflow_id=self.demande.workflow_id,
            sequence=sequence,
            projection=vue.projection(),
            evenement=evenement,
            horodatage=MAINTENANT + timedelta(minutes=minutes),
        )

    async def ouvrir(self) -> int:
        ouverte = VueEir(
            etape=EtapeEir.preparation,
            etat=EtatEir.verification_employeur,
            phase=1,
            en_attente_de=Acteur.employeur,
            echeance=MAINTENANT + timedelta(days=10),
        )
        return await self.env.run(
            self.activites.ouvrir_tache,
            OuvertureTache(
                NouvelleTache(
                    cle=f"{self.demande.workflow_id}:verification_carriere_eir:0",
                    type=TypeTache.verification_carriere_eir,
                    workflow_id=self.demande.workflow_id,
                    affilie_id=self.pop.affilie.id,
                    employeur_id=self.pop.employeur.id,
                    destinataire=Acteur.employeur,
                    echeance=MAINTENANT + timedelta(days=10),
                    horodatage=MAINTENANT,
                    demande_id=self.demande.id,
                ),
                self.transition(3, ouverte, "verification_carriere_eir_demandee"),
            ),
        )

    async def lire(self) -> tuple[DemandeEirTable, list[Tache], list[str]]:
        async with self.sessions() as session:
            demande = await session.get(DemandeEirTable, self.demande.id)
            taches = list((await session.exec(select(Tache))).all())
            evenements = list(
                (
                    await session.exec(
                        select(Evenement.type)
                        .where(Evenement.processus_id == self.demande.workflow_id)
                        .order_by(col(Evenement.id))
                    )
                ).all()
            )
        return demande, taches, evenements


@pytest.fixture
async def banc(sessions_sqlite, boite_mail) -> Banc:
    pop = await population(sessions_sqlite)
    async with transaction(sessions_sqlite) as session:
        demande = await depots.creer_demande_eir(
            session, pop.affilie, date(2026, 3, 2), "en_ligne", MAINTENANT, lambda cle, n: f"eir-{cle}-{n}"
        )
    return Banc(sessions_sqlite, boite_mail, pop, demande)


async def test_les_parties_d_un_processus(banc: Banc):
    parties = await banc.env.run(banc.activites.parties, banc.reference)
    assert parties == Parties(banc.pop.affilie.id, banc.pop.employeur.id)


async def test_une_tache_ouverte_porte_la_sequence_de_l_etat_qui_l_ouvre(banc: Banc):
    tache_id = await banc.ouvrir()
    assert await banc.ouvrir() == tache_id  # a retry finds the task
    demande, taches, evenements = await banc.lire()
    [tache] = taches
    assert (tache.id, tache.sequence, tache.etat, tache.destinataire) == (tache_id, 3, "ouverte", "employeur")
    assert (demande.etat, demande.sequence, demande.tache_id, demande.en_attente_de) == (
        "verification_employeur",
        3,
        tache_id,
        "employeur",
    )
    assert evenements.count("tache_creee") == 1 and evenements.count("verification_carriere_eir_demandee") == 1


async def test_une_relance_est_notee_sur_la_tache_et_dans_l_historique(banc: Banc):
    tache_id = await banc.ouvrir()
    marquage = MarquageTache(
        tache_id, MAINTENANT + timedelta(days=10), banc.transition(4, VERIFICATION, "relance_employeur", 1), True
    )
    for _ in range(2):  # the activity, then its retry
        await banc.env.run(banc.activites.marquer_tache, marquage)
    demande, [tache], evenements = await banc.lire()
    assert tache.relancee_le == MAINTENANT + timedelta(days=10) and tache.escaladee_le is None
    assert demande.sequence == 4 and evenements.count("relance_employeur") == 1


async def test_une_reponse_ecrit_le_cir_ferme_la_tache_et_ecrit_l_etat_suivant(banc: Banc):
    tache_id = await banc.ouvrir()
    reponse = ReponseTache(
        tache_id=tache_id,
        carriere_verifiee=True,
        indice_fin_de_carriere=612,
        corrections=[{"date_debut": "2005-01-01", "date_fin": "2005-12-31", "quotite": 80}],
        sequence=3,
    )
    suivant = VueEir(
        etape=EtapeEir.preparation, etat=EtatEir.verification_employeur, phase=1, en_attente_de=Acteur.cnracl
    )
    transition = banc.transition(4, suivant, "verification_carriere_eir_terminee", 5)
    transition.details = {"indice_fin_de_carriere": 612, "corrections": 1}
    cloture = ClotureTache(tache_id, MAINTENANT + timedelta(minutes=5), transition, reponse)
    for _ in range(2):
        await banc.env.run(banc.activites.clore_tache, cloture)
    demande, [tache], evenements = await banc.lire()
    assert tache.reponse is not None
    assert (tache.etat, tache.reponse["indice_fin_de_carriere"]) == ("terminee", 612)
    assert "sequence" not in tache.reponse  # the inbox shows the answer, not the protocol
    assert (demande.sequence, demande.indice_fin_de_carriere, demande.tache_id) == (4, 612, None)
    assert evenements.count("tache_terminee") == 1
    async with banc.sessions() as session:
        lignes = (
            await session.exec(
                select(LigneCirTable).where(
                    LigneCirTable.affilie_id == banc.pop.affilie.id, LigneCirTable.annee == 2005
                )
            )
        ).all()
    assert [ligne.quotite for ligne in lignes] == [80]


async def test_une_tache_annulee_par_le_retrait(banc: Banc):
    tache_id = await banc.ouvrir()
    retiree = VueEir(etape=EtapeEir.preparation, etat=EtatEir.retiree)
    await banc.env.run(
        banc.activites.clore_tache,
        ClotureTache(tache_id, MAINTENANT, banc.transition(4, retiree, "demande_retiree"), etat=EtatTache.annulee),
    )
    demande, [tache], _ = await banc.lire()
    assert (tache.etat, demande.etat, demande.terminee_le) == ("annulee", "retiree", MAINTENANT)


async def test_un_mail_d_une_tache_part_une_fois_avec_son_contexte(banc: Banc):
    tache_id = await banc.ouvrir()
    notification = Notification(
        cle_notification(banc.demande.workflow_id, "escalade_superviseur", Acteur.superviseur, 0),
        banc.reference,
        "escalade_superviseur",
        Acteur.superviseur,
        MAINTENANT,
        employeur_id=banc.pop.employeur.id,
        tache_id=tache_id,
    )
    for _ in range(2):
        await banc.env.run(banc.activites.notifier, notification)
    [mail] = banc.boite.messages
    assert mail["To"] == SUPERVISEURS
    assert "Commune de Saint-Exemple" in mail["Subject"] and f"n° {tache_id}" in texte(mail)


async def test_un_processus_inconnu_est_une_erreur_definitive(banc: Banc):
    absente = ReferenceProcessus(TypeProcessus.rectification, 999)
    with pytest.raises(ApplicationError) as erreur:
        await banc.env.run(banc.activites.parties, absente)
    assert erreur.value.type == "ProcessusInconnu" and erreur.value.non_retryable
