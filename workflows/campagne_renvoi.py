"""RenvoiDocumentWorkflow — a supervisor re-produces and re-sends one campaign document: the new version first
(stored with the old one's replacement and the history event), then the agent told once, by mail or in the next
print batch. Its id is the business key (``id_workflow_renvoi``): two identical requests are one process."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from temporalio import workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from workflows.reessais import reessais_sauf

with workflow.unsafe.imports_passed_through():
    from activities.campagne_renvoi import ActivitesRenvoi
    from domain.campagne_renvoi import REFUS_RENVOI, DemandeRenvoi, ResultatRenvoi, id_workflow_renvoi

_REESSAIS = reessais_sauf(REFUS_RENVOI)


@workflow.defn
class RenvoiDocumentWorkflow:
    @workflow.run
    async def run(self, demande: DemandeRenvoi) -> ResultatRenvoi:
        produite = await workflow.execute_activity_method(
            ActivitesRenvoi.produire,
            replace(demande, horodatage=workflow.now()),
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=_REESSAIS,
        )
        return await workflow.execute_activity_method(
            ActivitesRenvoi.annoncer,
            replace(produite, horodatage=workflow.now()),
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=_REESSAIS,
        )


async def demarrer_renvoi(
    client: Client, task_queue: str, demande: DemandeRenvoi
) -> WorkflowHandle[RenvoiDocumentWorkflow, ResultatRenvoi]:
    """Start the re-send, or join the one under way for the same document; one already done is not done again
    (``WorkflowAlreadyStartedError``: the document has been replaced)."""
    return await client.start_workflow(
        RenvoiDocumentWorkflow.run,
        demande,
        id=id_workflow_renvoi(demande.annee, demande.document_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )
