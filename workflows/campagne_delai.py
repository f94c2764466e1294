"""DelaiEmployeurWorkflow — one employer's extended deadline in the DAI campaign (issue 24, §8).

A manager gave the employer its own date: its own reminder before it, its tasks closed at it, its reminder after
it (before the transmission). A new extension (a signal) replaces the date and the calendar starts again from it;
the steps' mails have their keys, so nothing is mailed twice for one date. While the campaign is suspended (a
signal from the supervisors' pause and resumption), a step that falls due waits for the resumption.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.campagne_echeances import ActivitesEcheances
    from domain.campagne_echeances import DelaiEmployeur, EcheanceEmployeurs

_COURTE = timedelta(minutes=5)
_REESSAIS = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@workflow.defn
class DelaiEmployeurWorkflow:
    @workflow.init
    def __init__(self, delai: DelaiEmployeur) -> None:
        self._delai = delai
        self._en_pause = delai.en_pause

    @workflow.run
    async def run(self, delai: DelaiEmployeur) -> None:
        while True:
            cible = self._delai
            if cible.rappel is not None and cible.rappel < cible.date_limite:
                if not await self._jusqua(cible, cible.rappel):
                    continue
                await self._faire(ActivitesEcheances.rappeler_avant_delai, cible)
            if not await self._jusqua(cible, cible.date_limite):
                continue
            await self._faire(ActivitesEcheances.clore_a_la_date_limite, cible)
            if cible.relance is not None:
                if not await self._jusqua(cible, cible.relance):
                    continue
                await self._faire(ActivitesEcheances.relancer_apres_limite, cible)
            if self._delai is cible:
                break
        await workflow.wait_condition(workflow.all_handlers_finished)

    @workflow.signal
    def prolonger(self, delai: DelaiEmployeur) -> None:
        """A new deadline for the employer: its calendar starts again from it."""
        self._delai = delai

    @workflow.signal
    def piloter(self, en_pause: bool) -> None:
        """The campaign suspended (``True``) or resumed by a supervisor."""
        self._en_pause = en_pause

    async def _jusqua(self, cible: DelaiEmployeur, instant: datetime) -> bool:
        """Wait for ``instant``, then for the campaign's resumption if it is suspended; ``False`` when a new
        deadline came meanwhile."""
        attente = (instant - workflow.now()).total_seconds()
        if attente > 0:
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._delai is not cible, timeout=attente)
        await workflow.wait_condition(lambda: not self._en_pause or self._delai is not cible)
        return self._delai is cible

    async def _faire(
        self, activite: Callable[[ActivitesEcheances, EcheanceEmployeurs], Awaitable[int]], cible: DelaiEmployeur
    ) -> None:
        await workflow.execute_activity_method(
            activite,
            EcheanceEmployeurs(
                campagne_id=cible.campagne_id,
                workflow_id=cible.workflow_campagne,
                annee=cible.annee,
                horodatage=workflow.now(),
                employeur_id=cible.employeur_id,
                date_limite=cible.date_limite,
                transmission=cible.transmission,
            ),
            start_to_close_timeout=_COURTE,
            retry_policy=_REESSAIS,
        )
