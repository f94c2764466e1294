"""Bearer tokens (signed JWT); confidential codes are hashed in ``persistence.comptes``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jwt

from persistence.comptes import hacher, verifier

__all__ = ["hacher", "verifier", "emettre_jeton", "lire_jeton"]
ALGORITHME = "HS256"


def emettre_jeton(compte_id: int, role: str, cle: str, duree: timedelta) -> str:
    maintenant = datetime.now(timezone.utc)
    return jwt.encode({"sub": str(compte_id), "role": role, "iat": maintenant, "exp": maintenant + duree}, cle, ALGORITHME)


def lire_jeton(jeton: str, cle: str) -> int | None:
    try:
        return int(jwt.decode(jeton, cle, algorithms=[ALGORITHME])["sub"])
    except (jwt.PyJWTError, KeyError, ValueError):
        return None
