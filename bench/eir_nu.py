"""The bare reference of ``bench_eir``: a workflow running one no-op activity, and its worker process
(``python -m bench.eir_nu ADRESSE FILE``), built like ours (pydantic converter, default sandbox)."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.worker import Worker


@activity.defn
async def activite_vide(rang: int) -> int:
    return rang


@workflow.defn
class FluxNu:
    @workflow.run
    async def run(self, rang: int) -> int:
        return await workflow.execute_activity(activite_vide, rang, start_to_close_timeout=timedelta(seconds=30))


async def _travailler(adresse: str, file: str) -> None:
    from workflows.client import connecter

    client = await connecter(adresse)
    await Worker(client, task_queue=file, workflows=[FluxNu], activities=[activite_vide]).run()


if __name__ == "__main__":
    asyncio.run(_travailler(sys.argv[1], sys.argv[2]))
