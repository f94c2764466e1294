"""CampagneLotWorkflow — one step of the DAI campaign for one batch of employers.

The batch is worked one packet at a time (one activity each, bulk SQL inside); the history stays
bounded: beyond the threshold the child continues as new from the last packet done. No document packet goes out
at or after the legal end of the sending: the packet then due only reads the batch's counts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.campagne import ActivitesCampagne
    from domain.campagne import BilanLot, TacheLot

_REESSAIS = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@workflow.defn
class CampagneLotWorkflow:
    @workflow.run
    async def run(self, tache: TacheLot) -> BilanLot:
        bilan = tache.bilan or BilanLot()
        apres = tache.apres_id
        while True:
            hors_delai = tache.limite_envoi is not None and workflow.now() >= tache.limite_envoi
            paquet = await workflow.execute_activity_method(
                ActivitesCampagne.traiter_lot,
                replace(tache, apres_id=apres, bilan=None, hors_delai=hors_delai),
                start_to_close_timeout=timedelta(minutes=15),
                heartbeat_timeout=timedelta(seconds=30),
                retry_policy=_REESSAIS,
            )
            bilan = bilan.plus(paquet)
            apres = paquet.dernier_id
            if paquet.termine:
                return bilan
            info = workflow.info()
            if info.is_continue_as_new_suggested() or info.get_current_history_length() > tache.seuil_historique:
                workflow.continue_as_new(replace(tache, apres_id=apres, bilan=bilan))
