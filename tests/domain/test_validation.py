"""Who may ask the validation of non-titular services, and until when (dated legal parameters)."""

from datetime import date

from domain.validation import MotifValidation, echeance_validation

AUJOURD_HUI = date(2026, 11, 22)


def test_titularise_en_2012_deux_ans_pour_demander():
    echeance = echeance_validation(date(2012, 3, 15), False, date(2008, 1, 1), AUJOURD_HUI)
    assert echeance.motif is MotifValidation.titularisation and echeance.date_limite == date(2014, 3, 15)
    assert "24 mois" in echeance.regle and "2003-1306" in echeance.regle


def test_titularise_fin_2012_plafonne_au_1er_janvier_2015():
    assert echeance_validation(date(2013, 1, 1), False, None, AUJOURD_HUI).date_limite == date(2015, 1, 1)


def test_titularise_apres_2013_non_eligible():
    assert echeance_validation(date(2013, 1, 2), False, None, AUJOURD_HUI) is None


def test_temps_non_complet_affilie_avant_2015():
    echeance = echeance_validation(None, True, date(2014, 6, 1), AUJOURD_HUI)
    assert echeance.motif is MotifValidation.temps_non_complet and echeance.date_limite == date(2017, 1, 1)
    assert echeance_validation(None, True, date(2015, 1, 2), AUJOURD_HUI) is None


def test_les_deux_motifs_la_date_la_plus_favorable():
    echeance = echeance_validation(date(2011, 5, 1), True, date(2010, 1, 1), AUJOURD_HUI)
    assert echeance.date_limite == date(2017, 1, 1)
