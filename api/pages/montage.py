"""Mounting the pages: the routers at ``/``, the static files from ``node_modules`` (installed by ``npm ci``), and
the handlers that turn a page's redirection or error into HTML."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.pages.rendu import rendre
from api.pages.session import ErreurPage, Redirection

MODULES_NPM = Path(__file__).resolve().parents[2] / "node_modules"


async def _redirection(request: Request, exc: Redirection) -> Response:
    if request.headers.get("HX-Request"):  # a part htmx refreshes (a session expired): the whole page reloads
        return Response(status_code=200, headers={"HX-Refresh": "true"})
    return RedirectResponse(exc.adresse, status_code=303)


async def _erreur(request: Request, exc: ErreurPage) -> Response:
    return rendre(request, "erreur.html", {"titre": exc.titre, "texte": exc.message}, statut=exc.statut)


def modules_de_pages() -> list:
    """Every module of this package that defines a ``router``, in name order: a new page module is mounted
    by existing, nothing to register."""
    modules = [
        importlib.import_module(f"api.pages.{info.name}")
        for info in pkgutil.iter_modules([str(Path(__file__).resolve().parent)])
    ]
    return [module for module in modules if hasattr(module, "router")]


def monter(app: FastAPI) -> None:
    for module in modules_de_pages():
        app.include_router(module.router)
    app.mount(
        "/static/dsfr", StaticFiles(directory=MODULES_NPM / "@gouvfr" / "dsfr" / "dist", check_dir=False), name="dsfr"
    )
    app.mount("/static/htmx", StaticFiles(directory=MODULES_NPM / "htmx.org" / "dist", check_dir=False), name="htmx")
    # The API's documentation pages (api/pages/documentation.py): Swagger UI and ReDoc, from their npm packages.
    app.mount(
        "/static/swagger-ui",
        StaticFiles(directory=MODULES_NPM / "swagger-ui-dist", check_dir=False),
        name="swagger-ui",
    )
    app.mount("/static/redoc", StaticFiles(directory=MODULES_NPM / "redoc" / "bundles", check_dir=False), name="redoc")
    app.mount("/static/cnracl", StaticFiles(directory=Path(__file__).resolve().parents[1] / "static"), name="cnracl")
    # Starlette types a handler as taking any Exception; each of these is registered for its own type only.
    app.add_exception_handler(Redirection, _redirection)  # type: ignore[arg-type]
    app.add_exception_handler(ErreurPage, _erreur)  # type: ignore[arg-type]
