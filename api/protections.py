"""The service's edges, as ASGI middlewares: who the client is (``X-Forwarded-For`` believed from a trusted proxy
only), how large a request body may be (413 before anything is parsed), and the headers that keep a browser from
running or framing what the pages did not mean (Content-Security-Policy and its neighbours)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.entetes import entetes_de_securite
from api.erreurs import repondre
from domain.texte import caractere_interdit
from settings import Settings

Reseau = IPv4Network | IPv6Network


def adresse_du_client(pair: str, transmise: str, proxies: list[Reseau]) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy; then the right-most address of
    ``X-Forwarded-For`` that is not a trusted proxy (each proxy appends the address it received from, so only the
    entries our own proxies wrote can be believed; what a client wrote itself is to their left)."""
    if not proxies or not _de_confiance(pair, proxies):
        return pair
    client = pair
    for entree in reversed([e.strip() for e in transmise.split(",") if e.strip()]):
        if _adresse(entree) is None:
            break
        client = entree
        if not _de_confiance(entree, proxies):
            break
    return client


def _adresse(texte: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(texte)
    except ValueError:
        return None


def _de_confiance(texte: str, proxies: list[Reseau]) -> bool:
    adresse = _adresse(texte)
    return adresse is not None and any(adresse in reseau for reseau in proxies)


class AdresseDuClient:
    """Sets ``scope["client"]`` to the client's address, for the rate limits, the routes and the access log
    (uvicorn logs the scope's client when the answer leaves: its own reading of the header is switched off)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.proxies = list(settings.proxies_de_confiance)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.proxies and scope.get("client"):
            transmises = [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"]
            if transmises:
                hote = scope["client"][0]
                client = adresse_du_client(hote, ",".join(transmises), self.proxies)
                if client != hote:
                    scope["client"] = (client, 0)
        await self.app(scope, receive, send)


def _octets(taille: int) -> str:
    if taille % 1_048_576 == 0:
        return f"{taille // 1_048_576} Mo"
    if taille % 1024 == 0:
        return f"{taille // 1024} Ko"
    return f"{taille} octets"


class CorpsTropVolumineux(HTTPException):
    """Raised from the body's reading: FastAPI lets an ``HTTPException`` through its body parsing, so the
    answer is the 413 (``api.erreurs.gerer_http``), not « There was an error parsing the body »."""

    def __init__(self, maximum: int) -> None:
        super().__init__(
            413,
            f"Requête trop volumineuse : son corps dépasse {_octets(maximum)}, la taille maximale acceptée par le "
            "service. Envoyez moins de données à la fois.",
        )


class LimiteDeTaille:
    """A body larger than ``CNRACL_TAILLE_MAX_REQUETE`` is refused with a 413: on its announced length before
    reading anything, and while it is read when no length is given (chunked) or the length lies."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.maximum = settings.taille_max_requete

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        longueurs = [v for k, v in scope["headers"] if k == b"content-length"]
        if longueurs and (not longueurs[0].isdigit() or int(longueurs[0]) > self.maximum):
            statut, refus = (413, CorpsTropVolumineux(self.maximum)) if longueurs[0].isdigit() else (400, None)
            message = refus.detail if refus else "En-tête Content-Length invalide : un nombre d'octets est attendu."
            await repondre(Request(scope), statut, message, entetes={"Connection": "close"})(scope, receive, send)
            return
        recu, commencee = 0, False

        async def recevoir() -> Message:
            nonlocal recu
            message = await receive()
            if message["type"] == "http.request":
                recu += len(message.get("body", b""))
                if recu > self.maximum:
                    raise CorpsTropVolumineux(self.maximum)
            return message

        async def envoyer(message: Message) -> None:
            nonlocal commencee
            commencee = commencee or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, recevoir, envoyer)
        except CorpsTropVolumineux as refus:  # read outside a route (no handler on the way): answered here
            if commencee:
                raise
            await repondre(Request(scope), 413, refus.detail, entetes={"Connection": "close"})(scope, receive, send)


class AdresseLisible:
    """An address (path or query) carrying a control or bidirectional character is refused (400) before any route
    reads it: no number, name or key of ours holds one, and PostgreSQL cannot even compare a text holding NUL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            requete = scope.get("query_string", b"").decode("utf-8", "replace")
            morceaux = [scope["path"], *(v for couple in parse_qsl(requete, keep_blank_values=True) for v in couple)]
            trouve = next((t for t in (caractere_interdit(m, multiligne=False) for m in morceaux) if t), None)
            if trouve:
                message = (
                    f"Adresse invalide : elle contient un caractère invisible interdit (U+{ord(trouve[1]):04X}). "
                    "Retirez-le de l'adresse, ou repartez de l'accueil."
                )
                await repondre(Request(scope), 400, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class EntetesDeSecurite:
    """Adds ``api.entetes.entetes_de_securite`` to every answer that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        entetes = [(cle.encode(), valeur.encode()) for cle, valeur in entetes_de_securite(scope["path"]).items()]

        async def envoyer(message: Message) -> None:
            if message["type"] == "http.response.start":
                presents = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(e for e in entetes if e[0] not in presents)]
            await send(message)

        await self.app(scope, receive, envoyer)
