"""Calling a workflow update from a route: a refusal of the process becomes a 409 in French."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, status
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError


async def mettre_a_jour(client: Client, workflow_id: str, update: Any, argument: Any) -> Any:
    handle = client.get_workflow_handle(workflow_id)
    try:
        return await handle.execute_update(update, argument)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        message = getattr(cause, "message", None) or str(cause or exc)
        raise HTTPException(status.HTTP_409_CONFLICT, message) from exc
    except RPCError as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "Ce processus est terminé : il n'attend plus de réponse."
        ) from exc
