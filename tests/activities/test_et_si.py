"""« Et si… »: each scenario is one entry of ``SCENARIOS`` computed by the pension module; a scenario the module
cannot compute yet is described without figures; a choice the rules refuse for the agent says why, without
holding the bilan back."""

from __future__ import annotations

from datetime import date

import pension
from activities import et_si
from activities.et_si import SCENARIOS, Scenario, scenarios_et_si
from domain.montants import euros
from pension.dates import date_age
from pension.estimation import poursuivre
from pension.parametres import Duree

CAS = {
    "date_de_naissance": "1970-03-01",
    "categorie": "sedentaire",
    "periodes": [{"debut": "2000-01-01", "fin": "2025-12-31", "quotite": 100, "nature": "titulaire"}],
    "indice_majore": 612,
    "duree_assurance_autres_regimes": 40,
}


def test_chaque_scenario_est_chiffre_par_le_module_ou_dit_qu_il_ne_l_est_pas_encore():
    estimation = pension.estimer(CAS)
    entrees = {entree["cle"]: entree for entree in scenarios_et_si(CAS, estimation)}
    assert set(entrees) == {scenario.cle for scenario in SCENARIOS}
    for scenario in SCENARIOS:
        entree = entrees[scenario.cle]
        if scenario.disponible:
            assert entree["chiffres"] and not entree["remarque"], scenario.cle
        else:
            assert scenario.attend not in pension.CasPension.model_fields
            assert entree["chiffres"] == [] and "ne le chiffre pas encore" in entree["remarque"]

    cas = pension.CasPension.model_validate(CAS)
    premier = pension.simuler(poursuivre(cas, estimation.date_de_situation, estimation.points[0].date_de_liquidation))
    limite = date_age(cas.date_de_naissance, Duree(premier.limite_age.ans, premier.limite_age.mois))
    tard = pension.simuler(poursuivre(cas, estimation.date_de_situation, limite))
    chiffres = {c["intitule"]: c["valeur"] for c in entrees["depart_plus_tard"]["chiffres"]}
    assert chiffres["Départ"] == f"le {limite:%d/%m/%Y}"
    assert chiffres["Surcote"] == f"{tard.surcote_trimestres + tard.surcote_parentale_trimestres} trimestres"
    assert chiffres["Pension"] == f"{euros(tard.pension_brute_mensuelle)} brut par mois"
    # Work resumed at the end-of-career salary: this agent leaves with the full durée at the legal age, the cumul
    # is free (no ceiling, nothing withheld).
    cumul = {c["intitule"]: c["valeur"] for c in entrees["cumul_emploi_retraite"]["chiffres"]}
    revenus = premier.traitement_de_reference_annuel
    repris = pension.simuler(
        pension.CasPension.model_validate(
            poursuivre(cas, estimation.date_de_situation, premier.date_de_liquidation).model_dump(exclude_none=True)
            | {"revenus_activite_annuels": revenus}
        )
    )
    assert repris.cumul_libre and repris.plafond_cumul_emploi_retraite_annuel is None
    assert cumul[f"Avec {euros(revenus)} de revenus par an"] == "cumul libre, pension versée en entier"
    assert "Revenus d'activité cumulables sans réduction" not in cumul
    # Part time to come: surcotisé, it counts at full time for the liquidation; not surcotisé, at 80 %.
    surcotise = {c["intitule"]: c["valeur"] for c in entrees["temps_partiel_surcotise"]["chiffres"]}
    assert set(surcotise) >= {"À 80 % en cotisant à temps plein", "À 80 % sans surcotiser"}
    assert surcotise["À 80 % en cotisant à temps plein"] != surcotise["À 80 % sans surcotiser"]
    rachat = {c["intitule"]: c["valeur"] for c in entrees["rachat_etudes"]["chiffres"]}
    assert rachat["Coût du rachat"] != euros(0)


def test_un_choix_refuse_par_les_regles_le_dit_sans_arreter_le_bilan(monkeypatch):
    trop_tot = Scenario(
        "trop_tot",
        "Et si je partais à 55 ans ?",
        "Un départ avant l'âge légal.",
        None,
        lambda contexte: contexte.au(date(2025, 3, 1)),
        lambda contexte, resultat: [],
    )
    monkeypatch.setattr(et_si, "SCENARIOS", (*SCENARIOS, trop_tot))
    entree = next(e for e in scenarios_et_si(CAS, pension.estimer(CAS)) if e["cle"] == "trop_tot")
    assert entree["chiffres"] == [] and entree["remarque"].startswith("Non chiffré pour votre dossier : ")
