"""Who may ask the validation of non-titular services, and until when (dated legal parameters)."""

from datetime import date

from domain.validation import MotifValidation, echeance_validation, examen_validation

AUJOURD_HUI = date(2026, 11, 22)


def test_titularise_en_2012_deux_ans_pour_demander():
    echeance = echeance_validation(date(2012, 3, 15), False, date(2008, 1, 1), AUJOURD_HUI)
    assert echeance.motif is MotifValidation.titularisation and echeance.date_limite == date(2014, 3, 15)
    assert "24 mois" in echeance.regle and "2003-1306" in echeance.regle


def test_titularise_fin_2012_plafonne_au_1er_janvier_2015():
    assert echeance_validation(date(2013, 1, 1), False, None, AUJOURD_HUI).date_limite == date(2015, 1, 1)


def test_titularise_apres_2013_non_eligible():
    assert echeance_validation(date(2013, 1, 2), False, None, AUJOURD_HUI) is None


def test_temps_non_complet_titularise_avant_2013_affilie_avant_2015():
    echeance = echeance_validation(date(2012, 6, 1), True, date(2012, 6, 1), AUJOURD_HUI)
    assert echeance.motif is MotifValidation.temps_non_complet and echeance.date_limite == date(2017, 1, 1)
    assert "2010-1740" in echeance.regle
    affilie_en_2015 = echeance_validation(date(2012, 6, 1), True, date(2015, 1, 2), AUJOURD_HUI)
    assert affilie_en_2015.motif is MotifValidation.titularisation and affilie_en_2015.date_limite == date(2014, 6, 1)


def test_temps_non_complet_titularise_apres_2013_refuse_avec_la_regle():
    examen = examen_validation(date(2014, 3, 1), True, date(2014, 3, 1), AUJOURD_HUI)
    assert isinstance(examen, str)
    assert "titularisé le 01/03/2014, après le 01/01/2013" in examen and "2010-1740" in examen
    assert echeance_validation(date(2014, 3, 1), True, date(2014, 3, 1), AUJOURD_HUI) is None
    # Without a titularisation the derogation does not apply either.
    assert echeance_validation(None, True, date(2014, 6, 1), AUJOURD_HUI) is None


def test_le_delai_court_depuis_la_notification_de_la_titularisation():
    sans_notification = echeance_validation(date(2012, 3, 15), False, date(2008, 1, 1), AUJOURD_HUI)
    notifiee_plus_tard = echeance_validation(date(2012, 3, 15), False, date(2008, 1, 1), AUJOURD_HUI, date(2012, 9, 1))
    assert sans_notification.date_limite == date(2014, 3, 15)
    assert notifiee_plus_tard.date_limite == date(2014, 9, 1)
    assert "notification" in notifiee_plus_tard.regle


def test_les_deux_motifs_la_date_la_plus_favorable():
    echeance = echeance_validation(date(2011, 5, 1), True, date(2010, 1, 1), AUJOURD_HUI)
    assert echeance.date_limite == date(2017, 1, 1)


def test_cotisations_retroactives_des_periodes_certifiees():
    from decimal import Decimal

    from domain.cir import LigneCir
    from domain.validation import cotisations_retroactives
    from pension.parametres import valeurs_datees

    periodes = [
        LigneCir(
            date_debut=date(1995, 1, 1), date_fin=date(1995, 12, 31), nature="non_titulaire_valide", indice_majore=300
        ),
        LigneCir(
            date_debut=date(1996, 1, 1),
            date_fin=date(1996, 6, 30),
            nature="non_titulaire_valide",
            indice_majore=320,
            quotite=50,
        ),
        LigneCir(date_debut=date(1997, 1, 1), date_fin=date(1997, 3, 31), nature="non_titulaire_valide"),
    ]
    dues = cotisations_retroactives(periodes, date(2012, 6, 1), valeurs_datees("point_indice"))
    # Point (5 556,35 € a year for 100 points since 07/2010) and rates in force on the request's date (8,39 %, 27,40 %).
    premiere = Decimal("300") * Decimal("5556.35") / 100
    assert dues["periodes"][0]["assiette"] == f"{premiere.quantize(Decimal('0.01'))}"
    assert (
        dues["periodes"][0]["part_agent"]
        == f"{(premiere.quantize(Decimal('0.01')) * Decimal('0.0839')).quantize(Decimal('0.01'))}"
    )
    assert dues["periodes"][2]["part_agent"] is None and dues["incomplet"] is True
    total_agent = sum(Decimal(p["part_agent"]) for p in dues["periodes"][:2])
    assert Decimal(dues["part_agent"]) == total_agent > 0
    assert Decimal(dues["total"]) == Decimal(dues["part_agent"]) + Decimal(dues["part_employeur"])
    assert "50-II" in dues["regle"]
