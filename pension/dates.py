"""Calendar arithmetic of the pension rules: ages reached on the anniversary, 30-day months for services."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from pension.parametres import Duree


def ajouter_mois(jour: date, mois: int) -> date:
    """``jour`` plus ``mois`` months; the day is clipped to the end of a shorter month."""
    total = jour.year * 12 + jour.month - 1 + mois
    annee, indice_mois = divmod(total, 12)
    try:  # the same day exists in most cases: ask the calendar only when it does not
        return date(annee, indice_mois + 1, jour.day)
    except ValueError:
        return date(annee, indice_mois + 1, min(jour.day, calendar.monthrange(annee, indice_mois + 1)[1]))


def date_age(naissance: date, age: Duree) -> date:
    """The day an age is reached (the anniversary: born 10/06/1954, 61 ans 7 mois → 10/01/2016)."""
    return ajouter_mois(naissance, age.en_mois)


def mois_entiers(debut: date, fin: date) -> tuple[int, bool]:
    """(whole months from ``debut`` to ``fin``, whether a started month remains); (0, False) if ``fin`` ≤ ``debut``."""
    if fin <= debut:
        return 0, False
    mois = (fin.year - debut.year) * 12 + fin.month - debut.month
    if ajouter_mois(debut, mois) > fin:
        mois -= 1
    return mois, ajouter_mois(debut, mois) < fin


def age_a(naissance: date, jour: date) -> Duree:
    """Age in whole years and months on ``jour``."""
    return Duree.depuis_mois(mois_entiers(naissance, jour)[0])


def jours_360(debut: date, fin: date, jours_par_mois: int) -> int:
    """Days of a period, both ends included, in months of ``jours_par_mois`` days (a full year = 12 months).

    The last day of a month counts as the 30th (01/01–31/12 = 360 days, 01/02–28/02 = 30 days).
    """
    jour_debut = min(debut.day, jours_par_mois)
    dernier = calendar.monthrange(fin.year, fin.month)[1]
    jour_fin = jours_par_mois if fin.day == dernier else min(fin.day, jours_par_mois)
    return ((fin.year - debut.year) * 12 + fin.month - debut.month) * jours_par_mois + (jour_fin - jour_debut) + 1


def jours_trimestres_calendaires(debut: date, fin: date, jours_par_trimestre: int) -> int:
    """Days of a period, both ends included: each whole trimestre (3 months from date to date from ``debut``)
    counts ``jours_par_trimestre``, the remaining fraction its calendar days (01/01–14/02 = 45 days)."""
    lendemain = fin + timedelta(days=1)
    trimestres = mois_entiers(debut, lendemain)[0] // 3
    return trimestres * jours_par_trimestre + (lendemain - ajouter_mois(debut, 3 * trimestres)).days
