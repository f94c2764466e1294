"""``--lot`` (``pension.lot.calculer_lot``): each line answered by the same ``simuler`` / ``estimer`` as one case,
in input order, whatever the number of processes; bad lines keep their number (blank lines counted)."""

from __future__ import annotations

import json

import pension
from pension.lot import calculer_lot
from tests.pension import figer

BASE = {
    "date_de_naissance": "1960-03-10",
    "date_de_liquidation": "2024-06-10",
    "trimestres_services": 150,
    "indice_majore": 520,
}


def test_une_ligne_vaut_le_calcul_d_un_cas():
    lignes = [json.dumps(BASE), json.dumps(BASE | {"nombre_enfants": 4})]
    reponses = list(calculer_lot("simuler", lignes))
    assert reponses == [pension.simuler(json.loads(ligne)).model_dump_json().encode() for ligne in lignes]


def test_plusieurs_processus_meme_reponses_dans_le_meme_ordre():
    lignes = figer.lignes_du_bloc(3)[:600]
    seul = list(calculer_lot("simuler", lignes))
    assert list(calculer_lot("simuler", lignes, processus=2, taille=50)) == seul
    assert len(seul) == sum(1 for ligne in lignes if ligne.strip())


def test_lignes_vides_comptees_dans_les_numeros():
    lignes = [json.dumps(BASE), "", "   ", "{faux", json.dumps(BASE | {"categorie": "militaire"})]
    reponses = [json.loads(r) for r in calculer_lot("simuler", lignes, processus=2, taille=1)]
    assert len(reponses) == 3
    assert reponses[1]["ligne"] == 4 and reponses[1]["erreurs"][0]["regle"] == "json"
    assert reponses[2]["ligne"] == 5 and reponses[2]["erreurs"][0]["champ"] == "categorie"


def test_estimer_par_lot():
    cas = BASE | {"date_de_situation": "2020-01-01", "date_de_liquidation": None}
    (reponse,) = calculer_lot("estimer", [json.dumps(cas)])
    assert reponse == pension.estimer(cas).model_dump_json().encode()
    assert json.loads(reponse)["points"][0]["libelle"].startswith("À l'âge légal")
