"""A user's calls to the API while a component is down: refused, made again a moment later, each refusal counted."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx


async def appel_repete(
    client: httpx.AsyncClient,
    methode: str,
    chemin: str,
    refus: Counter[str],
    essais: int = 20,
    sauf: str | None = None,
    **options: Any,
) -> httpx.Response:
    """The call, made again half a second later while the service refuses it (a 5xx answer, or the error the
    in-process transport raises for it), at most ``essais`` times; each refusal counted in ``refus``. A 5xx
    answer saying ``sauf`` is not tried again: what a person does when told the request was taken."""
    for _ in range(essais):
        try:
            reponse = await client.request(methode, chemin, **options)
        except Exception as erreur:  # the in-process transport re-raises what the 500 answered
            refus[type(erreur).__name__] += 1
        else:
            if reponse.status_code < 500 or (sauf is not None and sauf in reponse.text):
                return reponse
            refus[str(reponse.status_code)] += 1
        await asyncio.sleep(0.5)
    raise AssertionError(f"{methode} {chemin} toujours refusé")
