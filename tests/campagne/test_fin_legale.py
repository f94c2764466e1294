"""The legal end of the sending (31 December N+1) holds before each packet, not only when a tranche starts: a tranche
paused in its middle and resumed after that date sends nothing more; the agents it did not reach are counted in the
campaign's state and history, marked on their line, and told to the supervisors as an incident (time-skipping
server)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import func, select
from temporalio import activity
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.campagne import ActionSuperviseur, BilanLot, EtatCible, TacheLot, TravailLot
from persistence import depots, depots_campagne, livraison_campagne
from persistence.db import SessionFactory, creer_moteur, fabrique_sessions
from persistence.models import Document
from persistence.models_campagne import CibleCampagne
from settings import Settings
from tests.support.arret import PuitsRetenant, boite_retenant
from tests.support.attente import attendre, au_repos
from tests.support.campagne import PopulationCampagne, annee_de_campagne, avancer_jusqua, population_campagne
from tests.support.environnement import BoiteMail, settings_de_test
from worker import creer_worker, executant_workflows
from workflows.campagne import CampagneDaiWorkflow
from workflows.campagne_client import demande_campagne, demarrer_campagne
from workflows.campagne_lot import CampagneLotWorkflow

Banc = tuple[WorkflowEnvironment, Settings, SessionFactory, BoiteMail, PuitsRetenant, PopulationCampagne]


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, url_sqlite) -> AsyncIterator[Banc]:
    with boite_retenant(tmp_path / "mail", domaine="agents.example.fr") as (boite, puits):
        # One tranche, one employer per batch, one batch at a time, one agent per packet: the tranche's batches
        # follow one another, and a pause taken in the first one leaves the others to do.
        settings = settings_de_test(
            tmp_path,
            url_sqlite,
            boite.port,
            campagne_intervalle_envoi=timedelta(days=200),
            campagne_taille_lot_employeurs=1,
            campagne_lots_en_parallele=1,
            campagne_taille_paquet=1,
        )
        moteur = creer_moteur(url_sqlite)
        sessions = fabrique_sessions(moteur)
        try:
            pop = await population_campagne(sessions, await annee_de_campagne(env_temps_accelere), avec_eig=False)
            async with creer_worker(env_temps_accelere.client, settings, sessions):
                yield env_temps_accelere, settings, sessions, boite, puits, pop
        finally:
            await moteur.dispose()


def _agents_servis(boite: BoiteMail, pop: PopulationCampagne) -> set[str]:
    return {cle for cle, agent in pop.agents.items() if boite.pour(agent.email)}


async def test_une_tranche_suspendue_puis_reprise_apres_le_31_decembre_n_plus_1_n_envoie_plus_rien(banc: Banc):
    env, settings, sessions, boite, puits, pop = banc
    demande = demande_campagne(settings, pop.annee)
    cal = demande.calendrier
    assert len(cal.tranches()) == 1
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)
    try:
        await avancer_jusqua(env, cal.tranches()[0])
        # The tranche's first batch is inside its first packet, its first agent's mail held by the server.
        await attendre(puits.retenu.is_set, 60)
        await handle.execute_update(CampagneDaiWorkflow.suspendre, ActionSuperviseur(motif="contrôle des documents"))
        puits.relache.set()
        await au_repos(handle, 60)  # the batch under way finished; the others wait for the resumption
        servis = _agents_servis(boite, pop)
        assert servis and servis < set(pop.attendus), servis

        await avancer_jusqua(env, cal.limite_envoi() + timedelta(hours=1))
        await handle.execute_update(CampagneDaiWorkflow.reprendre, ActionSuperviseur(motif="fin du contrôle"))
        vue = await handle.result()
    finally:
        with contextlib.suppress(RPCError):  # finished
            await handle.terminate()

    await asyncio.sleep(0.5)  # a mail sent after the resumption would have arrived by now
    assert _agents_servis(boite, pop) == servis  # nothing more was sent
    non_atteints = len(pop.attendus) - len(servis)
    assert vue.etape == "terminee" and vue.compteurs.non_atteints == non_atteints

    async with sessions() as session:
        campagne = await depots_campagne.campagne_par_annee(session, pop.annee)
        assert campagne is not None and campagne.compteurs["non_atteints"] == non_atteints
        historique = {e.type: e.details for e in await depots.historique(session, campagne.workflow_id)}
        hors_delai = (
            await session.exec(
                select(func.count())
                .select_from(CibleCampagne)
                .where(CibleCampagne.campagne_id == campagne.id, CibleCampagne.etat == EtatCible.hors_delai.value)
            )
        ).one()
        documents = (await session.exec(select(func.count()).select_from(Document))).one()
        incidents = [i for i, c, _ in await livraison_campagne.incidents_ouverts(session) if c.id == campagne.id]
    assert historique["envoi_arrete_fin_legale"] == {"pas": "documents-0", "lots_non_commences": 2}
    assert historique["campagne_terminee"] == {"agents_non_atteints": non_atteints}
    assert hors_delai == non_atteints and documents == len(servis)
    # The supervisors are told, in French, how many agents and since when.
    assert len(incidents) == 1 and incidents[0].type == "metier" and incidents[0].etape == "documents"
    assert (
        f"L'envoi des documents de la campagne {pop.annee} est clos depuis la fin du 31 décembre {pop.annee + 1}"
        in (incidents[0].motif)
    )
    assert f"{non_atteints} agent" in incidents[0].motif


async def test_un_lot_ne_traite_plus_aucun_paquet_a_partir_de_la_limite(env_temps_accelere):
    """A batch checks the legal end before each of its packets: before it, its packets are worked; from it on, the
    packet then due only reads the batch's counts (``hors_delai``), and the batch ends."""
    env = env_temps_accelere
    recus: list[TacheLot] = []

    @activity.defn(name="campagne_traiter_lot")
    async def traiter_lot(tache: TacheLot) -> BilanLot:
        recus.append(tache)
        return BilanLot(dernier_id=tache.apres_id + 1, termine=tache.hors_delai or tache.apres_id >= 2)

    maintenant = await env.get_current_time()
    file = f"lot-{uuid.uuid4().hex[:8]}"
    async with Worker(
        env.client,
        task_queue=file,
        workflows=[CampagneLotWorkflow],
        activities=[traiter_lot],
        workflow_runner=executant_workflows(),
    ):
        for rang, (limite, attendus) in enumerate(
            ((maintenant + timedelta(days=1), [False, False, False]), (maintenant, [True]))
        ):
            recus.clear()
            tache = TacheLot(1, "campagne-dai-2099", 2099, 0, TravailLot.documents, 0, 1, maintenant)
            await env.client.execute_workflow(
                CampagneLotWorkflow.run, replace(tache, limite_envoi=limite), id=f"{file}-{rang}", task_queue=file
            )
            assert [paquet.hors_delai for paquet in recus] == attendus
