"""Starting and scheduling DAI campaigns (client side): the settings are read here, once, and passed in."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
    WorkflowHandle,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.campagne import (
    SCHEDULE_CAMPAGNE,
    DemandeCampagne,
    LancementAnnuel,
    ReglagesCampagne,
    VueCampagne,
    id_workflow_campagne,
)
from workflows.campagne import CampagneDaiWorkflow, LancementCampagneWorkflow

if TYPE_CHECKING:
    from settings import Settings


def lancement_annuel(settings: Settings) -> LancementAnnuel:
    """The campaign's settings, read here once: its delays and the size of its batches (the year is set when
    a campaign is started)."""
    return LancementAnnuel(
        settings.campagne_delai_mise_a_jour,
        list(settings.campagne_rappels),
        settings.campagne_delai_transmission,
        settings.campagne_intervalle_envoi,
        ReglagesCampagne(
            taille_lot_employeurs=settings.campagne_taille_lot_employeurs,
            lots_en_parallele=settings.campagne_lots_en_parallele,
            taille_paquet=settings.campagne_taille_paquet,
        ),
        relance_apres_limite=settings.campagne_relance_apres_limite,
    )


def demande_campagne(settings: Settings, annee: int, simulation: bool = False) -> DemandeCampagne:
    lancement = replace(lancement_annuel(settings), annee=annee)
    return DemandeCampagne(
        annee=annee, calendrier=lancement.calendrier(), reglages=lancement.reglages, simulation=simulation
    )


async def demarrer_campagne(
    client: Client, task_queue: str, demande: DemandeCampagne
) -> WorkflowHandle[CampagneDaiWorkflow, VueCampagne]:
    """Start campaign N; the id is the business key: starting it again returns the running one, and a campaign
    that ran to its end is never run twice. One that ended without completing (terminated, failed, timed out)
    may be started again: its steps are idempotent and it reopens its row. A dry run may be run again once
    finished (it starts afresh)."""
    workflow_id = id_workflow_campagne(demande.annee, demande.simulation)
    try:
        return await client.start_workflow(
            CampagneDaiWorkflow.run,
            demande,
            id=workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=(
                WorkflowIDReusePolicy.ALLOW_DUPLICATE
                if demande.simulation
                else WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
            ),
        )
    except WorkflowAlreadyStartedError:  # campaign N already completed: it is never run twice
        return client.get_workflow_handle_for(CampagneDaiWorkflow.run, workflow_id)


async def planifier_campagnes(client: Client, task_queue: str, lancement: LancementAnnuel) -> bool:
    """The yearly Schedule: each 1 July at 08:00 Europe/Paris. ``True`` when created, ``False`` when updated."""
    action = ScheduleActionStartWorkflow(
        LancementCampagneWorkflow.run, lancement, id="campagne-dai-lancement", task_queue=task_queue
    )
    spec = ScheduleSpec(
        calendars=[
            ScheduleCalendarSpec(
                month=(ScheduleRange(7),),
                day_of_month=(ScheduleRange(1),),
                hour=(ScheduleRange(8),),
                minute=(ScheduleRange(0),),
                second=(ScheduleRange(0),),
            )
        ],
        time_zone_name="Europe/Paris",
    )
    try:
        await client.create_schedule(SCHEDULE_CAMPAGNE, Schedule(action=action, spec=spec))
        return True
    except ScheduleAlreadyRunningError:

        def remplacer(entree: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=Schedule(action=action, spec=spec, state=entree.description.schedule.state))

        await client.get_schedule_handle(SCHEDULE_CAMPAGNE).update(remplacer)
        return False
