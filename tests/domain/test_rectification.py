"""Who may correct a disputed period, and what a former employer may write: the pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.erreurs import Refus
from domain.rectification import refus_correction_hors_periode, refus_employeur_de_la_periode

DEBUT, FIN = date(1993, 1, 1), date(1993, 12, 31)
ACTUEL, ANCIEN, ETRANGER = 1, 2, 3


@dataclass
class Ligne:
    date_debut: date
    date_fin: date


def test_l_employeur_de_la_periode_et_l_employeur_actuel_sont_admis():
    assert refus_employeur_de_la_periode(ANCIEN, ACTUEL, {ANCIEN}, set(), DEBUT, FIN) is None
    assert refus_employeur_de_la_periode(ACTUEL, ACTUEL, {ANCIEN}, set(), DEBUT, FIN) is None


def test_une_periode_declaree_ne_se_corrige_que_par_son_employeur():
    refus = refus_employeur_de_la_periode(ETRANGER, ACTUEL, {ANCIEN}, {ANCIEN, ETRANGER}, DEBUT, FIN)
    assert isinstance(refus, Refus)
    assert refus.champ == "siret_employeur" and refus.erreurs[0].regle == "employeur_de_la_periode"
    assert "n'apparaît pas dans votre carrière pour cette période (du 01/01/1993 au 31/12/1993)" in refus.message


def test_une_periode_absente_se_corrige_par_un_ancien_employeur_de_la_carriere():
    assert refus_employeur_de_la_periode(ANCIEN, ACTUEL, set(), {ACTUEL, ANCIEN}, DEBUT, FIN) is None
    refus = refus_employeur_de_la_periode(ETRANGER, ACTUEL, set(), {ACTUEL, ANCIEN}, DEBUT, FIN)
    assert isinstance(refus, Refus) and refus.champ == "siret_employeur"
    assert "ni sur aucune autre période de votre compte individuel retraite" in refus.message


jours = st.integers(min_value=-400, max_value=800).map(lambda n: DEBUT + timedelta(days=n))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(jours, st.integers(min_value=0, max_value=200)), max_size=4))
def test_une_correction_est_refusee_des_qu_un_jour_sort_de_la_periode(lignes):
    corrections = [Ligne(debut, debut + timedelta(days=duree)) for debut, duree in lignes]
    refus = refus_correction_hors_periode(corrections, DEBUT, FIN)
    dehors = [i for i, ligne in enumerate(corrections) if ligne.date_debut < DEBUT or ligne.date_fin > FIN]
    if not dehors:
        assert refus is None
    else:
        assert isinstance(refus, Refus)
        [erreur] = refus.erreurs
        assert erreur.champ.startswith(f"corrections.{dehors[0]}.") and erreur.regle == "periode_contestee"
        assert "sort de la période contestée par l'agent (du 01/01/1993 au 31/12/1993)" in refus.message
