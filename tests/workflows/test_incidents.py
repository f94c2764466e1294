"""A failing step of a process becomes an incident (time-skipping server, real activities, SQLite, real SMTP):
a business failure (the calculation refuses a CIR line) is not retried, a technical one (the mail server down)
after its attempts; the supervisor resumes or cancels; the agent's withdrawal always takes effect."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlmodel import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError

from domain.cir import LigneCir
from domain.eir import ActionAffilie
from domain.etats import Acteur, EtatEir
from domain.processus import ActionSuperviseur
from domain.taches import ReponseTache
from notifications.puits import demarrer_puits
from persistence import depots
from persistence.models import Document, Mail, Tache
from services import cir
from tests.support.attente import attendre, au_repos
from tests.support.banc_eir import Banc, banc_eir, jusqua
from tests.support.environnement import BoiteMail, port_libre, settings_de_test
from tests.support.fabriques import AGENT, EMPLOYEUR, ligne_chez, population
from tests.support.incidents import inserer_ligne_de_1800, supprimer_ligne_de_1800
from worker import creer_worker
from workflows.eir import EirWorkflow

BILAN = "Votre bilan personnalisé retraite est disponible"


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite):
    async with banc_eir(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite) as banc:
        yield banc


async def _en_incident(banc: Banc) -> None:
    """Up to the RIS, a bad line slipped in, the RIS validated: the bilan's calculation refuses it."""
    await jusqua(banc, "ris_disponible")
    await inserer_ligne_de_1800(banc.sessions, banc.pop.affilie, banc.pop.employeur)
    await banc.handle.execute_update(EirWorkflow.valider_ris, ActionAffilie())
    await banc.en_etat(EtatEir.incident)


async def _essais_du_calcul(banc: Banc) -> list[int]:
    """The attempt number of each run of the bilan's calculation (one entry per scheduling)."""
    essais, calcul = [], set()
    async for evenement in banc.handle.fetch_history_events():
        if evenement.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            if evenement.activity_task_scheduled_event_attributes.activity_type.name == "eir_calculer_bilan":
                calcul.add(evenement.event_id)
        elif evenement.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            attributs = evenement.activity_task_started_event_attributes
            if attributs.scheduled_event_id in calcul:
                essais.append(attributs.attempt)
    return essais


async def _action(banc: Banc, motif: str) -> ActionSuperviseur:
    """A supervisor's action on the state they read (its sequence, as the console sends it)."""
    return ActionSuperviseur(motif=motif, sequence=(await banc.demande()).sequence)


async def _taches_incident(banc: Banc) -> list[Tache]:
    return [t for t in await banc.taches() if t.type == "incident"]


async def test_un_echec_metier_ouvre_un_incident_sans_reessai_puis_la_reprise_produit_le_bilan_une_fois(banc: Banc):
    await _en_incident(banc)
    demande = await banc.demande()
    assert demande.en_attente_de == "superviseur"
    assert demande.incident is not None
    incident = demande.incident
    assert incident["type"] == "metier" and incident["tentatives"] == 1
    assert "ligne de carrière (CIR) de 1800" in incident["motif"] and "précède la naissance" in incident["motif"]
    assert "L'employeur de cette période doit corriger ou supprimer la ligne" in incident["motif"]
    assert incident["etape"] == "calcul du bilan personnalisé"
    # Not retried: one run, its first attempt; nothing more happens while nobody acts.
    await banc.env.sleep(timedelta(days=3))
    await au_repos(banc.handle)
    assert await _essais_du_calcul(banc) == [1]
    assert await banc.etat() == "incident"
    [tache] = await _taches_incident(banc)
    assert tache.etat == "ouverte" and tache.destinataire == "superviseur" and tache.employeur_id is None
    assert "1800" in tache.details["motif"]
    assert BILAN not in banc.boite.sujets(AGENT)

    # A reprise before the fix fails again, once: the incident stays, its attempts counted.
    vue = await banc.handle.execute_update(EirWorkflow.reprendre, await _action(banc, "essai"))
    assert vue.etat is EtatEir.incident

    async def deux_essais() -> bool:
        incident = (await banc.demande()).incident or {}
        return len(await _essais_du_calcul(banc)) == 2 and incident.get("tentatives") == 2

    await attendre(deux_essais)
    assert await banc.etat() == "incident" and len(await _taches_incident(banc)) == 1

    # The employer deletes the line; the supervisor resumes: the bilan once, the state restored.
    await supprimer_ligne_de_1800(banc.sessions)
    await banc.handle.execute_update(EirWorkflow.reprendre, await _action(banc, "ligne supprimée"))
    await banc.en_etat(EtatEir.bilan_disponible)
    await attendre(lambda: BILAN in banc.boite.sujets(AGENT))
    demande = await banc.demande()
    assert demande.incident is None and demande.en_attente_de is None
    assert [t.etat for t in await _taches_incident(banc)] == ["terminee"]
    await au_repos(banc.handle)
    assert await _essais_du_calcul(banc) == [1, 1, 1]
    assert banc.boite.sujets(AGENT).count(BILAN) == 1
    async with banc.sessions() as session:
        assert len((await session.exec(select(Document).where(Document.type == "bilan"))).all()) == 1
        evenements = [(e.type, e.acteur, e.details) for e in await _historique(session, banc.handle.id)]
    types = [t for t, _, _ in evenements]
    assert types.count("incident_ouvert") == 1 and types.count("incident_resolu") == 1
    assert types.count("incident_relance") == 2 and types.count("incident_persistant") == 1
    relances = [(acteur, details["motif"]) for t, acteur, details in evenements if t == "incident_relance"]
    assert relances == [("superviseur", "essai"), ("superviseur", "ligne supprimée")]
    assert types.index("incident_ouvert") < types.index("incident_resolu") < types.index("bilan_disponible")


