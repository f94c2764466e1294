"""The release gate, as an operator runs it before a release: `cnracl versions verifier` replays the processes
running on a cluster (here a dev server of the test's own) against the code about to be released."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from settings import Settings
from tests.support.attente import attendre
from tests.support.environnement import BIN
from tests.support.versions import LancementDeLaVersionPrecedente
from worker import executant_workflows
from workflows.campagne import LancementCampagneWorkflow
from workflows.campagne_client import lancement_annuel


@pytest.fixture
async def serveur() -> AsyncIterator[WorkflowEnvironment]:
    """A cluster of the test's own: the gate replays every process it holds."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"), data_converter=pydantic_data_converter
    )
    yield env
    await env.shutdown()


async def _lancer_jusqu_a(client: Client, code: type, workflow_id: str, evenement: EventType.ValueType) -> None:
    """Start the launch with ``code`` as the running version, until its history holds ``evenement``; its worker
    then stops, leaving the process under way, as a release finds it."""
    file = f"versions-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=file, workflows=[code], workflow_runner=executant_workflows()):
        handle: WorkflowHandle[object, str] = await client.start_workflow(
            "LancementCampagneWorkflow", lancement_annuel(Settings(task_queue=file)), id=workflow_id, task_queue=file
        )

        async def arrive() -> bool:
            return any(e.event_type == evenement for e in (await handle.fetch_history()).events)

        await attendre(arrive, 30)


def _verifier(adresse: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CNRACL_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run(
        [str(BIN / "cnracl"), "versions", "verifier", "--depuis", adresse, "--nombre", "10"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_le_code_courant_reprend_les_processus_en_cours_puis_une_version_incompatible_est_refusee(
    serveur: WorkflowEnvironment, tmp_path: Path
):
    client = serveur.client
    await _lancer_jusqu_a(
        client, LancementCampagneWorkflow, "lancement-courant", EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    )

    accepte = _verifier(serveur.client.service_client.config.target_host, tmp_path)
    assert accepte.returncode == 0, accepte.stderr
    assert "LancementCampagneWorkflow : 1 historique(s) rejoué(s)" in accepte.stdout
    assert "la mise en production peut se faire" in accepte.stdout

    await _lancer_jusqu_a(
        client, LancementDeLaVersionPrecedente, "lancement-ancien", EventType.EVENT_TYPE_TIMER_STARTED
    )

    refuse = _verifier(serveur.client.service_client.config.target_host, tmp_path)
    assert refuse.returncode == 1, refuse.stdout
    assert "LancementCampagneWorkflow : 2 historique(s) rejoué(s)" in refuse.stdout
    assert "1 processus ne se rejouent pas" in refuse.stderr
    assert "lancement-ancien" in refuse.stderr
    assert "lancement-courant" not in refuse.stderr
    assert "nondetermin" in refuse.stderr.lower()


def test_un_moteur_injoignable_est_dit_en_francais(tmp_path: Path):
    resultat = _verifier("127.0.0.1:1", tmp_path)
    assert resultat.returncode == 2
    assert "moteur" in resultat.stderr.lower()
    assert "Traceback" not in resultat.stderr
