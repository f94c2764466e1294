"""EIR eligibility as a pure rule (DESIGN §4.1 step 1): each refusal names its field, its rule and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.eir import employeur_de_l_eir
from domain.eligibilite import DemandeAnterieure, debut_fenetre_eir, refus_eir, refus_sans_employeur
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


@dataclass(frozen=True)
class _Ligne:
    employeur_id: int | None
    date_debut: date
    date_fin: date


def test_l_employeur_de_l_eir_est_l_employeur_actuel_sinon_le_dernier_du_cir():
    carriere = [
        _Ligne(3, date(2012, 1, 1), date(2012, 12, 31)),
        _Ligne(9, date(2019, 1, 1), date(2019, 6, 30)),
        _Ligne(None, date(2020, 1, 1), date(2020, 12, 31)),  # a line without its employer does not count
        _Ligne(3, date(2005, 1, 1), date(2005, 12, 31)),
    ]
    assert employeur_de_l_eir(4, carriere) == 4
    assert employeur_de_l_eir(None, carriere) == 9
    # Two periods ending the same day: the one begun last.
    meme_fin = [_Ligne(5, date(2018, 1, 1), date(2018, 12, 31)), _Ligne(6, date(2018, 7, 1), date(2018, 12, 31))]
    assert employeur_de_l_eir(None, meme_fin) == 6
    assert employeur_de_l_eir(None, [_Ligne(None, date(2001, 1, 1), date(2001, 12, 31))]) is None
    assert employeur_de_l_eir(None, []) is None


def test_sans_employeur_connu_le_refus_dit_quoi_faire():
    refus = refus_sans_employeur("nir")
    assert [(e.champ, e.regle) for e in refus.erreurs] == [("nir", "employeur_connu")]
    assert "Contactez la CNRACL pour faire compléter votre compte individuel retraite" in refus.message
