"""Waiting for an effect that arrives in real time (a mail over SMTP, a row written by an activity), or for a
workflow to rest."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle


async def attendre(condition: Callable[[], object], delai: float = 20.0) -> None:
    """Poll (real time) until an activity's effect is visible: mails arrive over real SMTP."""
    fin = asyncio.get_running_loop().time() + delai
    while not await _evaluer(condition):
        if asyncio.get_running_loop().time() > fin:
            raise AssertionError("condition jamais remplie")
        await asyncio.sleep(0.05)


async def _evaluer(condition: Callable[[], object]) -> object:
    resultat = condition()
    if asyncio.iscoroutine(resultat):
        resultat = await resultat
    return resultat


# A workflow task's events: the last one says whether the workflow's code has run on everything it received (the
# commands it gave, timers and activities, are written after its « completed »).
_TACHES_DE_WORKFLOW = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
    }
)


async def au_repos(handle: WorkflowHandle[Any, Any], delai: float = 20.0) -> None:
    """Wait until the workflow rests: closed, or its last workflow task completed with no activity or child
    pending. Nothing more happens before its next timer or message: an absence is then shown, not hoped for."""

    async def repos() -> bool:
        description = await handle.describe()
        if description.status != WorkflowExecutionStatus.RUNNING:
            return True
        brute = description.raw_description
        if brute.pending_activities or brute.pending_children:
            return False
        taches = [e.event_type async for e in handle.fetch_history_events() if e.event_type in _TACHES_DE_WORKFLOW]
        return taches[-1] == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED

    await attendre(repos, delai)
