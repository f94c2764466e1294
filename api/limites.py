"""Rate limits, per client, in memory (``limits``, moving window): the login attempts of an address, and the
API calls of a token (or of an address without one). Beyond the limit: 429 in French with ``Retry-After``.

The address is the client's as ``api.protections.AdresseDuClient`` sets it: the peer's, or what a trusted proxy
(``CNRACL_PROXIES_DE_CONFIANCE``) forwarded; a client cannot choose its own window by sending X-Forwarded-For.

The lockout after repeated wrong codes protects one account; this protects the service from an address
trying many accounts, or a client looping on the API. With several API processes each keeps its own
window (the limits are then per process): a shared storage (Redis) would be configured here.
"""

from __future__ import annotations

import hashlib
import math
import time

from fastapi import HTTPException
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.erreurs import repondre
from notifications.rendu import accord
from settings import Settings

CONNEXIONS = {("POST", "/api/v1/auth/jeton"), ("POST", "/connexion")}


class LimiteDeDebit:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.actives = settings.limites_actives
        self.connexion = parse(settings.limite_connexions)
        self.api = parse(settings.limite_api)
        self.limiteur = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.actives:
            await self.app(scope, receive, send)
            return
        chemin, methode = scope["path"], scope["method"]
        adresse = (scope.get("client") or ("inconnue", 0))[0]
        if (methode, chemin) in CONNEXIONS:
            limite, cle, quoi = self.connexion, f"connexion:{adresse}", "tentatives de connexion"
        elif chemin.startswith("/api/"):
            autorisation = dict(scope["headers"]).get(b"authorization", b"")
            client = hashlib.sha256(autorisation).hexdigest()[:16] if autorisation else adresse
            limite, cle, quoi = self.api, f"api:{client}", "requêtes"
        else:
            await self.app(scope, receive, send)
            return
        if not self.limiteur.hit(limite, cle):
            fenetre = self.limiteur.get_window_stats(limite, cle)
            attente = max(1, math.ceil(fenetre.reset_time - time.time()))
            message = (
                f"Trop de {quoi} depuis votre poste : {limite.amount} au plus par "
                f"{_unite(limite)}. Réessayez dans {attente} secondes."
            )
            await repondre(Request(scope), 429, message, entetes={"Retry-After": str(attente)})(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _unite(limite) -> str:
    unite = {"second": "seconde", "minute": "minute", "hour": "heure", "day": "jour"}.get(
        limite.GRANULARITY.name, limite.GRANULARITY.name
    )
    return unite if limite.multiples == 1 else f"{limite.multiples} {unite}s"


def limiter(request: Request, settings: Settings, *cles: str) -> None:
    """Count one attempt for each key (the address, and maybe an identifier); 429 in French beyond the limit."""
    if not settings.limites_actives:
        return
    etat = request.app.state
    if getattr(etat, "limiteur_comptes", None) is None:
        etat.limiteur_comptes = (MovingWindowRateLimiter(MemoryStorage()), parse(settings.limite_comptes))
    limiteur, limite = etat.limiteur_comptes
    adresse = request.client.host if request.client else "inconnue"
    for cle in (f"adresse:{adresse}", *cles):
        if not limiteur.hit(limite, "comptes", cle):
            fenetre = limiteur.get_window_stats(limite, "comptes", cle)
            attente = max(1, math.ceil(fenetre.reset_time - time.time()))
            raise HTTPException(
                429,
                f"Trop de demandes de récupération de codes : {limite.amount} au plus par période de "
                f"{_duree(limite)}. Réessayez dans {accord(math.ceil(attente / 60), 'minute')}.",
                headers={"Retry-After": str(attente)},
            )


def _duree(limite) -> str:
    unite = {"second": "seconde", "minute": "minute", "hour": "heure", "day": "jour"}.get(
        limite.GRANULARITY.name, limite.GRANULARITY.name
    )
    return unite if limite.multiples == 1 else f"{limite.multiples} {unite}s"
