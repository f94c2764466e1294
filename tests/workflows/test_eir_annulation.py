"""A supervisor cancels an EIR, with a reason, at any step (not only in incident): on Temporal's time-skipping server
with the real activities (SQLite, the real SMTP server)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.worker import Replayer

from domain.eir import ActionAffilie
from domain.etats import EtatEir
from domain.processus import ActionSuperviseur
from persistence import depots
from tests.support.attente import attendre, au_repos
from tests.support.banc_eir import Banc, banc_eir, jusqua
from tests.support.fabriques import AGENT, EMPLOYEUR
from worker import executant_workflows
from workflows.eir import EirWorkflow

ANNULEE = "Votre demande d'entretien information retraite est annulée"
MOTIF = "L'agent a demandé par téléphone l'arrêt de sa demande"


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite):
    async with banc_eir(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite) as banc:
        yield banc


async def _action(banc: Banc, motif: str = MOTIF) -> ActionSuperviseur:
    """The supervisor's cancellation, sent with the state the page showed."""
    return ActionSuperviseur(motif=motif, sequence=(await banc.demande()).sequence)


@pytest.mark.parametrize(
    "etape",
    ["attente_notification", "verification_employeur", "ris_disponible", "consolidation_employeur", "bilan_disponible"],
)
async def test_un_superviseur_annule_a_chaque_etape(banc: Banc, etape: str):
    await jusqua(banc, etape)
    await au_repos(banc.handle)
    avant = len(banc.boite.messages)
    tache_ouverte = [t for t in await banc.taches() if t.etat == "ouverte"]

    vue = await banc.handle.execute_update(EirWorkflow.annuler, await _action(banc))
    assert vue.etat is EtatEir.annulee
    assert (await banc.handle.result()).etat is EtatEir.annulee
    demande = await banc.demande()
    assert demande.etat == "annulee" and demande.terminee_le is not None and demande.en_attente_de is None

    # The history says who cancelled and why.
    async with banc.sessions() as session:
        evenements = await depots.historique(session, banc.handle.id)
    annulation = [e for e in evenements if e.type == "processus_annule"]
    assert len(annulation) == 1
    assert annulation[0].acteur == "superviseur" and annulation[0].details["motif"] == MOTIF

    # The agent is mailed once; the employer whose task was open is told it is cancelled.
    await attendre(lambda: ANNULEE in banc.boite.sujets(AGENT))
    nouveaux = banc.boite.messages[avant:]
    assert [str(m["Subject"]) for m in nouveaux].count(ANNULEE) == 1
    if tache_ouverte:
        await attendre(lambda: len(banc.boite.messages) == avant + 2)
        assert [t.etat for t in await banc.taches() if t.id == tache_ouverte[0].id] == ["annulee"]
        assert [m["To"] for m in banc.boite.messages[avant:] if m["To"] != AGENT] == [EMPLOYEUR]
    else:
        assert len(nouveaux) == 1, [str(m["Subject"]) for m in nouveaux]
    assert all(t.etat != "ouverte" for t in await banc.taches())

    # Nothing more afterwards: no employer notification, no reminder, no survey.
    compte = len(banc.boite.messages)
    await banc.env.sleep(timedelta(days=40))
    await au_repos(banc.handle)
    assert len(banc.boite.messages) == compte


async def test_l_annulation_demande_une_raison_et_une_demande_en_cours(banc: Banc):
    await jusqua(banc, "verification_employeur")
    with pytest.raises(WorkflowUpdateFailedError) as sans_motif:
        await banc.handle.execute_update(EirWorkflow.annuler, await _action(banc, "  "))
    assert "motif : indiquez pourquoi la demande est annulée" in str(sans_motif.value.cause)
    assert await banc.etat() == "verification_employeur"

    # Withdrawn by the agent: nothing left to cancel (the process has ended).
    await banc.handle.execute_update(EirWorkflow.retirer, ActionAffilie())
    assert (await banc.handle.result()).etat is EtatEir.retiree
    with pytest.raises(RPCError):  # the engine refuses an update to an ended process
        await banc.handle.execute_update(EirWorkflow.annuler, await _action(banc))
    assert await banc.etat() == "retiree"
    assert ANNULEE not in banc.boite.sujets(AGENT)


async def test_l_historique_d_une_annulation_se_rejoue(banc: Banc):
    await jusqua(banc, "ris_disponible")
    await banc.handle.execute_update(EirWorkflow.annuler, await _action(banc))
    assert (await banc.handle.result()).etat is EtatEir.annulee
    historique = await banc.handle.fetch_history()
    await Replayer(
        workflows=[EirWorkflow], data_converter=pydantic_data_converter, workflow_runner=executant_workflows()
    ).replay_workflow(historique)
    assert any(e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED for e in historique.events)
