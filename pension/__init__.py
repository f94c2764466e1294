"""The CNRACL pension calculation module (DESIGN §5): pure functions over dated legal parameters.

from pension import simuler, estimer, CasPension, ResultatPension, Estimation, ErreurCas
resultat = simuler(cas)   # CasPension or dict -> ResultatPension
estimation = estimer(cas)  # -> Estimation (amounts at the key ages of the EIG / EIR bilan)
decompte = decompter_services(periodes, le)  # -> DecompteServices (the trimestres a RIS shows)
"""

from pension.calcul import DecompteServices, decompter_services, simuler
from pension.estimation import estimer
from pension.modeles import CasPension, ErreurCas, Estimation, ResultatPension

__all__ = [
    "CasPension",
    "DecompteServices",
    "ErreurCas",
    "Estimation",
    "ResultatPension",
    "decompter_services",
    "estimer",
    "simuler",
]
