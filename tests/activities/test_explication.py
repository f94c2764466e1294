"""The explanation stored in a bilan, for careers that take each branch: minimum garanti applied, majoration for
three children, surcote at a later age; a part-time career with a décote and no minimum. The figures are the
calculation module's for the same departure (services continued to that date, as the estimation states)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pension
from activities.explication import explication_du_bilan
from domain.montants import euros

CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\.md\b|\.yaml\b")


def _cas(naissance: date, debut: date, indice: int, enfants: tuple[date, ...] = (), quotite: int = 100) -> dict:
    fin = date(2025, 12, 31)
    return {
        "date_de_naissance": naissance.isoformat(),
        "date_de_liquidation": "2026-01-01",
        "categorie": "sedentaire",
        "periodes": [
            {
                "debut": max(debut, date(annee, 1, 1)).isoformat(),
                "fin": min(fin, date(annee, 12, 31)).isoformat(),
                "quotite": quotite,
                "nature": "titulaire",
            }
            for annee in range(debut.year, fin.year + 1)
        ],
        "indice_majore": indice,
        "enfants": [{"date_de_naissance": enfant.isoformat()} for enfant in enfants],
    }


def _resultat(cas: dict, depart: date) -> dict[str, Any]:
    """The calculation at ``depart`` with the last period continued from 01/01/2026 to the day before."""
    suite = cas["periodes"][-1] | {"debut": "2026-01-01", "fin": (depart - timedelta(days=1)).isoformat()}
    depart_cas = cas | {"date_de_liquidation": depart.isoformat(), "periodes": [*cas["periodes"], suite]}
    return pension.simuler(depart_cas).model_dump(mode="json")


def _chiffres(explication: dict) -> dict[str, dict]:
    return {chiffre["intitule"]: chiffre for chiffre in explication["chiffres"]}


def _textes(explication: dict, resumes: list[str]) -> list[str]:
    textes = [explication["depart"], explication["hypothese"], *resumes]
    for chiffre in explication["chiffres"]:
        textes += [chiffre["intitule"], chiffre["valeur"], chiffre["explication"], *chiffre["calcul"]]
        textes += [regle["titre"] for regle in chiffre["regles"]]
    return textes


def test_minimum_garanti_applique_majoration_et_surcote_plus_tard():
    cas = _cas(date(1964, 3, 1), date(1982, 9, 1), 350, (date(1988, 1, 1), date(1990, 1, 1), date(1993, 1, 1)))
    estimation = pension.estimer(cas)
    explication, resumes = explication_du_bilan(cas, estimation)
    resultat = _resultat(cas, estimation.points[0].date_de_liquidation)
    assert resultat["minimum_garanti_applique"] and resultat["majoration_enfants"] > 0
    chiffres = _chiffres(explication)
    assert chiffres["Minimum garanti"]["valeur"] == f"{euros(resultat['minimum_garanti'])} par an, appliqué"
    assert "c'est lui qui vous est versé" in chiffres["Minimum garanti"]["explication"]
    assert chiffres["Majoration pour enfants"]["valeur"] == f"{euros(resultat['majoration_enfants'])} par an"
    assert any("art. 24" in regle["titre"] for regle in chiffres["Majoration pour enfants"]["regles"])
    assert chiffres["Montant de votre pension"]["valeur"].startswith(euros(resultat["pension_brute_mensuelle"]))
    assert chiffres["Cumul emploi-retraite"]["valeur"] == (
        "libre"
        if resultat["cumul_libre"]
        else f"revenus d'activité jusqu'à {euros(resultat['plafond_cumul_emploi_retraite_annuel'])} brut par an"
    )
    # A later departure earns a surcote: its line says how many trimestres and the rate.
    dernier = _resultat(cas, estimation.points[-1].date_de_liquidation)
    assert dernier["surcote_trimestres"] > 0
    assert f"surcote de {dernier['surcote_trimestres']} trimestres" in resumes[-1]
    assert resumes[-1].endswith(f"{euros(dernier['pension_brute_mensuelle'])} brut par mois.")
    for chiffre in explication["chiffres"]:
        assert chiffre["regles"], chiffre["intitule"]
    assert not [texte for texte in _textes(explication, resumes) if CODE.search(texte)]


def test_temps_partiel_avec_decote_sans_minimum_ni_majoration():
    cas = _cas(date(1966, 3, 1), date(2000, 9, 1), 340, quotite=50)
    estimation = pension.estimer(cas)
    explication, resumes = explication_du_bilan(cas, estimation)
    resultat = _resultat(cas, estimation.points[0].date_de_liquidation)
    chiffres = _chiffres(explication)
    assert resultat["decote_trimestres"] > 0 and resultat["minimum_garanti"] is None
    assert chiffres["Décote"]["valeur"].startswith(f"{resultat['decote_trimestres']} trimestres manquants")
    assert chiffres["Minimum garanti"]["valeur"] == "non ouvert"
    assert chiffres["Majoration pour enfants"]["valeur"] == "aucune"
    # A décote means the durée is short at the legal age: an activity resumed then is capped.
    assert not resultat["cumul_libre"]
    plafond = euros(resultat["plafond_cumul_emploi_retraite_annuel"])
    assert chiffres["Cumul emploi-retraite"]["valeur"] == f"revenus d'activité jusqu'à {plafond} brut par an"
    assert "le dépassement est déduit de la pension" in chiffres["Cumul emploi-retraite"]["explication"]
    assert chiffres["Trimestres de services"]["valeur"] == f"{resultat['trimestres_services']} trimestres"
    assert chiffres["Durée d'assurance tous régimes"]["valeur"] == (
        f"{resultat['duree_assurance_tous_regimes']} trimestres"
    )
    assert len(resumes) == len(estimation.points)
    for point, resume in zip(estimation.points, resumes, strict=True):
        assert resume.endswith(f"{euros(point.pension_brute_mensuelle)} brut par mois.")
    assert not [texte for texte in _textes(explication, resumes) if CODE.search(texte)]
