"""The CNRACL pension calculation module (DESIGN §5): pure functions over dated legal parameters.

from pension import simuler, estimer, CasPension, ResultatPension, Estimation, ErreurCas
resultat = simuler(cas)   # CasPension or dict -> ResultatPension
estimation = estimer(cas)  # -> Estimation (amounts at the key ages of the EIG / EIR bilan)
"""

from pension.calcul import simuler
from pension.estimation import estimer
from pension.modeles import CasPension, ErreurCas, Estimation, ResultatPension

__all__ = ["CasPension", "ErreurCas", "Estimation", "ResultatPension", "estimer", "simuler"]
