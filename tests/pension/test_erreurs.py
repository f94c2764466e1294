"""Bad input gets French errors naming the field and the rule, never a traceback."""

from __future__ import annotations

import pytest

import pension

BASE = {
    "date_de_naissance": "1960-01-01",
    "date_de_liquidation": "2024-01-01",
    "trimestres_services": 160,
    "indice_majore": 500,
}


def erreurs(cas, fonction=pension.simuler):
    with pytest.raises(pension.ErreurCas) as exc:
        fonction(cas)
    assert isinstance(exc.value, ValueError)
    for e in exc.value.erreurs:
        assert set(e) == {"champ", "regle", "message"} and e["message"][0].isupper() and e["message"].endswith(".")
    return exc.value.erreurs


@pytest.mark.parametrize(
    "modif, champ, regle, morceau",
    [
        ({"date_de_liquidation": "1950-01-01"}, "date_de_liquidation", "date_apres_naissance", "précède la naissance"),
        ({"trimestres_services": -4}, "trimestres_services", "valeur_negative", "ne peut pas être négatif"),
        ({"duree_assurance_autres_regimes": -1}, "duree_assurance_autres_regimes", "valeur_negative", "négatif"),
        ({"categorie": "militaire"}, "categorie", "valeur_inconnue", "'sedentaire', 'active' ou 'super_active'"),
        ({"taux_invalidite": 70}, "taux_invalidite", "taux_invalidite_sans_invalidite", "invalidite: true"),
        ({"taux_invalidite": 120, "invalidite": True}, "taux_invalidite", "valeur_maximum", "valeur maximale (100)"),
        (
            {"bonifications": [{"type": "hors_europe"}]},
            "bonifications.0.services_trimestres",
            "obligatoire",
            "services",
        ),
        ({"bonifications": [{"type": "autre"}]}, "bonifications.0.trimestres", "obligatoire", "trimestres"),
        ({"indice_majore": None}, "indice_majore", "traitement_obligatoire", "indice majoré"),
        ({"date_de_naissance": "15/03/1960"}, "date_de_naissance", "format_date", "AAAA-MM-JJ"),
        ({"date_de_naissance": None}, "date_de_naissance", "format_date", "date"),
        ({"age": 62}, "age", "champ_inconnu", "n'existe pas"),
        ({"trimestres_services": "beaucoup"}, "trimestres_services", "nombre_entier", "nombre entier"),
        ({"trimestres_services": None}, "periodes", "services_obligatoires", "Indiquez les services"),
        ({"duree_services_jours": 3000}, "duree_services_jours", "services_une_seule_forme", "une forme"),
        (
            {"date_de_liquidation": "2020-01-01"},
            "date_de_liquidation",
            "age_ouverture_droits",
            "avant l'ouverture des droits",
        ),
        (
            {"date_de_liquidation": "2003-06-01", "date_de_naissance": "1940-01-01"},
            "date_de_liquidation",
            "periode_couverte",
            "à partir du 01/01/2004",
        ),
        ({"trimestres_services": 6}, "trimestres_services", "duree_services_minimum", "pas de pension CNRACL"),
        (
            {"rachat_etudes": {"trimestres": 0, "option": 1}},
            "rachat_etudes.trimestres",
            "rachat_etudes_trimestres",
            "1 à 12 trimestres",
        ),
        ({"rachat_etudes": {"trimestres": 4, "option": 4}}, "rachat_etudes.option", "valeur_inconnue", "1, 2 ou 3"),
        ({"rachat_etudes": {"trimestres": 4}}, "rachat_etudes.option", "obligatoire", "L'option du rachat"),
        ({"revenus_activite_annuels": -10}, "revenus_activite_annuels", "valeur_negative", "Les revenus d'activité"),
        (
            {
                "periodes": [{"debut": "2004-01-01", "fin": "2023-12-31", "surcotisation": "oui"}],
                "trimestres_services": None,
            },
            "periodes.0.surcotisation",
            "booleen",
            "true ou false",
        ),
        (
            {
                "nombre_enfants": 1,
                "enfants": [{"date_de_naissance": "1990-01-01"}, {"date_de_naissance": "1992-01-01"}],
            },
            "nombre_enfants",
            "nombre_enfants_coherent",
            "inférieur",
        ),
        (
            {"enfants": [{"date_de_naissance": "1950-01-01"}]},
            "enfants.0.date_de_naissance",
            "enfant_apres_parent",
            "avant son parent",
        ),
    ],
)
def test_erreur_nomme_le_champ_et_la_regle(modif, champ, regle, morceau):
    cas = {k: v for k, v in (BASE | modif).items() if v is not None or k == "date_de_naissance"}
    liste = erreurs(cas)
    assert any(e["champ"] == champ and e["regle"] == regle and morceau in e["message"] for e in liste), liste


