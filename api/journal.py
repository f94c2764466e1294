"""Logs carry no personal data: the mask lives with the logging set-up, in ``observabilite.journaux``."""

from observabilite.journaux import MasqueDonneesPersonnelles, masquer

__all__ = ["MasqueDonneesPersonnelles", "masquer"]
