"""A crawl of the pages a signed-in person can reach by following links from the home page, GET only."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from urllib.parse import urldefrag, urlsplit

from tests.support.navigateur import Navigateur

_LIEN = re.compile(r'<a\b[^>]*\bhref="([^"]+)"')
# What is not a page of the person's (files, programs' addresses, the logout, a PDF's bytes).
_HORS_PAGES = ("/static/", "/api/", "/docs", "/redoc", "/openapi.json", "/metrics", "/deconnexion")


def liens(html: str) -> list[str]:
    """The site's own addresses linked from a page, without their fragment."""
    adresses = []
    for brut in _LIEN.findall(html):
        adresse = urldefrag(unescape(brut))[0]
        if not adresse.startswith("/") or adresse.startswith("//") or adresse.startswith(_HORS_PAGES):
            continue
        if "vue=pdf" in urlsplit(adresse).query:
            continue
        adresses.append(adresse)
    return adresses


async def explorer(
    nav: Navigateur,
    departs: tuple[str, ...] = ("/",),
    limite: int = 200,
    garder: Callable[[str], bool] = lambda _: True,
) -> dict[str, tuple[int, str]]:
    """Each page reached from ``departs`` (redirects followed), by address: its status and its HTML."""
    vues: dict[str, tuple[int, str]] = {}
    a_voir = list(departs)
    while a_voir and len(vues) < limite:
        adresse = a_voir.pop(0)
        if adresse in vues:
            continue
        reponse = await nav.get(adresse, follow_redirects=True)
        html = "text/html" in reponse.headers.get("content-type", "")
        vues[adresse] = (reponse.status_code, reponse.text if html else "")  # a PDF's bytes are no page to read
        if html:
            a_voir += [lien for lien in liens(reponse.text) if lien not in vues and garder(lien)]
    return vues
