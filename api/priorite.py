"""Under load, the answers people give go first: each API process serves at most ``lectures_simultanees``
reads (GET, HEAD) at a time; the others wait their turn, in order of arrival, before any work is done for
them. Writes (an employer's answer, an agent's request) never wait here, nor do the health check, the metrics
and the pages' static files. At a peak the reads then queue rather than the answers: an answer's latency is its
own work, not the queue of the inboxes being refreshed around it."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

EXEMPTES = frozenset({"/api/v1/sante", "/metrics"})


class PrioriteAuxEcritures:
    def __init__(self, app: ASGIApp, places: int) -> None:
        self.app = app
        self._places = asyncio.Semaphore(places) if places else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self._places is None
            or scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or scope["path"] in EXEMPTES
            or scope["path"].startswith("/static/")
        ):
            await self.app(scope, receive, send)
            return
        async with self._places:
            await self.app(scope, receive, send)
