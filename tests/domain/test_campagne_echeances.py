"""The campaign's deadlines as pure rules: an extended deadline keeps the Paris hour of the campaign's cut-off on
either side of the October change of time; its reminder after it is bounded by the transmission; the days of the
reference year the CIR does not cover."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.campagne import PARIS
from domain.campagne_echeances import annee_de_la_campagne, delai_employeur, instant_limite
from domain.cir import Periode, periodes_non_couvertes

# A cut-off at 08:00 in Paris in winter (28 November: 07:00 UTC).
LIMITE = datetime(2027, 11, 28, 7, 0, tzinfo=UTC)


def test_une_date_de_chaque_cote_du_changement_d_heure_d_octobre():
    # Summer time ends on Sunday 31 October 2027.
    ete, hiver = instant_limite(date(2027, 10, 29), LIMITE), instant_limite(date(2027, 11, 2), LIMITE)
    assert ete == datetime(2027, 10, 29, 6, 0, tzinfo=UTC)  # 08:00 in Paris, summer time (UTC+2)
    assert hiver == datetime(2027, 11, 2, 7, 0, tzinfo=UTC)  # 08:00 in Paris, winter time (UTC+1)
    assert {ete.astimezone(PARIS).hour, hiver.astimezone(PARIS).hour} == {8}


def test_rappel_avant_et_relance_apres_bornee_par_la_transmission():
    propre = instant_limite(date(2027, 12, 8), LIMITE)
    transmission = datetime(2028, 1, 12, 7, 0, tzinfo=UTC)
    delai = delai_employeur(1, 2027, 5, propre, timedelta(days=7), timedelta(days=14), transmission)
    assert delai.rappel == datetime(2027, 12, 1, 7, 0, tzinfo=UTC)
    assert delai.relance == datetime(2027, 12, 22, 7, 0, tzinfo=UTC)
    assert delai.workflow_campagne == "campagne-dai-2027"
    tardif = delai_employeur(1, 2027, 5, propre, timedelta(days=7), timedelta(days=40), transmission)
    assert tardif.relance is None  # it would fall after the transmission: none


def test_annee_de_la_campagne_d_apres_son_processus():
    assert annee_de_la_campagne("campagne-dai-2027") == 2027
    assert annee_de_la_campagne("campagne-dai-2027-simulation") is None
    assert annee_de_la_campagne("eir-abc-1") is None


def test_periodes_non_couvertes_de_l_annee():
    annee = [Periode(date(2026, 3, 1), date(2026, 6, 30)), Periode(date(2026, 9, 1), date(2026, 12, 31))]
    assert periodes_non_couvertes(annee, date(2026, 1, 1), date(2026, 12, 31)) == [
        Periode(date(2026, 1, 1), date(2026, 2, 28)),
        Periode(date(2026, 7, 1), date(2026, 8, 31)),
    ]
    assert periodes_non_couvertes(annee, date(2026, 3, 1), date(2026, 6, 30)) == []
    assert periodes_non_couvertes([], date(2026, 1, 1), date(2026, 1, 1)) == [
        Periode(date(2026, 1, 1), date(2026, 1, 1))
    ]
