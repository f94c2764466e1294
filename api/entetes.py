"""The headers that keep a browser from running, framing or leaking what the pages did not mean: one answer's set
by its path. Added to every answer by ``api.protections.EntetesDeSecurite``, and by ``api.erreurs`` to the
unexpected-error page, which leaves outside the middlewares."""

from __future__ import annotations

# The pages load their scripts and styles from /static (DSFR, htmx) and carry no inline script: 'self' suffices.
# The inline SVG charts use presentation attributes, not style elements. OpenAPI's pages (api/pages/documentation.py)
# load Swagger UI and ReDoc from /static and start them from a static script: /docs keeps this policy whole.
POLITIQUE_DE_CONTENU = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
ENTETES_DE_SECURITE = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
# ReDoc writes its styles as style elements at run time (styled-components) and reads its schema in a worker it
# builds from a blob: /redoc allows inline styles and blob workers, and still no inline or foreign script.
_REDOC = ("/redoc",)
POLITIQUE_DE_REDOC = POLITIQUE_DE_CONTENU.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + (
    "; worker-src 'self' blob:"
)
# A mail's preview is a sandboxed frame (no script) of the mail's HTML, whose styles are inline as mail clients
# need: the frame inherits the page's policy, so that page allows inline styles, and still no script.
_STYLES_EN_LIGNE = ("/superviseur/gabarits/",)


def politique_de(chemin: str) -> str | None:
    if chemin.startswith(_REDOC):
        return POLITIQUE_DE_REDOC
    if chemin.startswith(_STYLES_EN_LIGNE):
        return POLITIQUE_DE_CONTENU.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    return POLITIQUE_DE_CONTENU


def entetes_de_securite(chemin: str) -> dict[str, str]:
    politique = politique_de(chemin)
    return {**ENTETES_DE_SECURITE, **({"content-security-policy": politique} if politique else {})}