def test_periode_qui_finit_avant_de_commencer():
    cas = BASE | {"trimestres_services": None, "periodes": [{"debut": "2000-01-01", "fin": "1999-01-01"}]}
    del cas["trimestres_services"]
    liste = erreurs(cas)
    assert liste == [
        {
            "champ": "periodes.0.fin",
            "regle": "periode_ordonnee",
            "message": "La période se termine le 01/01/1999, avant son début le 01/01/2000 : "
            "corrigez les dates de début et de fin.",
        }
    ]


def test_quotite_hors_bornes():
    cas = {k: v for k, v in BASE.items() if k != "trimestres_services"}
    cas["periodes"] = [{"debut": "1990-01-01", "fin": "2023-12-31", "quotite": 150}]
    liste = erreurs(cas)
    assert liste[0]["champ"] == "periodes.0.quotite" and "100" in liste[0]["message"]


def test_plusieurs_erreurs_a_la_fois():
    liste = erreurs({"date_de_naissance": "x", "trimestres_services": -1, "inconnu": 1})
    assert {e["champ"] for e in liste} >= {"date_de_naissance", "trimestres_services", "inconnu"}


def test_une_entree_qui_n_est_pas_un_objet_est_nommee():
    """A case and a rachat request are read alike: the refusal names the whole input."""
    assert erreurs([1, 2]) == [
        {"champ": "cas", "regle": "objet", "message": "Le cas doit être un objet JSON (des champs entre accolades)."}
    ]
    assert erreurs("rachat", pension.coter_rachat) == [
        {
            "champ": "demande",
            "regle": "objet",
            "message": "La demande doit être un objet JSON (des champs entre accolades).",
        }
    ]


def test_simuler_sans_date_de_liquidation():
    cas = {k: v for k, v in BASE.items() if k != "date_de_liquidation"}
    assert erreurs(cas)[0]["champ"] == "date_de_liquidation"


def test_estimer_sans_date_de_situation_avec_un_total_de_trimestres():
    liste = erreurs({k: v for k, v in BASE.items() if k != "date_de_liquidation"}, pension.estimer)
    assert liste[0]["champ"] == "date_de_situation" and liste[0]["regle"] == "obligatoire"


def test_carriere_longue_hors_periode_couverte():
    cas = BASE | {
        "date_de_naissance": "1950-01-01",
        "date_de_liquidation": "2010-01-01",
        "carriere_longue": {"trimestres_fin_annee": {"16": 5}, "duree_cotisee": 170},
    }
    assert erreurs(cas)[0]["regle"] == "carriere_longue_periode"


def test_carriere_longue_sans_les_conditions_ne_permet_pas_de_partir_avant_l_age_legal():
    cas = BASE | {
        "date_de_naissance": "1958-03-01",
        "date_de_liquidation": "2016-01-01",
        "carriere_longue": {"trimestres_fin_annee": {"16": 5}, "duree_cotisee": 160},
    }
    assert erreurs(cas)[0]["regle"] == "age_ouverture_droits"
