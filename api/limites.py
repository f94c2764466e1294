"""Rate limits, per client, in memory (``limits``, moving window): the login attempts of an address, and the
API calls of a token (or of an address without one). Beyond the limit: 429 in French with ``Retry-After``.

The address is the client's as ``api.protections.AdresseDuClient`` sets it: the peer's, or what a trusted proxy
(``CNRACL_PROXIES_DE_CONFIANCE``) forwarded; a client cannot choose its own window by sending X-Forwarded-For.

The lockout after repeated wrong codes protects one account; this protects the service from an address
trying many accounts, or a client looping on the API. The windows live in the API process's memory, or, when
``CNRACL_REDIS_URL`` is set, in Redis, shared by every API process (an attacker then gets one allowance, not one
per process, and a restart forgets nothing).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from fastapi import HTTPException
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.erreurs import repondre
from notifications.rendu import accord
from settings import Settings

journal = logging.getLogger(__name__)
CONNEXIONS = {("POST", "/api/v1/auth/jeton"), ("POST", "/connexion")}


def stockage(settings: Settings) -> Storage:
    """Where the windows are counted: Redis when configured (shared by the API processes), else this process.
    The keys are prefixed by the task queue: two deployments sharing a Redis keep their windows apart."""
    if settings.redis_url:
        return RedisStorage(
            settings.redis_url,
            implementation="redispy",
            key_prefix=f"cnracl-limites-{settings.task_queue}",
            wrap_exceptions=True,
        )
    return MemoryStorage()


async def _compter(limiteur: MovingWindowRateLimiter, limite: RateLimitItem, *cles: str) -> bool:
    """One more hit; False beyond the limit. Redis out of reach lets the request through (logged): the limits
    protect the service from floods, the lockout after wrong codes still protects each account, and a login
    refused because Redis is down would stop every user."""
    try:
        return await limiteur.hit(limite, *cles)
    except StorageError:
        journal.warning("limites de débit non comptées : Redis injoignable")
        return True


async def _attente(limiteur: MovingWindowRateLimiter, limite: RateLimitItem, *cles: str) -> int:
    """Seconds before the window of ``cles`` lets one more through."""
    fenetre = await limiteur.get_window_stats(limite, *cles)
    return max(1, math.ceil(fenetre.reset_time - time.time()))


class LimiteDeDebit:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.actives = settings.limites_actives
        self.connexion = parse(settings.limite_connexions)
        self.api = parse(settings.limite_api)
        self.limiteur = MovingWindowRateLimiter(stockage(settings))

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
        if not await _compter(self.limiteur, limite, cle):
            attente = await _attente(self.limiteur, limite, cle)
            message = (
                f"Trop de {quoi} depuis votre poste : {limite.amount} au plus par "
                f"{_periode(limite)}. Réessayez dans {attente} secondes."
            )
            await repondre(Request(scope), 429, message, entetes={"Retry-After": str(attente)})(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _periode(limite: RateLimitItem) -> str:
    """« minute », « 5 minutes », « heure »: the window of ``limite``, in French."""
    unite = {"second": "seconde", "minute": "minute", "hour": "heure", "day": "jour"}.get(
        limite.GRANULARITY.name, limite.GRANULARITY.name
    )
    return unite if limite.multiples == 1 else f"{limite.multiples} {unite}s"


async def limiter(request: Request, settings: Settings, *cles: str) -> None:
    """Count one attempt for each key (the address, and maybe an identifier); 429 in French beyond the limit."""
    if not settings.limites_actives:
        return
    etat = request.app.state
    if getattr(etat, "limiteur_comptes", None) is None:
        etat.limiteur_comptes = (MovingWindowRateLimiter(stockage(settings)), parse(settings.limite_comptes))
    limiteur, limite = etat.limiteur_comptes
    adresse = request.client.host if request.client else "inconnue"
    for cle in (f"adresse:{adresse}", *cles):
        if not await _compter(limiteur, limite, "comptes", cle):
            attente = await _attente(limiteur, limite, "comptes", cle)
            raise HTTPException(
                429,
                f"Trop de demandes de récupération de codes : {limite.amount} au plus par période de "
                f"{_periode(limite)}. Réessayez dans {accord(math.ceil(attente / 60), 'minute')}.",
                headers={"Retry-After": str(attente)},
            )
