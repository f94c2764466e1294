"""Server-rendered pages for agents, employers and supervisors (Jinja2, Système de Design de l'État, htmx).

``monter(app)`` adds them to the application: the routers at ``/``, the static files from ``node_modules``
(installed by ``npm ci``), and the handlers that turn a page's redirection or error into HTML.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.pages import agent, connexion, employeur, superviseur
from api.pages.rendu import rendre
from api.pages.session import ErreurPage, Redirection

MODULES_NPM = Path(__file__).resolve().parents[2] / "node_modules"


async def _redirection(_: Request, exc: Exception) -> RedirectResponse:
    assert isinstance(exc, Redirection)
    return RedirectResponse(exc.adresse, status_code=303)


async def _erreur(request: Request, exc: Exception):
    assert isinstance(exc, ErreurPage)
    return rendre(request, "erreur.html", {"titre": exc.titre, "texte": exc.message}, statut=exc.statut)


def monter(app: FastAPI) -> None:
    for module in (connexion, agent, employeur, superviseur):
        app.include_router(module.router)
    app.mount("/static/dsfr", StaticFiles(directory=MODULES_NPM / "@gouvfr" / "dsfr" / "dist", check_dir=False),
              name="dsfr")
    app.mount("/static/htmx", StaticFiles(directory=MODULES_NPM / "htmx.org" / "dist", check_dir=False), name="htmx")
    app.add_exception_handler(Redirection, _redirection)
    app.add_exception_handler(ErreurPage, _erreur)
