"""The pension calculation module (DESIGN §5): pure functions, dated legal parameters as data."""

from pension.calcul import estimer, simuler
from pension.modeles import CasPension, ErreurCas, Estimation, ResultatPension

__all__ = ["simuler", "estimer", "CasPension", "ResultatPension", "Estimation", "ErreurCas"]
