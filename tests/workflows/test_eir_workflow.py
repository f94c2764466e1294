"""The EIR with the real default delays, on Temporal's time-skipping server, with real activities
(SQLite, the real SMTP server). Each mail is counted: exactly one of each."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.worker import Replayer

from domain.eir import ActionAffilie, DemandeConsolidation, PeriodeASignaler, ReponsesEnquete
from domain.etats import EtatEir, EtatTache
from domain.taches import ReponseTache
from persistence import depots
from persistence.models import Document, Mail, ReponseEnqueteTable
from tests.support.attente import attendre, au_repos
from tests.support.banc_eir import Banc, banc_eir, jusqua
from tests.support.environnement import settings_de_test, texte
from tests.support.fabriques import AGENT, EMPLOYEUR, SUPERVISEURS, population
from worker import creer_worker, executant_workflows
from workflows.eir import EirWorkflow


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite):
    async with banc_eir(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite) as banc:
        yield banc


async def test_eir_complet_avec_les_delais_par_defaut(banc: Banc):
    boite, env = banc.boite, banc.env
    await banc.demarrer()
    await attendre(lambda: len(boite.messages) == 2)
    accuse, contact = boite.pour(AGENT)
    assert accuse["Subject"] == "Votre demande d'entretien information retraite est enregistrée"
    assert "enregistrée le 2 mars 2026" in texte(accuse)
    assert "Commune de Saint-Exemple" in texte(contact)

    # Day 5: not before.
    await env.sleep(timedelta(days=5) - timedelta(minutes=5))
    await au_repos(banc.handle)
    assert boite.pour(EMPLOYEUR) == [] and await banc.taches() == []
    debut_j5 = await env.get_current_time()
    await env.sleep(timedelta(minutes=10))
    await attendre(lambda: len(boite.pour(EMPLOYEUR)) == 1)
    tache = await banc.tache_ouverte()
    assert tache.type == "verification_carriere_eir"
    assert timedelta(days=9, hours=23) < tache.echeance - debut_j5 <= timedelta(days=10, minutes=10)
    assert f"n° {tache.id}" in texte(boite.pour(EMPLOYEUR)[0])
    assert (await banc.demande()).en_attente_de == "employeur"

    # Day 15: the reminder; day 25: the escalation to supervisors.
    await env.sleep(timedelta(days=10))
    await attendre(lambda: len(boite.pour(EMPLOYEUR)) == 2)
    assert boite.pour(EMPLOYEUR)[1]["Subject"].startswith("Relance : vérification de carrière")
    assert boite.pour(SUPERVISEURS) == []
    await env.sleep(timedelta(days=10))
    await attendre(lambda: len(boite.pour(SUPERVISEURS)) == 1)
    assert "Commune de Saint-Exemple" in boite.pour(SUPERVISEURS)[0]["Subject"]
    tache = await banc.tache_ouverte()
    assert tache.relancee_le is not None and tache.escaladee_le is not None

    # The employer answers: the end-of-career index and one corrected CIR line.
    await banc.completer(
        indice_fin_de_carriere=612,
        corrections=[{"date_debut": "2005-01-01", "date_fin": "2005-12-31", "quotite": 80, "indice_majore": 430}],
    )
    await attendre(lambda: len(boite.pour(AGENT)) == 3)
    assert boite.pour(AGENT)[2]["Subject"] == "Votre relevé individuel de situation est disponible"
    await banc.en_etat(EtatEir.ris_disponible)
    async with banc.sessions() as session:
        lignes = await depots.lignes_cir(session, banc.pop.affilie.id)
    assert [(ligne.quotite, ligne.indice_majore) for ligne in lignes if ligne.annee == 2005] == [(80, 430)]

    # Phase 2: a consolidation, then validation.
    vue = await banc.handle.execute_update(
        EirWorkflow.demander_consolidation,
        DemandeConsolidation(periodes=[PeriodeASignaler(annee=1996, commentaire="Stage manquant")]),
    )
    assert vue.etat is EtatEir.consolidation_employeur
    await attendre(lambda: len(boite.pour(EMPLOYEUR)) == 3)
    assert "1996" in texte(boite.pour(EMPLOYEUR)[2])
    await banc.completer(corrections=[{"date_debut": "1996-01-01", "date_fin": "1996-12-31", "nature": "stagiaire"}])
    await attendre(lambda: len(boite.pour(AGENT)) == 4)
    assert boite.pour(AGENT)[3]["Subject"] == "Votre relevé individuel de situation a été mis à jour"
    await banc.en_etat(EtatEir.ris_disponible)
    vue = await banc.handle.execute_update(EirWorkflow.valider_ris, ActionAffilie())
    await attendre(lambda: len(boite.pour(AGENT)) == 5)
    bilan_mail = boite.pour(AGENT)[4]
    assert bilan_mail["Subject"] == "Votre bilan personnalisé retraite est disponible"
    assert "612" in texte(bilan_mail) and "€ brut par mois" in texte(bilan_mail)
    async with banc.sessions() as session:
        bilan = (await session.exec(select(Document).where(Document.type == "bilan"))).one()
    assert len(bilan.contenu["points"]) >= 2

    # Day 14 after the bilan: the closure survey; then the answers.
    await env.sleep(timedelta(days=14) - timedelta(hours=1))
    await au_repos(banc.handle)
    assert len(boite.pour(AGENT)) == 5
    await env.sleep(timedelta(hours=2))
    await attendre(lambda: len(boite.pour(AGENT)) == 6)
    assert "donnez-nous votre avis" in boite.pour(AGENT)[5]["Subject"]
    await banc.en_etat(EtatEir.enquete_envoyee)
    vue = await banc.handle.execute_update(EirWorkflow.repondre_enquete, ReponsesEnquete(reponses=[5, 4, 4, 5, 3]))
    assert vue.etat is EtatEir.close
    assert (await banc.handle.result()).etat is EtatEir.close
    async with banc.sessions() as session:
        enquete = (await session.exec(select(ReponseEnqueteTable))).one()
        mails = (await session.exec(select(Mail))).all()
        evenements = [e.type for e in await depots.historique(session, banc.handle.id)]
    assert enquete.reponses == [5, 4, 4, 5, 3]
    # Exactly one of each mail, all marked sent.
    assert sorted(m.evenement for m in mails) == sorted(
        [
            "accuse_reception",
            "contacter_employeur",
            "notification_employeur",
            "relance_employeur",
            "escalade_superviseur",
            "ris_disponible",
            "consolidation_employeur",
            "ris_consolide",
            "bilan_disponible",
            "cloture_enquete",
        ]
    )
    assert len(boite.messages) == 10 and all(m.etat == "envoye" for m in mails)
    assert evenements[0] == "demande_enregistree" and evenements[-1] == "enquete_repondue"
    assert "relance_employeur" in evenements and "escalade_superviseur" in evenements

    # The history just recorded replays against the current code (no non-determinism).
    historique = await banc.handle.fetch_history()
    await Replayer(
        workflows=[EirWorkflow], data_converter=pydantic_data_converter, workflow_runner=executant_workflows()
    ).replay_workflow(historique)
    # One path: the code asks no patch, so its history has no marker of one.
    marqueurs = [
        e.marker_recorded_event_attributes.marker_name
        for e in historique.events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    ]
    assert "core_patch" not in marqueurs


@pytest.mark.parametrize(
    "etape",
    ["attente_notification", "verification_employeur", "ris_disponible", "consolidation_employeur", "bilan_disponible"],
)
async def test_retrait_a_chaque_etape(banc: Banc, etape: str):
    await jusqua(banc, etape)
    avant = len(banc.boite.messages)
    tache_ouverte = [t for t in await banc.taches() if t.etat == "ouverte"]
    vue = await banc.handle.execute_update(EirWorkflow.retirer, ActionAffilie())
    assert vue.etat is EtatEir.retiree
    assert await banc.etat() == "retiree"  # the projection is written when the update returns
    assert (await banc.handle.result()).etat is EtatEir.retiree
    await attendre(lambda: any("retirée" in s for s in banc.boite.sujets(AGENT)))
    nouveaux = banc.boite.messages[avant:]
    sujets = [str(m["Subject"]) for m in nouveaux]
    assert sujets.count("Votre demande d'entretien information retraite est retirée") == 1
    if tache_ouverte:
        assert [t.etat for t in await banc.taches() if t.id == tache_ouverte[0].id] == ["annulee"]
        assert [m["To"] for m in nouveaux if "annulée" in str(m["Subject"])] == [EMPLOYEUR]
    else:
        assert len(nouveaux) == 1, sujets
    # Nothing more happens afterwards: no employer notification, no survey.
    await banc.env.sleep(timedelta(days=40))
    await au_repos(banc.handle)
    assert len(banc.boite.messages) == avant + len(nouveaux)


async def test_un_worker_en_deux_parts_accuse_la_reponse_meme_sans_sa_part_activites(
    env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite
):
    """`cnracl worker --part workflows` and `--part activites`: the employer's answer is written and acknowledged
    by the workflows part alone; the RIS and its mail wait for the activities part, then come once."""
    settings = settings_de_test(tmp_path, url_sqlite, boite_mail.port)
    banc = Banc(env_temps_accelere, settings, sessions_sqlite, boite_mail, await population(sessions_sqlite))
    client, boite = env_temps_accelere.client, boite_mail
    async with creer_worker(client, settings, sessions_sqlite, "workflows"):
        async with creer_worker(client, settings, sessions_sqlite, "activites"):
            await banc.demarrer()
            await attendre(lambda: len(boite.messages) == 2)
            await env_temps_accelere.sleep(timedelta(days=5, minutes=5))
            await attendre(lambda: len(boite.pour(EMPLOYEUR)) == 1)
        # The activities part is stopped: the answer is still taken and written at once.
        await banc.completer(indice_fin_de_carriere=612)
        assert [t.etat for t in await banc.taches()] == [EtatTache.terminee.value]

        async def activite_en_attente() -> bool:  # the next step waits for the activities part
            return bool((await banc.handle.describe()).raw_description.pending_activities)

        await attendre(activite_en_attente)
        assert len(boite.pour(AGENT)) == 2 and await banc.etat() != EtatEir.ris_disponible.value
        async with creer_worker(client, settings, sessions_sqlite, "activites"):
            await attendre(lambda: len(boite.pour(AGENT)) == 3)
            await banc.en_etat(EtatEir.ris_disponible)
    assert boite.pour(AGENT)[2]["Subject"] == "Votre relevé individuel de situation est disponible"
    async with sessions_sqlite() as session:
        assert len((await session.exec(select(Document))).all()) == 1


def test_une_part_de_worker_inconnue_est_refusee_en_francais():
    with pytest.raises(ValueError, match="part : 'tout-sauf' inconnue"):
        creer_worker(None, None, None, "tout-sauf")


async def test_une_reponse_en_avance_sur_le_processus_attend_qu_il_la_rattrape(banc: Banc):
    """The projection is written a moment before the workflow learns it: an answer carrying the sequence of a
    state the workflow has not reached yet is held until it has, then checked (here: accepted)."""
    await jusqua(banc, "verification_employeur")
    tache = await banc.tache_ouverte()
    demande = await banc.demande()
    assert demande.sequence == tache.sequence > 0  # the task carries the sequence of the state that opened it

    async def mises_a_jour_acceptees() -> int:
        evenements = [e.event_type async for e in banc.handle.fetch_history_events()]
        return evenements.count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)

    avant = await mises_a_jour_acceptees()
    # After the answer: the state « answer stored » (+1), then « RIS disponible » (+2).
    validation = asyncio.create_task(
        banc.handle.execute_update(EirWorkflow.valider_ris, ActionAffilie(sequence=tache.sequence + 2))
    )

    async def validation_acceptee() -> bool:
        return await mises_a_jour_acceptees() > avant

    await attendre(validation_acceptee)
    assert not validation.done()  # accepted, and waiting for the RIS
    await banc.handle.execute_update(
        EirWorkflow.completer_tache,
        ReponseTache(tache_id=tache.id, carriere_verifiee=True, indice_fin_de_carriere=600, sequence=tache.sequence),
    )
    vue = await asyncio.wait_for(validation, 20)
    assert vue.etat in (EtatEir.simulations_en_cours, EtatEir.bilan_disponible)
    await banc.en_etat(EtatEir.bilan_disponible)


async def test_une_reponse_a_un_etat_passe_est_refusee_en_francais(banc: Banc):
    """An answer to a state the process has left is refused with the rule it breaks; one sent ahead whose
    state, once reached, does not take it is refused in the same words."""
    await jusqua(banc, "verification_employeur")
    tache = await banc.tache_ouverte()
    # Ahead: the state after the answer (« answer stored », +1) is not the agent's turn either.
    en_avance = asyncio.create_task(
        banc.handle.execute_update(EirWorkflow.valider_ris, ActionAffilie(sequence=tache.sequence + 1))
    )
    reponse = ReponseTache(tache_id=tache.id, carriere_verifiee=True, sequence=tache.sequence)
    await banc.handle.execute_update(EirWorkflow.completer_tache, reponse)
    with pytest.raises(WorkflowUpdateFailedError) as refus_en_avance:
        await asyncio.wait_for(en_avance, 20)
    en_avance_refusee = refus_en_avance.value.cause
    assert isinstance(en_avance_refusee, ApplicationError) and en_avance_refusee.type == "Refus"
    assert "Impossible de valider le relevé maintenant" in en_avance_refusee.message
    assert not any(etat.value in en_avance_refusee.message for etat in EtatEir)  # words for the agent, no codes
    # Stale: the same answer again, to the task already done.
    with pytest.raises(WorkflowUpdateFailedError) as refus_perime:
        await banc.handle.execute_update(EirWorkflow.completer_tache, reponse)
    perimee = refus_perime.value.cause
    assert isinstance(perimee, ApplicationError) and perimee.type == "Refus"
    assert perimee.message == "Cette tâche n'attend plus de réponse : elle est déjà traitée ou annulée."
