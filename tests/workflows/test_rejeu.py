"""Every recorded history (``make historiques``) replays against the current code: a change of a workflow
that would break a process under way fails here (docs/versions.md says what to do then)."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import WORKFLOWS, executant_workflows

HISTORIQUES = Path(__file__).parent / "historiques"
FICHIERS = sorted(HISTORIQUES.glob("*.json"))


def _historique(fichier: Path) -> WorkflowHistory:
    """``<scenario>.<workflow id>.json`` (tests/workflows/enregistrer.py)."""
    return WorkflowHistory.from_json(fichier.name.split(".")[1], fichier.read_text())


def _type(historique: WorkflowHistory) -> str:
    return historique.events[0].workflow_execution_started_event_attributes.workflow_type.name


def test_chaque_workflow_a_un_historique_enregistre():
    enregistres = {_type(_historique(fichier)) for fichier in FICHIERS}
    assert enregistres == {workflow.__name__ for workflow in WORKFLOWS}


@pytest.mark.parametrize("fichier", FICHIERS, ids=[fichier.stem for fichier in FICHIERS])
async def test_un_historique_enregistre_se_rejoue(fichier: Path):
    await Replayer(
        workflows=list(WORKFLOWS), data_converter=pydantic_data_converter, workflow_runner=executant_workflows()
    ).replay_workflow(_historique(fichier))
