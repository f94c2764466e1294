"""The DAI campaign on Temporal's time-skipping server, through its whole calendar (July N to
December N+1), with real activities (SQLite, the real SMTP server, export files): every employer
mail, task, reminder, export, document and agent mail, each exactly once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from activities.campagne_collecteur import fichiers_du_lot, lire_lot
from domain.campagne import ActionSuperviseur, EtapeCampagne
from persistence import depots_campagne
from persistence.models import Document, Mail, Tache
from persistence.models_campagne import CampagneTable, CibleCampagne, ExportCampagne
from tests.support.attente import attendre
from tests.support.campagne import (
    avancer_jusqua,
    campagne_et_worker,
    completer_taches,
    taches_de_campagne,
)
from tests.support.environnement import settings_de_test, texte
from tests.support.fabriques import SUPERVISEURS
from worker import executant_workflows
from workflows.campagne import WORKFLOWS_CAMPAGNE, CampagneDaiWorkflow
from workflows.campagne_client import demande_campagne, demarrer_campagne


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, url_base):
    """SQLite and PostgreSQL: the bulk SQL runs on both."""
    settings = settings_de_test(
        tmp_path,
        url_base,
        boite_mail.port,
        campagne_taille_lot_employeurs=2,
        campagne_taille_paquet=1,
        campagne_lots_en_parallele=2,
        campagne_paquet_smtp=1,
    )
    async with campagne_et_worker(env_temps_accelere, settings) as (sessions, pop):
        yield env_temps_accelere, settings, sessions, boite_mail, pop


async def _campagne(sessions, annee: int) -> CampagneTable:
    async with sessions() as session:
        campagne = await depots_campagne.campagne_par_annee(session, annee)
        assert campagne is not None
        return campagne


async def test_campagne_complete_de_juillet_n_a_decembre_n_plus_1(banc):
    env, settings, sessions, boite, pop = banc
    annee = pop.annee
    demande = demande_campagne(settings, annee)
    # A tiny history threshold: the campaign continues as new between steps, and must still count right.
    demande = replace(demande, reglages=replace(demande.reglages, seuil_historique=40))
    cal = demande.calendrier
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)
    commune, hopital, sdis = (pop.employeurs[n].email for n in ("commune", "hopital", "sdis"))

    # Before 1 July N nothing happens: the campaign waits for its launch.
    await avancer_jusqua(env, cal.lancement - timedelta(hours=1))

    async def attend_son_lancement() -> bool:
        vue = await handle.query(CampagneDaiWorkflow.progression)
        return (vue.etape, vue.prochaine_echeance) == (EtapeCampagne.selection, cal.lancement)

    await attendre(attend_son_lancement)
    assert boite.messages == [] and await taches_de_campagne(sessions) == []

    # July N: one mail per employer with agents to update, listing them; one task per agent.
    await avancer_jusqua(env, cal.lancement + timedelta(hours=1))
    await attendre(lambda: len(boite.messages) == 2)
    assert boite.pour(sdis) == []  # its agents' CIR are up to date
    for nom, adresse in (("commune", commune), ("hopital", hopital)):
        (mail,) = boite.pour(adresse)
        nombre = len(pop.a_mettre_a_jour[nom])
        comptes = "compte individuel retraite" if nombre < 2 else "comptes individuels retraite"
        assert mail["Subject"] == f"Campagne droit à l'information {annee} : {nombre} {comptes} à mettre à jour"
        corps = texte(mail)
        for cle, agent in pop.agents.items():
            assert (f"{agent.prenom} {agent.nom}" in corps) == (cle in pop.a_mettre_a_jour[nom]), (cle, corps)
    taches = await taches_de_campagne(sessions)
    attendues = {pop.agents[c].id for agents in pop.a_mettre_a_jour.values() for c in agents}
    assert sorted(t.affilie_id for t in taches) == sorted(attendues)
    assert {t.destinataire for t in taches} == {"employeur"}
    assert all(t.echeance == cal.date_limite and t.etat == "ouverte" for t in taches)
    assert all(
        f"tâche n° {t.id}"
        in texte(boite.pour(commune if t.employeur_id == pop.employeurs["commune"].id else hopital)[0])
        for t in taches
    )

    # The commune updates its agents' CIR and completes its tasks; the hospital does not.
    await completer_taches(sessions, [t for t in taches if t.employeur_id == pop.employeurs["commune"].id])

    # Each reminder goes to the hospital only, once.
    for rang, instant in enumerate(cal.rappels, start=1):
        await avancer_jusqua(env, instant + timedelta(hours=1))
        await attendre(lambda rang=rang: len(boite.pour(hopital)) == 1 + rang)
        assert boite.pour(hopital)[-1]["Subject"].startswith(f"Rappel {rang} :")
    assert len(boite.pour(commune)) == 1
    taches = await taches_de_campagne(sessions)
    assert all((t.relancee_le is not None) == (t.employeur_id == pop.employeurs["hopital"].id) for t in taches)

    # The cut-off: the supervisors get the list of late employers (the hospital).
    await avancer_jusqua(env, cal.date_limite + timedelta(hours=1))
    await attendre(lambda: len(boite.pour(SUPERVISEURS)) == 1)
    (alerte,) = boite.pour(SUPERVISEURS)
    assert "1 employeur en retard" in alerte["Subject"]
    assert "Centre hospitalier de Lautreville" in texte(alerte) and "Saint-Exemple" not in texte(alerte)
    # Its tasks are closed at the cut-off (kept, not deleted); the commune's stay answered.
    par_etat = {(t.employeur_id, t.etat) for t in await taches_de_campagne(sessions)}
    assert par_etat == {
        (pop.employeurs["hopital"].id, "close_date_limite"),
        (pop.employeurs["commune"].id, "terminee"),
    }
    # Once after the cut-off, before the transmission: the hospital is reminded, the commune is not.
    assert cal.relance_retardataires is not None and cal.relance_retardataires < cal.transmission
    await avancer_jusqua(env, cal.relance_retardataires + timedelta(hours=1))
    await attendre(lambda: len(boite.pour(hopital)) == 2 + len(cal.rappels))
    assert "date limite passée" in boite.pour(hopital)[-1]["Subject"]
    assert len(boite.pour(commune)) == 1

    # The rest of the calendar: transmission, then the documents from September to December N+1.
    vue = await handle.result()
    assert vue.etape is EtapeCampagne.terminee
    campagne = await _campagne(sessions, annee)
    assert cal.tranches()[-1] <= campagne.modifiee_le < datetime(annee + 2, 1, 1, tzinfo=UTC)

    # One encrypted file and one manifest per batch, exactly once, and one for the cohorts' former affiliates; all
    # agents transmitted, each file verified against its manifest.
    dossier = Path(settings.var_dir) / "exports" / f"campagne-dai-{annee}"
    fichiers = sorted(p.name for p in dossier.iterdir())
    async with sessions() as session:
        exports = (await session.exec(select(ExportCampagne))).all()
        cibles = (await session.exec(select(CibleCampagne))).all()
        documents = (await session.exec(select(Document))).all()
        mails = (await session.exec(select(Mail))).all()
    assert fichiers == sorted(nom for e in exports for nom in fichiers_du_lot(e.lot))
    assert len(exports) == len({e.lot for e in exports}) == 3
    transmis: dict[str, str] = {}
    for export in exports:
        manifeste, lignes = lire_lot(dossier / fichiers_du_lot(export.lot)[1], settings.cle_collecteur())
        assert manifeste["sha256_chiffre"] == export.sha256 and manifeste["agents"] == len(lignes) == export.lignes
        transmis |= {ligne["nir"]: ligne["statut"] for ligne in lignes}
    assert transmis == {pop.agents[cle].nir: "affilie" for cle in pop.attendus} | {
        pop.agents["rachid"].nir: "ancien_affilie"
    }

    # One document per agent of a cohort, of the right kind, and one mail announcing it.
    par_affilie = {d.affilie_id: d for d in documents}
    assert len(documents) == len(par_affilie) == len(pop.attendus)
    for cle, attendu in pop.attendus.items():
        document = par_affilie[pop.agents[cle].id]
        assert document.type == {"information_generale": "info_generale"}.get(attendu, attendu)
        assert document.contenu["campagne"] == {"annee": annee, "annee_envoi": annee + 1}
        assert debut_envoi_ok(document.cree_le, cal)
        (mail,) = boite.pour(pop.agents[cle].email)
        assert f"document n° {document.id}" in texte(mail)
        if attendu == "eig":
            assert document.contenu["points"] and document.contenu["points"][0]["pension_brute_mensuelle"] > 0
    assert {c.etat for c in cibles} == {"document_annonce"}
    # Paced: the documents went out over several weeks of the window, not all at once.
    assert len({d.cree_le.isocalendar()[1] for d in documents}) > 1

    # Every mail exactly once: 2 launches + 2 × 1 reminders + 1 late list + 1 reminder after the cut-off + one per
    # document.
    attendus = 2 + len(cal.rappels) + 1 + 1 + len(pop.attendus)
    assert len(boite.messages) == len(mails) == attendus
    assert len({m["Message-ID"] for m in boite.messages}) == attendus
    assert {m.etat for m in mails} == {"envoye"}

    # What the supervisors see.
    campagne = await _campagne(sessions, annee)
    assert campagne.etape == "terminee"
    assert campagne.compteurs["documents"] == campagne.compteurs["mails_agents"] == len(pop.attendus)
    assert campagne.compteurs["exports"] == 3 and campagne.compteurs["employeurs_en_retard"] == 1
    assert campagne.compteurs["taches"] == sum(len(a) for a in pop.a_mettre_a_jour.values())
    assert campagne.compteurs["rappels"] == len(cal.rappels)
    assert campagne.compteurs["relances_apres_limite"] == 1
    async with sessions() as session:
        progression = await depots_campagne.progression(session, campagne)
    assert progression["employeurs"]["en_retard"] == 1
    assert progression["exports"]["lignes"] == len(pop.attendus) + 1  # and the former affiliate

    # Started again (a retried POST, the Schedule after a manual start): the same finished campaign, nothing resent.
    encore = await demarrer_campagne(env.client, settings.task_queue, demande)
    assert (await encore.result()).etape is EtapeCampagne.terminee
    assert len(boite.messages) == attendus

    # Deterministic: the recorded histories (first run, and the last one after continue-as-new) replay.
    rejoueur = Replayer(
        workflows=list(WORKFLOWS_CAMPAGNE),
        data_converter=pydantic_data_converter,
        workflow_runner=executant_workflows(),
    )
    await rejoueur.replay_workflow(await handle.fetch_history())
    await rejoueur.replay_workflow(await env.client.get_workflow_handle(handle.id).fetch_history())


def debut_envoi_ok(cree_le: datetime, cal) -> bool:
    return cal.debut_envoi <= cree_le <= cal.fin_envoi + cal.intervalle_envoi


async def test_pause_puis_reprise(banc):
    """Paused before the launch, the campaign sends nothing, even past its dates; resumed, it catches up
    (the launch mails at once; reminders whose date passed while paused are sent on resumption)."""
    env, settings, sessions, boite, pop = banc
    annee = pop.annee
    demande = demande_campagne(settings, annee)
    cal = demande.calendrier
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)
    # Asked at once, before the campaign has opened: the pause waits for the opening, it is not refused.
    vue = await handle.execute_update(CampagneDaiWorkflow.suspendre, ActionSuperviseur(motif="contrôle des listes"))
    assert vue.en_pause
    campagne = await _campagne(sessions, annee)
    assert campagne.en_pause
    assert "déjà suspendue" in await _refus(handle.execute_update(CampagneDaiWorkflow.suspendre, ActionSuperviseur()))

    await avancer_jusqua(env, cal.rappels[0] + timedelta(days=1))

    async def lancement_passe_en_pause() -> bool:
        """The launch timer fired and the workflow's task that followed completed."""
        evenements = [e.event_type for e in (await handle.fetch_history()).events]
        return (
            EventType.EVENT_TYPE_TIMER_FIRED in evenements
            and evenements[-1] == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
        )

    await attendre(lancement_passe_en_pause)
    evenements = [e.event_type for e in (await handle.fetch_history()).events]
    apres_lancement = evenements[evenements.index(EventType.EVENT_TYPE_TIMER_FIRED) :]
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in apres_lancement
    assert EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED not in apres_lancement
    assert boite.messages == [] and await taches_de_campagne(sessions) == []
    assert (await handle.query(CampagneDaiWorkflow.progression)).en_pause

    vue = await handle.execute_update(CampagneDaiWorkflow.reprendre, ActionSuperviseur())
    assert not vue.en_pause
    # Launch mails, then the first reminder (its date has passed), for both employers.
    await attendre(
        lambda: (
            len(boite.pour(pop.employeurs["hopital"].email)) == 2
            and len(boite.pour(pop.employeurs["commune"].email)) == 2
        )
    )
    assert len(await taches_de_campagne(sessions)) == sum(len(a) for a in pop.a_mettre_a_jour.values())
    assert "pas suspendue" in await _refus(handle.execute_update(CampagneDaiWorkflow.reprendre, ActionSuperviseur()))
    async with sessions() as session:
        from persistence import depots

        evenements = [e.type for e in await depots.historique(session, f"campagne-dai-{annee}")]
    assert "campagne_suspendue" in evenements and "campagne_reprise" in evenements
    await handle.terminate()


