"""Cohorts and calendar of a campaign, from the dated parameters: the seed's own example (slides 11, 17, 18)."""

from __future__ import annotations

from datetime import date, timedelta

from domain.campagne import Cohorte, calendrier_campagne, cohortes
from domain.regles import parametre, tous_les_parametres


def test_les_cohortes_de_la_campagne_2015_sont_celles_du_diaporama():
    """2015 slides: RIS for those born in 1966, 1971, 1976, 1981; EIG for 1951, 1956, 1961 — documents
    sent in 2016, the year they reach 50, 45, 40, 35 (RIS) and 65, 60, 55 (EIG)."""
    c = cohortes(2015)
    assert (c.annee_campagne, c.annee_envoi) == (2015, 2016)
    assert sorted(c.naissances(Cohorte.ris)) == [1966, 1971, 1976, 1981]
    assert sorted(c.naissances(Cohorte.eig)) == [1951, 1956, 1961]
    assert c.naissances(Cohorte.eig)[1951] == 65
    assert c.annee_cir_complete == 2014 and c.trimestres_information_generale == 2


def test_le_calendrier_va_de_juillet_n_a_decembre_n_plus_1_heure_de_paris():
    cal = calendrier_campagne(
        2026, timedelta(days=150), [timedelta(days=30), timedelta(days=7)], timedelta(days=45), timedelta(days=7)
    )
    assert cal.lancement.isoformat() == "2026-07-01T06:00:00+00:00"  # 8 h à Paris (heure d'été)
    assert cal.rappels == [cal.date_limite - timedelta(days=30), cal.date_limite - timedelta(days=7)]
    assert cal.debut_envoi.isoformat() == "2027-09-01T06:00:00+00:00"
    tranches = cal.tranches()
    assert tranches[0] == cal.debut_envoi and tranches[-1] <= cal.fin_envoi and len(tranches) == 18
    assert cal.fin_envoi.date().isoformat() == "2027-12-31"


def test_un_rappel_plus_long_que_la_periode_de_mise_a_jour_est_ignore():
    cal = calendrier_campagne(
        2026, timedelta(days=20), [timedelta(days=30), timedelta(days=7)], timedelta(days=1), timedelta(days=7)
    )
    assert cal.rappels == [cal.date_limite - timedelta(days=7)]


def test_chaque_parametre_de_campagne_cite_sa_source():
    for nom in (
        "ages_ris",
        "age_premiere_eig",
        "periodicite_eig",
        "age_derniere_eig",
        "lancement",
        "debut_envoi",
        "fin_envoi",
        "trimestres_information_generale",
        "decalage_annee_cir_complete",
    ):
        valeur = parametre("campagne", nom, date(2026, 7, 1))
        assert valeur.reference_titre and valeur.reference_url.startswith("http"), nom
    # The right source: the ages of the RIS and the EIG come from décret n° 2006-708 (today CSS art. D161-2-1-6 and
    # following), in every dated value; décret n° 2007-173 organises the CNRACL and sets no age: nothing cites it.
    campagne = tous_les_parametres()["campagne"]
    for nom in ("ages_ris", "age_premiere_eig", "periodicite_eig"):
        for valeur in campagne[nom]["valeurs"]:
            titre = valeur["reference"]["titre"]
            assert "décret n° 2006-708" in titre.lower() and "CSS, art. D161-2-1-6" in titre, (
                nom,
                valeur["date_effet"],
            )
    for nom, contenu in campagne.items():
        for valeur in contenu["valeurs"]:
            assert "2007-173" not in valeur["reference"]["titre"] + valeur["reference"]["url"], nom
