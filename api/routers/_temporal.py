"""Calling a workflow update from a route: a refusal of the process becomes a 409 in French.

The state a client reads (the projection) is written by an activity, a moment before the workflow itself
learns that the activity is done: an answer sent in that moment would be refused although the page
offered it. A refusal is therefore retried for a short while before it becomes a 409.

An update may wait seconds for the process to write its next state: the route's database session is closed
first, so that its connection serves other requests meanwhile (under load, connections held by waiting
updates would otherwise starve the pool and every read behind them)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import HTTPException, status
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

RATTRAPAGE = (0.05, 0.1, 0.2, 0.4, 0.8)  # seconds between tries while the workflow catches up


async def mettre_a_jour(
    client: Client, workflow_id: str, update: Any, argument: Any, session: AsyncSession | None = None
) -> Any:
    """``session``: the route's session, closed before the call (its objects stay readable, detached); the
    route reads the new state with it afterwards."""
    if session is not None:
        await session.close()
    handle = client.get_workflow_handle(workflow_id)
    try:
        for pause in RATTRAPAGE:
            try:
                return await handle.execute_update(update, argument)
            except WorkflowUpdateFailedError:
                await asyncio.sleep(pause)
        return await handle.execute_update(update, argument)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        message = getattr(cause, "message", None) or str(cause or exc)
        raise HTTPException(status.HTTP_409_CONFLICT, message) from exc
    except RPCError as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "Ce processus est terminé : il n'attend plus de réponse."
        ) from exc
