"""Bearer tokens (signed JWT): the account and role they carry, shared by the API and the metrics scraper."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHME = "HS256"


def emettre_jeton(compte_id: int, role: str, cle: str, duree: timedelta) -> str:
    maintenant = datetime.now(UTC)
    return jwt.encode(
        {"sub": str(compte_id), "role": role, "iat": maintenant, "exp": maintenant + duree}, cle, ALGORITHME
    )


# Tokens already checked, with their account and expiry: a client sends the same token with each request, and
# checking its signature again each time is a visible share of the API's processor. The expiry is still checked.
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
