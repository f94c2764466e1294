"""The release gate: the new workflow code must replay the histories of the processes running on the cluster.

A process under way is resumed by whichever worker picks it up next; after a release, that is the new code, which
replays the process's history from its start. A change of a workflow's steps that was not guarded (docs/versions.md)
makes that replay diverge: the process stops with a nondeterminism error. This gate runs the replay before the
release, against recent histories fetched from the running cluster, so the divergence is found on the operator's
desk and not in production."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Replayer

from worker import WORKFLOWS, executant_workflows


@dataclass
class RapportVersions:
    """The gate's answer: the histories replayed, and those the new code does not replay."""

    rejoues: dict[str, int] = field(default_factory=dict)  # histories replayed, per workflow type
    divergences: list[Divergence] = field(default_factory=list)

    @property
    def compatible(self) -> bool:
        return not self.divergences


@dataclass(frozen=True)
class Divergence:
    """A history the new code does not replay: which process, and the engine's reason."""

    type_workflow: str
    workflow_id: str
    raison: str


def nom_du_type(workflow: type) -> str:
    """The type name the engine records (``@workflow.defn(name=…)``, by default the class name)."""
    definition = getattr(workflow, "__temporal_workflow_definition", None)
    return str(getattr(definition, "name", None) or workflow.__name__)


async def _historiques(client: Client, type_workflow: str, nombre: int) -> AsyncIterator[WorkflowHistory]:
    """The ``nombre`` most recent runs of ``type_workflow`` (running or closed), newest first."""
    async for execution in client.list_workflows(f"WorkflowType = '{type_workflow}'", limit=nombre):
        yield await client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()


async def verifier_versions(client: Client, nombre: int, workflows: Sequence[type] = WORKFLOWS) -> RapportVersions:
    """Replay, against ``workflows`` (the code about to be released), the last ``nombre`` histories of each type.

    The client's data converter (its payload codec included) decodes the histories as the worker would."""
    rejoueur = Replayer(
        workflows=list(workflows), data_converter=client.data_converter, workflow_runner=executant_workflows()
    )
    rapport = RapportVersions()
    for workflow in workflows:
        type_workflow = nom_du_type(workflow)
        historiques = [historique async for historique in _historiques(client, type_workflow, nombre)]

        async def flux(liste: list[WorkflowHistory] = historiques) -> AsyncIterator[WorkflowHistory]:
            for historique in liste:
                yield historique

        resultats = await rejoueur.replay_workflows(flux(), raise_on_replay_failure=False)
        rapport.rejoues[type_workflow] = len(historiques)
        rapport.divergences.extend(
            Divergence(type_workflow, historique.workflow_id, str(resultats.replay_failures[historique.run_id]))
            for historique in historiques
            if historique.run_id in resultats.replay_failures
        )
    return rapport
