"""Bearer tokens (signed JWT); confidential codes are hashed by ``services.comptes``."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
from pydantic import BaseModel

from services.comptes import Compte, hacher, verifier
from settings import Settings

__all__ = ["Jeton", "emettre_jeton", "hacher", "jeton_de", "lire_jeton", "verifier"]
ALGORITHME = "HS256"


def emettre_jeton(compte_id: int, role: str, cle: str, duree: timedelta) -> str:
    maintenant = datetime.now(UTC)
    return jwt.encode(
        {"sub": str(compte_id), "role": role, "iat": maintenant, "exp": maintenant + duree}, cle, ALGORITHME
    )


# Tokens already checked, with their account and expiry: a client sends the same token with each request, and
# checking its signature again was ~3 % of the API's processor under load. The expiry is still checked each time.
_VERIFIES: dict[tuple[str, str], tuple[int, float]] = {}
_VERIFIES_MAX = 20_000


def lire_jeton(jeton: str, cle: str) -> int | None:
    """The account of a valid, unexpired token signed with ``cle``; None otherwise."""
    connu = _VERIFIES.get((cle, jeton))
    if connu is not None:
        return connu[0] if connu[1] > time.time() else None
    try:
        contenu = jwt.decode(jeton, cle, algorithms=[ALGORITHME], options={"require": ["exp", "sub"]})
        compte_id, expire = int(contenu["sub"]), float(contenu["exp"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None
    if len(_VERIFIES) >= _VERIFIES_MAX:
        _VERIFIES.clear()
    _VERIFIES[(cle, jeton)] = (compte_id, expire)
    return compte_id


class Jeton(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str


def jeton_de(compte: Compte, settings: Settings) -> Jeton:
    """The bearer token of a signed-in account (the API's answer, and the pages' session cookie)."""
    cle, duree = settings.cle_secrete(), settings.duree_jeton
    return Jeton(access_token=emettre_jeton(compte.id or 0, compte.role, cle, duree), role=compte.role)
