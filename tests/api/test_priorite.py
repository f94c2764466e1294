"""At a peak the answers go first: an API process serves a bounded number of reads at once, the others wait
their turn; writes, the health check and the metrics never wait (api/priorite.py)."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from api.priorite import PrioriteAuxEcritures


def _application(
    places: int, entree: asyncio.Event, sortie: asyncio.Event, servies: list[str] | None = None
) -> PrioriteAuxEcritures:
    """``servies``: the paths in the order their handlers ran (the slow read's end marked ``/lente:fin``)."""
    ordre = servies if servies is not None else []

    async def lente(request):
        entree.set()
        await sortie.wait()
        ordre.append("/lente:fin")
        return PlainTextResponse("lente")

    async def rapide(request):
        ordre.append(request.url.path)
        return PlainTextResponse(request.method)

    return PrioriteAuxEcritures(
        Starlette(
            routes=[
                Route("/lente", lente),
                Route("/lecture", rapide),
                Route("/ecriture", rapide, methods=["POST"]),
                Route("/api/v1/sante", rapide),
                Route("/static/dsfr/dsfr.min.css", rapide),
            ]
        ),
        places=places,
    )


async def test_une_lecture_attend_son_tour_une_reponse_passe():
    entree, sortie = asyncio.Event(), asyncio.Event()
    servies: list[str] = []
    transport = httpx.ASGITransport(app=_application(1, entree, sortie, servies))
    async with httpx.AsyncClient(transport=transport, base_url="http://cnracl") as http:
        premiere = asyncio.create_task(http.get("/lente"))
        await entree.wait()  # the one place is taken
        seconde = asyncio.create_task(http.get("/lecture"))
        ecriture = await asyncio.wait_for(http.post("/ecriture"), 5)
        sante = await asyncio.wait_for(http.get("/api/v1/sante"), 5)
        style = await asyncio.wait_for(http.get("/static/dsfr/dsfr.min.css"), 5)
        assert (ecriture.status_code, ecriture.text, sante.status_code, style.status_code) == (200, "POST", 200, 200)
        sortie.set()
        assert (await premiere).text == "lente"
        assert (await asyncio.wait_for(seconde, 5)).text == "GET"
    # The read sent before the write was served last, once the read holding the place had ended.
    assert servies == ["/ecriture", "/api/v1/sante", "/static/dsfr/dsfr.min.css", "/lente:fin", "/lecture"]


async def test_sans_limite_les_lectures_ne_s_attendent_pas():
    entree, sortie = asyncio.Event(), asyncio.Event()
    transport = httpx.ASGITransport(app=_application(0, entree, sortie))
    async with httpx.AsyncClient(transport=transport, base_url="http://cnracl") as http:
        premiere = asyncio.create_task(http.get("/lente"))
        await entree.wait()
        assert (await asyncio.wait_for(http.get("/lecture"), 5)).text == "GET"
        sortie.set()
        assert (await premiere).status_code == 200
