"""Waiting for an effect that arrives in real time (a mail over SMTP, a row written by an activity)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


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