async def _refus(mise_a_jour) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as refus:
        await mise_a_jour
    return str(refus.value.cause)


async def test_simulation_n_envoie_rien(banc):
    """The dry run reports who would receive what, and mails and tasks per week, without sending anything."""
    env, settings, sessions, boite, pop = banc
    annee = pop.annee
    demande = demande_campagne(settings, annee, simulation=True)
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)
    vue = await handle.result()
    assert vue.etape is EtapeCampagne.simulee  # finished: none of its activities is still running
    assert boite.messages == []
    async with sessions() as session:
        assert (await session.exec(select(Mail))).all() == []
        assert (await session.exec(select(Tache))).all() == []
        assert (await session.exec(select(Document))).all() == []
        campagne = await depots_campagne.campagne_par_annee(session, annee, simulation=True)
        assert campagne is not None
        cibles = await depots_campagne.cibles_de_la_campagne(session, campagne.id, None, None, 100, 0)
    assert not (Path(settings.var_dir) / "exports").exists()
    assert {c["nom"]: c["cohorte"] for c in cibles} == {
        pop.agents[cle].nom: attendu for cle, attendu in pop.attendus.items()
    }
    rapport = campagne.previsionnel
    taches = sum(len(a) for a in pop.a_mettre_a_jour.values())
    assert rapport["taches"] == taches and rapport["employeurs_concernes"] == 2
    semaines = rapport["semaines"]
    lancement = next(s for s in semaines if s["taches"])
    assert lancement["mails_employeurs"] == 2 and lancement["taches"] == taches
    assert sum(s["documents"] for s in semaines) == sum(s["mails_agents"] for s in semaines) == len(pop.attendus)
    # Running it again starts afresh and gives the same report.
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)
    await handle.result()
    async with sessions() as session:
        campagne = await depots_campagne.campagne_par_annee(session, annee, simulation=True)
    assert campagne.previsionnel == rapport
