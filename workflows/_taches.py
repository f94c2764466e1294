"""The life of a human task inside a workflow: wait for the answer; remind when overdue; escalate later."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta


async def attendre_reponse(
    attendre: Callable[[Callable[[], bool], timedelta | None], Awaitable[bool]],
    repondue: Callable[[], bool],
    relance: timedelta,
    escalade: timedelta,
    relancer: Callable[[], Awaitable[None]],
    escalader: Callable[[], Awaitable[None]],
) -> None:
    """``attendre(condition, delai)`` is the workflow's own wait (it may raise on withdrawal)."""
    if await attendre(repondue, relance):
        return
    await relancer()
    if await attendre(repondue, escalade - relance):
        return
    await escalader()
    await attendre(repondue, None)
