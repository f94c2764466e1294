"""EIR eligibility as a pure rule (DESIGN §4.1 step 1): each refusal names its field, its rule and what to do."""

from __future__ import annotations

from datetime import date

from domain.eligibilite import DemandeAnterieure, debut_fenetre_eir, refus_eir
from domain.erreurs import Conflit, Refus

LE = date(2026, 6, 15)
NE_EN_1970 = date(1970, 3, 1)


def test_eligible_sans_demande_anterieure():
    assert refus_eir(NE_EN_1970, LE, [], "demande") is None


def test_jamais_affilie():
    refus = refus_eir(None, LE, [], "nir")
    assert isinstance(refus, Refus)
    assert [(e.champ, e.regle) for e in refus.erreurs] == [("nir", "affiliation")]
    assert "jamais été affilié à la CNRACL" in refus.message


def test_moins_de_45_ans_le_jour_de_la_demande():
    veille_des_45_ans = refus_eir(date(1981, 6, 16), LE, [], "demande")
    assert isinstance(veille_des_45_ans, Refus) and veille_des_45_ans.erreurs[0].regle == "age_minimum"
    assert "à partir de 45 ans" in veille_des_45_ans.message
    assert refus_eir(date(1981, 6, 15), LE, [], "demande") is None  # 45 years old that very day


def test_une_demande_ouverte_est_un_conflit():
    refus = refus_eir(NE_EN_1970, LE, [DemandeAnterieure(7, date(2026, 1, 5), ouverte=True)], "demande")
    assert isinstance(refus, Conflit)
    assert "EIR-7" in refus.message and refus.erreurs[0].regle == "demande_ouverte"


def test_une_demande_close_depuis_moins_de_6_mois():
    assert debut_fenetre_eir(LE) == date(2025, 12, 15)
    refus = refus_eir(NE_EN_1970, LE, [DemandeAnterieure(3, date(2026, 1, 5), ouverte=False)], "demande")
    assert isinstance(refus, Refus) and refus.erreurs[0].regle == "delai_entre_demandes"
    assert "05/01/2026" in refus.message and "6 mois" in refus.message
