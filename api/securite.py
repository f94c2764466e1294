"""Bearer tokens (signed JWT, ``domain.jetons``); confidential codes are hashed by ``services.comptes``."""

from __future__ import annotations

from pydantic import BaseModel

from domain.jetons import JetonLu, emettre_jeton, lire_jeton, lire_session
from services.comptes import Compte, hacher, verifier
from settings import Settings

__all__ = ["Jeton", "JetonLu", "emettre_jeton", "hacher", "jeton_de", "lire_jeton", "lire_session", "verifier"]


class Jeton(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str


def jeton_de(compte: Compte, settings: Settings) -> Jeton:
    """The bearer token of a signed-in account (the API's answer, and the pages' session cookie), valid until the
    account's sessions are revoked (``version_jeton``) or it expires."""
    cle, duree = settings.cle_secrete(), settings.duree_jeton
    jeton = emettre_jeton(compte.id or 0, compte.role, cle, duree, compte.version_jeton)
    return Jeton(access_token=jeton, role=compte.role)