async def _historique(session, workflow_id: str):
    from persistence import depots

    return await depots.historique(session, workflow_id)


async def test_l_annulation_d_un_incident_clot_le_processus_et_previent_l_agent(banc: Banc):
    await _en_incident(banc)
    with pytest.raises(WorkflowUpdateFailedError) as sans_motif:
        await banc.handle.execute_update(EirWorkflow.annuler, await _action(banc, " "))
    assert "motif : indiquez pourquoi" in str(sans_motif.value.cause)
    vue = await banc.handle.execute_update(
        EirWorkflow.annuler, await _action(banc, "Carrière à reconstituer entièrement")
    )
    assert vue.etat is EtatEir.annulee
    assert (await banc.handle.result()).etat is EtatEir.annulee
    demande = await banc.demande()
    assert demande.etat == "annulee" and demande.terminee_le is not None and demande.incident is None
    assert [t.etat for t in await _taches_incident(banc)] == ["annulee"]
    await attendre(lambda: "Votre demande d'entretien information retraite est annulée" in banc.boite.sujets(AGENT))
    async with banc.sessions() as session:
        evenements = await _historique(session, banc.handle.id)
    annulation = [e for e in evenements if e.type == "processus_annule"]
    assert len(annulation) == 1 and annulation[0].acteur == "superviseur"
    assert annulation[0].details["motif"] == "Carrière à reconstituer entièrement"


async def test_un_processus_sans_incident_ne_peut_etre_relance(banc: Banc):
    # (An EIR may be cancelled at any step: tests/workflows/test_eir_annulation.py.)
    await jusqua(banc, "verification_employeur")
    with pytest.raises(WorkflowUpdateFailedError) as refus:
        await banc.handle.execute_update(EirWorkflow.reprendre, ActionSuperviseur(motif="par erreur"))
    assert "Ce processus n'est pas en incident" in str(refus.value.cause)
    assert await banc.etat() == "verification_employeur"


async def test_le_retrait_pendant_un_incident_clot_le_processus(banc: Banc):
    await _en_incident(banc)
    vue = await banc.handle.execute_update(EirWorkflow.retirer, ActionAffilie())
    assert vue.etat is EtatEir.retiree
    assert (await banc.handle.result()).etat is EtatEir.retiree
    demande = await banc.demande()
    assert demande.etat == "retiree" and demande.incident is None and demande.terminee_le is not None
    assert [t.etat for t in await _taches_incident(banc)] == ["annulee"]
    await attendre(lambda: "Votre demande d'entretien information retraite est retirée" in banc.boite.sujets(AGENT))
    assert BILAN not in banc.boite.sujets(AGENT)


async def test_un_echec_technique_devient_un_incident_apres_ses_tentatives_puis_reprend_seul(
    env_temps_accelere, tmp_path, sessions_sqlite, url_sqlite
):
    """The mail server is down from the start: the acknowledgment fails its 3 attempts, the process shows a
    technical incident with the count and the last error; the server back, the process resumes on its own
    after the configured delay and the mail leaves once."""
    port = port_libre()
    settings = settings_de_test(
        tmp_path,
        url_sqlite,
        port,
        tentatives_avant_incident=3,
        incident_reprise_automatique=timedelta(minutes=30),
    )
    pop = await population(sessions_sqlite)
    controleur = None
    async with creer_worker(env_temps_accelere.client, settings, sessions_sqlite):
        banc = Banc(env_temps_accelere, settings, sessions_sqlite, None, pop)
        await banc.demarrer()
        await banc.en_etat(EtatEir.incident)
        demande = await banc.demande()
        incident = demande.incident
        assert incident["type"] == "technique" and incident["tentatives"] == 3
        assert incident["etape"] == "envoi d'un courriel" and incident["derniere_erreur"]
        assert "après 3 tentatives" in incident["motif"] and "toutes les 30 minutes" in incident["motif"]
        assert demande.en_attente_de == "superviseur"
        assert [t.type for t in await banc.taches()] == ["incident"]
        try:
            controleur, gestionnaire = demarrer_puits(tmp_path / "mail", port=port)
            boite = BoiteMail(gestionnaire, port)
            await env_temps_accelere.sleep(timedelta(minutes=31))
            await attendre(lambda: len(boite.pour(AGENT)) >= 1)
            await banc.en_etat(EtatEir.attente_notification_employeur)
            demande = await banc.demande()
            assert demande.incident is None and demande.en_attente_de == "affilie"
            assert [t.etat for t in await banc.taches()] == ["terminee"]
            await attendre(lambda: len(boite.pour(AGENT)) == 2)  # then the next step's mail
            async with sessions_sqlite() as session:
                mails = (await session.exec(select(Mail).where(Mail.evenement == "accuse_reception"))).all()
            assert (
                len(mails) == 1
                and boite.sujets(AGENT).count("Votre demande d'entretien information retraite est enregistrée") == 1
            )
            assert EMPLOYEUR not in [m["To"] for m in boite.messages]
        finally:
            if controleur is not None:
                controleur.stop()


