"""The FastAPI application: JSON API under /api/v1 (OpenAPI at /docs)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as AttenteDuPool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import Etat
from api.erreurs import REPONSES_ERREUR, gerer_base, gerer_http, gerer_inattendue, gerer_metier, gerer_validation
from api.limites import LimiteDeDebit
from api.pages.montage import monter
from api.priorite import PrioriteAuxEcritures
from api.protections import AdresseDuClient, AdresseLisible, EntetesDeSecurite, LimiteDeTaille
from api.routers import (
    affilies,
    auth,
    campagne_perimetre,
    campagnes,
    codec,
    comptes,
    coordonnees,
    documents,
    eir,
    employeurs,
    processus,
    rectifications,
    sante,
    simulations,
    taches,
    validations,
)
from domain.erreurs import ErreurMetier
from observabilite import metriques
from services.base import base_de_donnees
from settings import Settings, get_settings

PREFIXE = "/api/v1"
# How uvicorn serves the application (``cnracl api``, and the tests that serve it): its logging is ours (masked,
# observabilite/journaux.py); X-Forwarded-For is read by the application from CNRACL_PROXIES_DE_CONFIANCE only
# (api/protections.py), since uvicorn's own reading (proxy_headers) believes any local client; idle keep-alive
# connections are kept longer than uvicorn's 5 s, since a client reusing one as the server closes it gets a reset.
OPTIONS_UVICORN: dict[str, Any] = {"log_config": None, "proxy_headers": False, "timeout_keep_alive": 65}


def _en_francais(router: APIRouter) -> APIRouter:
    """The router documented in French for its integrators: each route's summary is its docstring's first paragraph
    and its description the rest (PEP 257's layout; FastAPI would make the summary of the function's unaccented name),
    its successful answers described in French (FastAPI's default is English)."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        if route.summary is None and "\n\n" in route.description:
            titre, route.description = route.description.split("\n\n", 1)
            route.summary = " ".join(titre.split())
        if route.response_description == "Successful Response":
            route.response_description = "Réponse réussie"
    return router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def cycle(app: FastAPI) -> AsyncIterator[None]:
        async with base_de_donnees(settings, settings.db_pool) as sessions:
            app.state.cnracl = Etat(settings, sessions)
            yield

    app = FastAPI(
        title="CNRACL — processus d'information retraite",
        description="EIR, campagne DAI, rectifications, échéances de validation de services.",
        version="0.1.0",
        lifespan=cycle,
        # /docs and /redoc are served from this host's assets by api/pages/documentation.py (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    # Starlette types a handler as taking any Exception; each of these is registered for its own type only.
    app.add_exception_handler(RequestValidationError, gerer_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, gerer_http)  # type: ignore[arg-type]
    app.add_exception_handler(ErreurMetier, gerer_metier)  # type: ignore[arg-type]
    for panne in (DBAPIError, ConnectionError, AttenteDuPool):  # 503 when the database is down, 500 otherwise
        app.add_exception_handler(panne, gerer_base)
    app.add_exception_handler(Exception, gerer_inattendue)
    for module in (
        sante,
        auth,
        eir,
        taches,
        affilies,
        simulations,
        processus,
        rectifications,
        validations,
        campagnes,
        campagne_perimetre,
        codec,
        comptes,
        documents,
        coordonnees,
        employeurs,
    ):
        app.include_router(_en_francais(module.router), prefix=PREFIXE, responses=REPONSES_ERREUR)
    app.include_router(metriques.router)
    app.add_middleware(PrioriteAuxEcritures, places=settings.lectures_simultanees)
    app.add_middleware(LimiteDeDebit, settings=settings)  # a 429 waits for nothing
    app.add_middleware(LimiteDeTaille, settings=settings)  # before any body is read
    app.add_middleware(AdresseLisible)
    app.add_middleware(EntetesDeSecurite)  # on every answer, the refusals above included
    app.add_middleware(AdresseDuClient, settings=settings)  # added last, so it runs first: all see the client
    monter(app)
    return app


def application(settings: Settings | None = None) -> FastAPI:
    """The application of one API process, its logs configured: ``cnracl api`` builds it, and so does each
    process when several serve the API (uvicorn's factory)."""
    from observabilite.journaux import configurer_journaux
    from observabilite.memoire import figer_memoire

    settings = settings or get_settings()
    configurer_journaux(settings, "api")
    app = create_app(settings)
    figer_memoire()
    return app
