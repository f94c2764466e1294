"""Property: every departure ``estimer`` lists, given to ``simuler`` with the career continued to that date (the
estimate's stated hypothesis), is accepted and gives the same amounts; a carrière-longue departure is the
earliest one ``simuler`` accepts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pension
from pension.dates import jours_360
from pension.estimation import CHAMPS_DU_RESULTAT


@st.composite
def carrieres(draw: st.DrawFn) -> dict[str, Any]:
    naissance = date(draw(st.integers(1955, 1972)), draw(st.integers(1, 12)), draw(st.integers(1, 28)))
    debut = naissance.replace(year=naissance.year + draw(st.integers(16, 24)))
    fin = naissance.replace(year=naissance.year + draw(st.integers(45, 59))) - timedelta(days=draw(st.integers(1, 300)))
    cas: dict[str, Any] = {
        "date_de_naissance": naissance.isoformat(),
        "indice_majore": draw(st.integers(300, 820)),
        "periodes": [{"debut": debut.isoformat(), "fin": fin.isoformat(), "quotite": draw(st.sampled_from([100, 80]))}],
    }
    if naissance.year >= 1958 and draw(st.booleans()):  # earlier actives open rights before 11/2012, uncovered
        # super-actifs open their rights five years earlier still: from the 1963 generation, 2014 onwards
        cas["categorie"] = draw(st.sampled_from(["active", "super_active"])) if naissance.year >= 1963 else "active"
    if naissance.year >= 1958 and draw(st.integers(0, 5)) == 0:  # active services before 2011, then sedentary
        cas["trimestres_services_actifs_avant_2011"] = draw(st.integers(40, 80))
    if draw(st.integers(0, 3)):  # carrière longue in most careers: the case this property guards
        age_debut = draw(st.sampled_from([16, 17, 18, 20]))
        cotise = jours_360(debut, fin, 30) // 90 + draw(st.integers(-6, 6))
        cas["carriere_longue"] = {
            "trimestres_fin_annee": {str(age_debut): draw(st.integers(3, 6))},
            "duree_cotisee": max(cotise, 0),
        }
    if draw(st.integers(0, 4)) == 0:
        cas["enfants"] = [{"date_de_naissance": debut.replace(year=debut.year + 8).isoformat()}] * draw(
            st.integers(1, 4)
        )
    return cas


def continuee(cas: dict[str, Any], depart: date) -> dict[str, Any]:
    """The case an agent would give ``simuler``: one more period at the last quotité up to the day before the
    departure, and the whole trimestres (90 days of 30-day months) it adds to the durée cotisée."""
    derniere = cas["periodes"][-1]
    suite = date.fromisoformat(derniere["fin"]) + timedelta(days=1)
    nouveau = dict(cas, date_de_liquidation=depart.isoformat())
    if depart > suite:
        veille = depart - timedelta(days=1)
        nouveau["periodes"] = [
            *cas["periodes"],
            {"debut": suite.isoformat(), "fin": veille.isoformat(), "quotite": derniere.get("quotite", 100)},
        ]
        if "carriere_longue" in cas:
            ajoutes = jours_360(suite, veille, 30) // 90
            nouveau["carriere_longue"] = dict(
                cas["carriere_longue"], duree_cotisee=cas["carriere_longue"]["duree_cotisee"] + ajoutes
            )
    return nouveau


def _resultat_ou_refus(cas: dict[str, Any]) -> pension.ResultatPension | None:
    try:
        return pension.simuler(cas)
    except pension.ErreurCas:
        return None


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(carrieres())
def test_chaque_depart_estime_est_accepte_par_simuler_avec_les_memes_montants(cas):
    estimation = pension.estimer(cas)
    for point in estimation.points:
        resultat = pension.simuler(continuee(cas, point.date_de_liquidation))
        for champ in CHAMPS_DU_RESULTAT:
            assert getattr(resultat, champ) == getattr(point, champ), (point.libelle, champ)
        if point.libelle.startswith("Départ anticipé"):
            assert resultat.depart_anticipe == "carriere_longue"
            veille = _resultat_ou_refus(continuee(cas, point.date_de_liquidation - timedelta(days=1)))
            assert veille is None or veille.depart_anticipe != "carriere_longue", point.libelle


def test_un_depart_carriere_longue_atteint_apres_le_premier_age_est_liste():
    """The durée cotisée reached at 58 years 7 months (after the 58-year step): estimer lists that departure."""
    cas = {
        "date_de_naissance": "1960-03-01",
        "indice_majore": 500,
        "periodes": [{"debut": "1977-01-01", "fin": "2016-12-31"}],
        "carriere_longue": {"trimestres_fin_annee": {"16": 5}, "duree_cotisee": 168},
    }
    premier = pension.estimer(cas).points[0]
    assert premier.libelle == "Départ anticipé pour carrière longue (58 ans 7 mois)"
    assert pension.simuler(continuee(cas, premier.date_de_liquidation)).depart_anticipe == "carriere_longue"
