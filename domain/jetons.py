"""Bearer tokens (signed JWT): the account, its role and the version of its sessions they carry, shared by the API,
the pages' cookie and the metrics scraper."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHME = "HS256"


@dataclass(frozen=True)
class JetonLu:
    """What a valid token says: whose it is, and the version of that account's sessions it was issued under (a
    token of an older version was revoked: logout, code regeneration, deactivation, lockout)."""

    compte_id: int
    version: int


def emettre_jeton(compte_id: int, role: str, cle: str, duree: timedelta, version: int = 0) -> str:
    maintenant = datetime.now(UTC)
    return jwt.encode(
        {"sub": str(compte_id), "role": role, "ver": version, "iat": maintenant, "exp": maintenant + duree},
        cle,
        ALGORITHME,
    )


# Tokens already checked, with what they say and their expiry: a client sends the same token with each request,
# and checking its signature again each time is a visible share of the API's processor. The expiry is still
# checked.
_VERIFIES: dict[tuple[str, str], tuple[JetonLu, float]] = {}
_VERIFIES_MAX = 20_000


def lire_session(jeton: str, cle: str) -> JetonLu | None:
    """The account and session version of a valid, unexpired token signed with ``cle``; None otherwise. Whether
    that version is still the account's is for the caller to check."""
    connu = _VERIFIES.get((cle, jeton))
    if connu is not None:
        return connu[0] if connu[1] > time.time() else None
    try:
        contenu = jwt.decode(jeton, cle, algorithms=[ALGORITHME], options={"require": ["exp", "sub"]})
        lu, expire = JetonLu(int(contenu["sub"]), int(contenu.get("ver", 0))), float(contenu["exp"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None
    if len(_VERIFIES) >= _VERIFIES_MAX:
        _VERIFIES.clear()
    _VERIFIES[(cle, jeton)] = (lu, expire)
    return lu


def lire_jeton(jeton: str, cle: str) -> int | None:
    """The account of a valid, unexpired token signed with ``cle``; None otherwise (its version unchecked)."""
    lu = lire_session(jeton, cle)
    return lu.compte_id if lu is not None else None
