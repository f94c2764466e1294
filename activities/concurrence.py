"""Several awaitables of one activity at once, as one step."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


async def ensemble(*etapes: Coroutine[Any, Any, Any]) -> list[Any]:
    """Runs the steps at once and returns their results in order. The first to fail cancels the others and its
    own exception is raised as is (not wrapped in a group), so the activity fails as the step did."""
    try:
        async with asyncio.TaskGroup() as groupe:
            taches = [groupe.create_task(etape) for etape in etapes]
    except ExceptionGroup as echecs:
        raise echecs.exceptions[0] from None
    return [tache.result() for tache in taches]
