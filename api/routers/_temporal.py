"""Calling a workflow update from a route: a refusal of the process becomes a 409 in French.

The state a client reads (the projection) is written by an activity, a moment before the workflow itself
learns that the activity is done: an answer sent in that moment would be refused although the page
offered it. A refusal is therefore retried for a short while before it becomes a 409."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import HTTPException, status
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError


RATTRAPAGE = (0.05, 0.1, 0.2, 0.4, 0.8)  # seconds between tries while the workflow catches up


async def mettre_a_jour(client: Client, workflow_id: str, update: Any, argument: Any) -> Any:
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
