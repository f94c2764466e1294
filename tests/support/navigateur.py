"""A browser-like client of the pages for server-side tests: cookies, the CSRF field of forms, login."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack

import httpx
from fastapi import FastAPI

from tests.support.service import CODE, Service

_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def csrf_de(page: str) -> str:
    trouve = _CSRF.search(page)
    assert trouve, "la page n'a pas de formulaire protégé"
    return trouve.group(1)


class Navigateur:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.csrf = ""

    async def get(self, adresse: str, **options) -> httpx.Response:
        reponse = await self.client.get(adresse, **options)
        if 'name="csrf"' in reponse.text:
            self.csrf = csrf_de(reponse.text)
        return reponse

    async def post(self, adresse: str, donnees: dict | None = None, **options) -> httpx.Response:
        return await self.client.post(adresse, data={"csrf": self.csrf, **(donnees or {})}, **options)

    async def connecter(self, identifiant: str, code: str = CODE) -> httpx.Response:
        await self.get("/connexion")
        return await self.post("/connexion", {"identifiant": identifiant, "code": code})


async def navigateur(service: Service, identifiant: str | None = None, lever: bool = True) -> Navigateur:
    """``lever=False``: an unexpected error of the service is its 500 answer, as a browser sees it, not an
    exception raised in the test."""
    return await connecte(service.app, service.pile, identifiant, lever)


async def connecte(
    app: FastAPI, pile: AsyncExitStack, identifiant: str | None = None, lever: bool = True
) -> Navigateur:
    """A browser of the pages of ``app`` (in process), closed with ``pile``; signed in as ``identifiant``."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=lever)
    client = httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60)
    await pile.enter_async_context(client)
    nav = Navigateur(client)
    if identifiant:
        reponse = await nav.connecter(identifiant)
        assert reponse.status_code == 303, reponse.text
    return nav
