"""The core rules on cases whose answer a public source states (REGLES.md), and bad input."""

from __future__ import annotations

from datetime import date

import pytest

import pension
from pension.parametres import DOSSIER, fichier

BASE = {"categorie": "sedentaire", "indice_majore": 500}


def simuler(**cas):
    return pension.simuler(BASE | cas)


def test_date_d_ouverture_ne_en_juin_1954():
    # « sédentaire né 10 juin 1954 … droits ouverts à 61 ans 7 mois, à compter du 10 janvier 2016 » (REGLES §2.3)
    r = simuler(date_de_naissance="1954-06-10", date_de_liquidation="2016-01-10", trimestres_services=165)
    assert r.date_ouverture_droits == date(2016, 1, 10)
    assert (r.age_ouverture_droits.ans, r.age_ouverture_droits.mois) == (61, 7)
    # Opening in 2016: annulation = limite d'âge 66a7m − 4 trimestres = 65a7m (REGLES §3.2, F20349)
    assert (r.age_annulation_decote.ans, r.age_annulation_decote.mois) == (65, 7)


@pytest.mark.parametrize("naissance, ans, mois", [
    ("1952-02-15", 63, 9),   # 01–03/1952 (SNES)
    ("1952-08-15", 64, 0),   # 04–12/1952
    ("1955-05-01", 66, 3),   # 1955 (F20349)
    ("1958-05-01", 67, 0),   # ≥ 1958
])
def test_age_d_annulation_par_generation(naissance, ans, mois):
    r = simuler(date_de_naissance=naissance, date_de_liquidation="2030-01-01", trimestres_services=170)
    assert (r.age_annulation_decote.ans, r.age_annulation_decote.mois) == (ans, mois)


def test_trimestres_au_dela_du_requis_non_payes():
    # juris-cnracl: requirement 166, 169 trimestres of services → computed on 166, i.e. 75 %.
    r = simuler(date_de_naissance="1956-03-01", date_de_liquidation="2019-03-01", trimestres_services=169)
    assert r.trimestres_requis == 166 and r.trimestres_liquidables == 166 and r.taux_de_liquidation == 0.75


def test_decote_le_plus_petit_des_deux_arrondi_au_superieur():
    # 15/04/2022 → 01/03/2027 (67 ans): 58 months and 14 days → 59 months → 19,67 → 20 trimestres (art. 20-I).
    r = simuler(date_de_naissance="1960-03-01", date_de_liquidation="2022-04-15", trimestres_services=100)
    assert r.decote_trimestres == 20 and r.taux_decote == pytest.approx(0.25)
    assert r.coefficient == pytest.approx(0.75)
    # Only 7 trimestres missing on the durée: 7 < 20.
    r = simuler(date_de_naissance="1960-03-01", date_de_liquidation="2022-04-15", trimestres_services=160)
    assert r.decote_trimestres == 7


def test_montant_detaille():
    # 1968, effect 02/04/2032 (after the 2026 suspension): AOD 63a9m, 172 required, 150 trimestres of services,
    # décote 12 T (36 months to 67 < 22 missing), index 612 at 59,0734 €/point.
    r = pension.simuler({"date_de_naissance": "1968-04-02", "date_de_liquidation": "2032-04-02",
                         "periodes": [{"debut": "1994-09-01", "fin": "2032-04-01"}], "indice_majore": 612})
    assert (r.trimestres_requis, r.trimestres_services, r.decote_trimestres) == (172, 150, 12)
    assert r.traitement_de_reference_annuel == 36152.92
    assert r.pension_brute_annuelle == pytest.approx(36152.92 * 0.75 * 150 / 172 * 0.85, abs=0.02)
    assert [e.regle for e in r.explication][:3] == ["age_ouverture_droits", "limite_age", "trimestres_requis"]
    assert all(e.reference.get("url", "").startswith("http") for e in r.explication if e.regle != "duree_assurance")


def test_suspension_2026_selon_la_date_d_effet():
    avant = simuler(date_de_naissance="1965-06-01", date_de_liquidation="2026-08-31", trimestres_services=170,
                    invalidite=True)
    apres = simuler(date_de_naissance="1965-06-01", date_de_liquidation="2029-06-01", trimestres_services=170)
    assert (avant.age_ouverture_droits.ans, avant.age_ouverture_droits.mois, avant.trimestres_requis) == (63, 3, 172)
    assert (apres.age_ouverture_droits.ans, apres.age_ouverture_droits.mois, apres.trimestres_requis) == (63, 0, 171)


def test_surcote_par_trimestre_entier():
    r = simuler(date_de_naissance="1960-01-15", date_de_liquidation="2023-02-20", trimestres_services=167,
                duree_assurance_autres_regimes=10)
    # AOD 62 on 15/01/2022; 13 whole months after it → 4 whole trimestres (DA 177 − 167 = 10 available).
    assert r.decote_trimestres == 0 and r.surcote_trimestres == 4
    assert r.coefficient == pytest.approx(1.05)


def test_majoration_trois_enfants_plafonnee_au_traitement():
    r = simuler(date_de_naissance="1960-01-15", date_de_liquidation="2025-01-15", trimestres_services=167,
                nombre_enfants=5)
    assert r.majoration_enfants == pytest.approx(r.pension_avant_minimum * 0.20, abs=0.01)
    plein = simuler(date_de_naissance="1960-01-15", date_de_liquidation="2027-01-15", trimestres_services=167,
                    duree_assurance_autres_regimes=40, nombre_enfants=12)
    assert plein.pension_brute_annuelle <= plein.traitement_de_reference_annuel


