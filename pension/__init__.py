"""The CNRACL pension calculation module (DESIGN §5): pure functions over dated legal parameters.

from pension import simuler, estimer, CasPension, ResultatPension, Estimation, ErreurCas
resultat = simuler(cas)   # CasPension or dict -> ResultatPension
estimation = estimer(cas)  # -> Estimation (amounts at the key ages of the EIG / EIR bilan)
devis = coter_rachat(demande)  # -> CoutRachat (cost of a rachat d'études, from the dated scale)
decompte = decompter_services(periodes, le)  # -> DecompteServices (the trimestres a RIS shows)
"""

from pension.calcul import DecompteServices, decompter_services, simuler
from pension.estimation import estimer
from pension.modeles import CasPension, CoutRachat, DemandeRachat, ErreurCas, Estimation, ResultatPension
from pension.rachat import coter as coter_rachat

__all__ = [
    "CasPension",
    "CoutRachat",
    "DecompteServices",
    "DemandeRachat",
    "ErreurCas",
    "Estimation",
    "ResultatPension",
    "coter_rachat",
    "decompter_services",
    "estimer",
    "simuler",
]
