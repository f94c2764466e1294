"""Cumul emploi-retraite (CPCMR L84 à L86-1, décret n° 2003-1306 art. 58, loi n° 2014-40 art. 19): whether the
cumul is free, else the ceiling of the activity income per civil year and, for a given income, the écrêtement.
``cumul`` is the hook of the calculation (``calcul.calculer``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from pension.explication import Regle, decimal, en_decimal, euros, regle, regle_figee
from pension.format import nombre_fr, somme_fr
from pension.modeles import CasPension
from pension.parametres import MEMOIRE, Valeur, valeur, valeur_eventuelle

LIBELLES_LIBRE = {
    "invalidite": "pension d'invalidité",
    "limite_age": "limite d'âge atteinte",
    "age_legal_duree_complete": "âge légal atteint avec la durée d'assurance requise",
}


@dataclass(frozen=True, slots=True)
class Cumul:
    libre: bool
    plafond: float | None  # per civil year, when the cumul is capped
    ecretement: float | None  # when the income is given


def _motif_libre(cas: CasPension, date_effet: date, date_legale: date, date_limite: date, complete: bool) -> str | None:
    conditions = valeur_eventuelle("cumul_emploi_retraite_libre", date_effet)
    if conditions is None:
        return None
    remplies = {
        "invalidite": cas.invalidite,
        "limite_age": date_effet >= date_limite,
        "age_legal_duree_complete": date_effet >= date_legale and complete,
    }
    condition: str
    for condition in conditions.valeur:
        if remplies[condition]:
            return condition
    return None


@lru_cache(maxsize=MEMOIRE)
def _regle_libre(motif: str, conditions: Valeur) -> Regle:
    """A free cumul's rule: the same for every case with this reason and version (one fragment each)."""
    return regle_figee(
        "cumul_libre",
        f"Cumul emploi-retraite libre ({LIBELLES_LIBRE[motif]}, CPCMR L84 ; loi n° 2014-40 art. 19) : "
        "revenus d'activité cumulables sans plafond, toutes les pensions étant liquidées",
        True,
        conditions,
    )


def cumul(
    cas: CasPension,
    annuelle: float,
    date_effet: date,
    date_legale: date,
    date_limite: date,
    duree_complete: bool,
    pas: Decimal,
    explication: list[Regle],
) -> Cumul:
    """The cumul for a pension of ``annuelle`` euros a year taking effect on ``date_effet``."""
    revenus = cas.revenus_activite_annuels
    motif = _motif_libre(cas, date_effet, date_legale, date_limite, duree_complete)
    if motif is not None:
        explication.append(_regle_libre(motif, valeur("cumul_emploi_retraite_libre", date_effet)))
        return Cumul(True, None, 0.0 if revenus is not None else None)
    abattement = valeur_eventuelle("cumul_emploi_retraite_abattement", date_effet)
    if abattement is None:
        return Cumul(False, None, None)
    fraction = valeur("cumul_emploi_retraite_fraction_pension", date_effet)
    plafond = euros(en_decimal(annuelle) * decimal(fraction.valeur) + decimal(abattement.valeur), pas)
    explication.append(
        regle(
            "cumul_emploi_retraite",
            f"Cumul emploi-retraite plafonné (CPCMR L85 ; décret n° 2003-1306 art. 58) : revenus d'activité jusqu'à "
            f"un tiers de la pension + {nombre_fr(abattement.valeur)} € = {somme_fr(plafond)} € par année civile "
            "(au-delà, écrêtement)",
            plafond,
            abattement,
        )
    )
    if revenus is None:
        return Cumul(False, plafond, None)
    mode = valeur("cumul_emploi_retraite_ecretement", date_effet)
    depassement = max(en_decimal(revenus) - en_decimal(plafond), Decimal(0))
    if mode.valeur == "plafonne_a_la_pension":
        depassement = min(depassement, en_decimal(annuelle))
    ecretement = euros(depassement, pas)
    explication.append(
        regle(
            "ecretement",
            (
                f"Écrêtement (CPCMR L85) : revenus de {somme_fr(euros(en_decimal(revenus), pas))} € − plafond de "
                f"{somme_fr(plafond)} € = {somme_fr(ecretement)} € déduits de la pension de l'année"
                + (" (versement de la pension interrompu)" if ecretement == annuelle else "")
                if ecretement
                else f"Écrêtement (CPCMR L85) : aucun, les revenus de {somme_fr(euros(en_decimal(revenus), pas))} € "
                f"ne dépassent pas le plafond de {somme_fr(plafond)} €"
            ),
            ecretement,
            mode,
        )
    )
    return Cumul(False, plafond, ecretement)