def test_estimation_aux_ages_cles():
    e = pension.estimer({"date_de_naissance": "1970-03-10", "indice_majore": 550,
                         "periodes": [{"debut": "1995-01-01", "fin": "2025-12-31", "quotite": 80}]})
    libelles = [p.libelle for p in e.points]
    assert libelles[0] == "À l'âge légal (64 ans)" and libelles[-1] == "À 67 ans, âge d'annulation de la décote"
    assert [p.age.ans for p in e.points] == [64, 65, 66, 67]
    montants = [p.pension_brute_mensuelle for p in e.points]
    assert montants == sorted(montants) and montants[0] > 0


@pytest.mark.parametrize("cas, champ, morceau", [
    ({"date_de_naissance": "1960-01-01", "date_de_liquidation": "1950-01-01", "trimestres_services": 100,
      "indice_majore": 500}, "date_de_liquidation", "précéder la naissance"),
    ({"date_de_naissance": "1960-01-01", "date_de_liquidation": "2024-01-01", "trimestres_services": -4,
      "indice_majore": 500}, "trimestres_services", "négative"),
    ({"date_de_naissance": "1960-01-01", "date_de_liquidation": "2024-01-01", "trimestres_services": 100,
      "categorie": "militaire", "indice_majore": 500}, "categorie", "valeurs possibles"),
    ({"date_de_naissance": "1960-01-01", "date_de_liquidation": "2024-01-01", "trimestres_services": 100},
     "indice_majore", "indice majoré"),
    ({"date_de_naissance": "1960-01-01", "date_de_liquidation": "2020-01-01", "trimestres_services": 100,
      "indice_majore": 500}, "date_de_liquidation", "avant l'âge d'ouverture"),
])
def test_erreurs_en_francais(cas, champ, morceau):
    with pytest.raises(pension.ErreurCas) as erreur:
        pension.simuler(cas)
    assert any(e["champ"] == champ and morceau in e["message"] for e in erreur.value.erreurs), erreur.value.erreurs


def test_chaque_parametre_a_sa_reference_et_ses_generations_sans_trou():
    for chemin in DOSSIER.glob("*.yaml"):
        contenu = fichier(chemin.stem)
        parametres = contenu.items() if "valeurs" not in contenu else [(chemin.stem, contenu)]
        for nom, definition in parametres:
            if not isinstance(definition, dict) or "valeurs" not in definition:
                continue
            assert definition.get("description"), nom
            for v in definition["valeurs"]:
                assert v["reference"]["titre"] and v["reference"]["url"].startswith("http"), nom
                assert v.get("verifie_le"), nom
                lignes = v.get("generations") or v.get("annees_ouverture") or []
                if lignes:
                    bornes = [ligne.get("jusqu_au", ligne.get("jusqu_en")) for ligne in lignes]
                    assert bornes[-1] is None, f"{nom} : la dernière génération doit rester ouverte"
                    assert bornes[:-1] == sorted(bornes[:-1]), f"{nom} : générations dans le désordre"


def test_minimum_garanti_moins_de_15_ans():
    # service-public F13300 (2020): (1 174,34 × 52) / 167 = 365,66 €. The rule with the MG100 retained for 2020
    # (1 182,53 €, see minimum_garanti.yaml: the 1 174,34 figure breaks the revaluation chain) gives 368,21 €.
    r = simuler(date_de_naissance="1958-03-01", date_de_liquidation="2020-06-01", trimestres_services=52,
                duree_assurance_autres_regimes=115, indice_majore=300)
    assert r.minimum_garanti_applique and r.pension_brute_mensuelle == pytest.approx(1182.53 * 52 / 167, abs=0.01)
    assert r.pension_avant_minimum < r.minimum_garanti


def test_minimum_garanti_30_ans_de_services_95_pourcent_sans_decote():
    r = simuler(date_de_naissance="1958-03-01", date_de_liquidation="2025-03-01", trimestres_services=120,
                duree_assurance_autres_regimes=0, indice_majore=340)
    # At 67, the décote is cancelled: the minimum is open; 30 years → 57,5 % + 15 × 2,5 = 95 % of MG100.
    assert r.minimum_garanti == pytest.approx(1248.33 * 12 * 0.95, abs=0.01)
    assert r.minimum_garanti_applique and r.pension_brute_mensuelle == pytest.approx(1248.33 * 0.95, abs=0.01)


def test_minimum_garanti_ferme_avant_l_annulation_sans_le_nombre_requis():
    r = simuler(date_de_naissance="1962-03-01", date_de_liquidation="2025-01-01", trimestres_services=100,
                indice_majore=300)
    assert r.minimum_garanti is None and not r.minimum_garanti_applique


def test_bonification_enfant_ne_avant_2004():
    sans = simuler(date_de_naissance="1962-03-01", date_de_liquidation="2026-01-01", trimestres_services=140,
                   enfants=[{"date_de_naissance": "1999-05-01"}])
    avec = simuler(date_de_naissance="1962-03-01", date_de_liquidation="2026-01-01", trimestres_services=140,
                   enfants=[{"date_de_naissance": "1999-05-01", "interruption_activite": True},
                            {"date_de_naissance": "2005-05-01", "interruption_activite": True}])
    assert avec.trimestres_liquidables == sans.trimestres_liquidables + 4
    assert avec.duree_assurance_tous_regimes == sans.duree_assurance_tous_regimes + 4
