"""A campaign document after its sending, each change a process of its own whose id is the business key:

- ``RenvoiDocumentWorkflow``: a supervisor re-produces and re-sends one document: the new version first (stored with
  the old one's replacement and the history event), then the agent told once, by mail or in the next print batch.
  Two identical requests (``id_workflow_renvoi``) are one process.
- ``RebondsCampagneWorkflow``: the mail provider's bounces reported to a campaign (``domain.campagne_rebonds``): one
  step, whose activity switches each bounced agent to paper, puts the document in the next print batch and opens the
  incident, once per mail. The same bounces reported twice at once (``id_workflow_rebonds``) are one process;
  reported again later, a new process finds them done and changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.common import RetryPolicy, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import FailureError

from workflows.reessais import reessais_sauf

with workflow.unsafe.imports_passed_through():
    from activities.campagne_rebonds import ActivitesRebonds
    from activities.campagne_renvoi import ActivitesRenvoi
    from domain.campagne import LivraisonsModifiees, id_workflow_campagne
    from domain.campagne_rebonds import REFUS_REBOND, DemandeRebonds, ResultatRebonds, id_workflow_rebonds
    from domain.campagne_renvoi import REFUS_RENVOI, DemandeRenvoi, ResultatRenvoi, VersionProduite, id_workflow_renvoi
    from workflows.campagne import CampagneDaiWorkflow

_REESSAIS_RENVOI = reessais_sauf(REFUS_RENVOI)
_REESSAIS_REBONDS = reessais_sauf(REFUS_REBOND)
_Demande = TypeVar("_Demande", DemandeRenvoi, VersionProduite, DemandeRebonds)
_Resultat = TypeVar("_Resultat")


async def _executer(
    activite: Callable[[Any, _Demande], Awaitable[_Resultat]],
    demande: _Demande,
    minutes: int,
    reessais: RetryPolicy,
) -> _Resultat:
    """One step of these processes: its request stamped with the process's clock (the history's dates)."""
    return await workflow.execute_activity_method(
        activite,
        replace(demande, horodatage=workflow.now()),
        start_to_close_timeout=timedelta(minutes=minutes),
        retry_policy=reessais,
    )


@workflow.defn
class RenvoiDocumentWorkflow:
    @workflow.run
    async def run(self, demande: DemandeRenvoi) -> ResultatRenvoi:
        produite = await _executer(ActivitesRenvoi.produire, demande, 2, _REESSAIS_RENVOI)
        return await _executer(ActivitesRenvoi.annoncer, produite, 5, _REESSAIS_RENVOI)


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


@workflow.defn
class RebondsCampagneWorkflow:
    @workflow.run
    async def run(self, demande: DemandeRebonds) -> ResultatRebonds:
        resultat = await _executer(ActivitesRebonds.traiter, demande, 5, _REESSAIS_REBONDS)
        # The campaign's counters are its process's state: it counts its mails and letters again. Always, even when
        # every bounce was reported before: a count that changes nothing writes nothing, and one lost after a retry
        # is made again. A campaign that has ended takes no signal: its row, all that is left of it, is recounted.
        campagne = workflow.get_external_workflow_handle_for(
            CampagneDaiWorkflow.run, id_workflow_campagne(demande.annee)
        )
        try:
            await campagne.signal(
                CampagneDaiWorkflow.livraisons_modifiees, LivraisonsModifiees(workflow.info().workflow_id)
            )
        except FailureError:
            await _executer(ActivitesRebonds.recompter_campagne_close, demande, 5, _REESSAIS_REBONDS)
        return resultat


async def demarrer_rebonds(
    client: Client, task_queue: str, demande: DemandeRebonds
) -> WorkflowHandle[RebondsCampagneWorkflow, ResultatRebonds]:
    """Start the bounces' process, or join the one under way for the same Message-IDs."""
    return await client.start_workflow(
        RebondsCampagneWorkflow.run,
        demande,
        id=id_workflow_rebonds(demande.annee, [rebond.message_id for rebond in demande.rebonds]),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
