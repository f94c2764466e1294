"""The API's documentation pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served from this host: their
scripts and styles come from the pinned npm packages (package-lock.json, mounted under /static by
``api.pages.montage``) and Swagger UI starts from a static script, so the pages work with no network and keep the
Content-Security-Policy (api/entetes.py). FastAPI's own pages are turned off (``docs_url=None``): they load from a
CDN and start Swagger UI with an inline script."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter()

TITRE = "CNRACL — processus d'information retraite"
SCHEMA = "/openapi.json"

_SWAGGER = f"""<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{TITRE} — documentation de l'API</title>
  <link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
  <link rel="icon" href="/static/dsfr/favicon/favicon.svg" type="image/svg+xml">
</head>
<body>
  <main id="swagger-ui" data-schema="{SCHEMA}"></main>
  <script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
  <script src="/static/cnracl/docs.js"></script>
</body>
</html>
"""

_REDOC = f"""<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{TITRE} — documentation de l'API (ReDoc)</title>
  <link rel="icon" href="/static/dsfr/favicon/favicon.svg" type="image/svg+xml">
</head>
<body>
  <redoc spec-url="{SCHEMA}" disable-search hide-download-button></redoc>
  <script src="/static/redoc/redoc.standalone.js"></script>
</body>
</html>
"""


@router.get("/docs", include_in_schema=False)
async def swagger() -> HTMLResponse:
    return HTMLResponse(_SWAGGER)


@router.get("/redoc", include_in_schema=False)
async def redoc() -> HTMLResponse:
    return HTMLResponse(_REDOC)
