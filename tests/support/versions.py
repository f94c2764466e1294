"""An earlier version of a workflow, deliberately incompatible with today's code: what the release gate must
catch (tests/cli/test_versions.py)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

from domain.campagne import LancementAnnuel


@workflow.defn(name="LancementCampagneWorkflow")
class LancementDeLaVersionPrecedente:
    """The yearly launch as it would have been: it waited a day before anything else, where today's code first
    asks the campaign's calendar (an activity)."""

    @workflow.run
    async def run(self, lancement: LancementAnnuel) -> str:
        await workflow.sleep(timedelta(days=1))
        return ""
