"""Eligibility for a campaign document on a given day (REGLES §15): not deceased, not retired, still in the scheme,
and not excluded from the campaign by its manager."""

from datetime import date

import pytest

from domain.campagne import CHAMPS_EXCLUSION, EtatCible, MotifExclusion, etat_exclusion, motif_exclusion

JOUR = date(2027, 10, 4)


def test_sans_date_de_statut_l_agent_reste_eligible():
    assert motif_exclusion({}, JOUR) is None
    assert motif_exclusion(dict.fromkeys(CHAMPS_EXCLUSION.values()), JOUR) is None


@pytest.mark.parametrize(
    ("champ", "motif"),
    [
        ("date_de_deces", MotifExclusion.deces),
        ("date_liquidation", MotifExclusion.retraite),
        ("date_radiation", MotifExclusion.radiation),
    ],
)
def test_une_date_atteinte_le_jour_meme_ou_avant_exclut(champ, motif):
    assert motif_exclusion({champ: JOUR}, JOUR) is motif
    assert motif_exclusion({champ: date(2026, 12, 1)}, JOUR) is motif
    # Announced for later (a pension starting next year): the document is still due today.
    assert motif_exclusion({champ: date(2027, 10, 5)}, JOUR) is None


def test_le_deces_prime_sur_la_retraite_et_la_radiation():
    tout = {"date_de_deces": date(2027, 9, 1), "date_liquidation": date(2027, 6, 1), "date_radiation": date(2027, 6, 1)}
    assert motif_exclusion(tout, JOUR) is MotifExclusion.deces
    assert motif_exclusion(tout | {"date_de_deces": None}, JOUR) is MotifExclusion.retraite


def test_chaque_motif_a_son_etat_de_cible():
    assert [etat_exclusion(m) for m in MotifExclusion] == [
        EtatCible.exclu_deces,
        EtatCible.exclu_retraite,
        EtatCible.exclu_radiation,
        EtatCible.exclu_decision,
    ]


def test_l_exclusion_par_le_gestionnaire_vient_apres_les_dates_de_statut():
    assert motif_exclusion({}, JOUR, exclu_par_decision=True) is MotifExclusion.decision
    assert motif_exclusion({"date_de_deces": JOUR}, JOUR, exclu_par_decision=True) is MotifExclusion.deces
