"""Bearer tokens (``domain.jetons``); confidential codes are hashed in ``persistence.comptes``."""

from __future__ import annotations

from domain.jetons import ALGORITHME, emettre_jeton, lire_jeton
from persistence.comptes import hacher, verifier

__all__ = ["ALGORITHME", "emettre_jeton", "hacher", "lire_jeton", "verifier"]