async def test_une_correction_refusee_a_l_ecriture_est_rendue_a_l_employeur_sans_boucler(banc: Banc):
    """The employer's correction passes the service's check, then the CIR changes before the process writes it
    (another entry wrote a period over it): the write refuses it once, not retried; the employer gets the refusal
    in French naming the rule, nothing of the answer is stored, the task stays open, the history says why; a
    new answer then goes through."""
    await jusqua(banc, "verification_employeur")
    tache = await banc.tache_ouverte()
    correction = LigneCir(date_debut=date(2026, 1, 1), date_fin=date(2026, 3, 31), indice_majore=600)
    async with banc.sessions() as session:
        await cir.verifier_corrections(session, banc.pop.affilie.id, [correction])  # accepted by the service
    await ligne_chez(banc.sessions, banc.pop.affilie, banc.pop.employeur, date(2026, 2, 1), date(2026, 6, 30))
    with pytest.raises(WorkflowUpdateFailedError) as refus:
        await asyncio.wait_for(
            banc.handle.execute_update(
                EirWorkflow.completer_tache,
                ReponseTache(
                    tache_id=tache.id, carriere_verifiee=True, indice_fin_de_carriere=600, corrections=[correction]
                ),
            ),
            timeout=20,
        )
    message = str(refus.value.cause)
    assert "Votre réponse n'est pas enregistrée" in message and "chevauche" in message
    assert "la tâche reste ouverte" in message
    assert await banc.etat() == "verification_employeur"
    [ouverte] = [t for t in await banc.taches() if t.etat == "ouverte"]
    assert ouverte.id == tache.id and ouverte.reponse is None
    async with banc.sessions() as session:
        lignes_2026 = [ligne for ligne in await depots.lignes_cir(session, banc.pop.affilie.id) if ligne.annee == 2026]
        evenements = await _historique(session, banc.handle.id)
    assert [(ligne.date_debut, ligne.date_fin) for ligne in lignes_2026] == [(date(2026, 2, 1), date(2026, 6, 30))]
    [refusee] = [e for e in evenements if e.type == "reponse_refusee"]
    assert refusee.acteur == "employeur" and "chevauche" in refusee.details["motif"]
    # another answer is taken
    await banc.completer(indice_fin_de_carriere=600)
    await banc.en_etat(EtatEir.ris_disponible)


async def test_une_correction_pendant_le_nouvel_essai_relance_quand_meme(banc: Banc):
    """A supervisor resumes before the fix; the employer's correction comes while that run is being tried (it
    may have read the data before the fix): the correction's resumption is taken all the same, run once that
    try has failed, and the bilan comes once — the incident does not stay open on corrected data."""
    await _en_incident(banc)
    await banc.handle.execute_update(EirWorkflow.reprendre, await _action(banc, "essai"))
    # at once, as the CIR's service does after deleting the line: the run resumed above is still going
    await supprimer_ligne_de_1800(banc.sessions)
    await banc.handle.execute_update(
        EirWorkflow.reprendre,
        ActionSuperviseur(motif="ligne supprimée", correction_par=Acteur.employeur),
    )
    await banc.en_etat(EtatEir.bilan_disponible)
    await attendre(lambda: BILAN in banc.boite.sujets(AGENT))
    await au_repos(banc.handle)
    assert banc.boite.sujets(AGENT).count(BILAN) == 1
    assert (await banc.demande()).incident is None
    async with banc.sessions() as session:
        evenements = [(e.type, e.acteur) for e in await _historique(session, banc.handle.id)]
    assert ("incident_relance", "superviseur") in evenements
    assert [e for e in evenements if e[0] == "incident_resolu"] == [("incident_resolu", "cnracl")]
