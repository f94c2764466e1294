"""Every legal parameter is data with provenance, and every table covers all birth dates / years without gap."""

from __future__ import annotations

import ast
import itertools
from datetime import date, timedelta
from pathlib import Path

import pytest

import pension
from pension.parametres import DOSSIER, ParametreNonCouvert, brut, noms, par_annee, par_generation, valeur

NOMS = noms()


def test_il_y_a_des_parametres():
    assert len(NOMS) >= 40


@pytest.mark.parametrize("nom", NOMS)
def test_chaque_valeur_a_sa_reference_son_unite_et_sa_date_de_verification(nom):
    contenu = brut(nom)
    assert contenu.get("description"), f"{nom} : description manquante"
    assert contenu.get("unite"), f"{nom} : unité manquante"
    versions = contenu["valeurs"]
    assert versions, f"{nom} : aucune valeur"
    dates = [v["date_effet"] for v in versions]
    assert all(isinstance(d, date) for d in dates), f"{nom} : date_effet au format AAAA-MM-JJ"
    assert dates == sorted(dates) and len(set(dates)) == len(dates), f"{nom} : versions non ordonnées ou en double"
    for v in versions:
        ou = f"{nom} au {v['date_effet']}"
        reference = v.get("reference") or {}
        assert str(reference.get("titre", "")).strip(), f"{ou} : référence sans titre"
        assert str(reference.get("url", "")).startswith(("http://", "https://")), f"{ou} : référence sans lien"
        assert isinstance(v.get("verifie_le"), date), f"{ou} : date de vérification (verifie_le) manquante"
        formes = [k for k in ("valeur", "generations", "annees") if k in v]
        assert len(formes) == 1, f"{ou} : une valeur, une table par génération ou une table par année"


def _tables(cle):
    for nom in NOMS:
        for v in brut(nom)["valeurs"]:
            if cle in v:
                yield pytest.param(nom, v, id=f"{nom}@{v['date_effet']}")


@pytest.mark.parametrize("nom, version", list(_tables("generations")))
def test_table_par_generation_sans_trou(nom, version):
    lignes = version["generations"]
    assert lignes[0]["nes_du"] is None, f"{nom} : la première génération doit être ouverte (nes_du: null)"
    assert lignes[-1]["nes_au"] is None, f"{nom} : la dernière génération doit être ouverte (nes_au: null)"
    for avant, apres in itertools.pairwise(lignes):
        assert avant["nes_au"] is not None and apres["nes_du"] is not None
        assert apres["nes_du"] == avant["nes_au"] + timedelta(days=1), (
            f"{nom} : trou ou chevauchement entre {avant['nes_au']} et {apres['nes_du']}"
        )


@pytest.mark.parametrize("nom, version", list(_tables("annees")))
def test_table_par_annee_sans_trou(nom, version):
    lignes = version["annees"]
    assert lignes[0]["du"] is None and lignes[-1]["au"] is None, f"{nom} : bornes extrêmes ouvertes"
    for avant, apres in itertools.pairwise(lignes):
        assert apres["du"] == avant["au"] + 1, f"{nom} : trou entre {avant['au']} et {apres['du']}"


def test_le_detecteur_de_trou_echoue_sur_une_table_trouee():
    trouee = {
        "generations": [
            {"nes_du": None, "nes_au": date(1951, 6, 30), "valeur": 1},
            {"nes_du": date(1951, 8, 1), "nes_au": None, "valeur": 2},
        ]
    }
    with pytest.raises(AssertionError):
        test_table_par_generation_sans_trou("exemple", trouee)


def test_deux_axes_explicites():
    # Same generation, two effect dates: the 2026 suspension changes the answer (REGLES §1.4).
    ne = date(1965, 6, 10)
    assert par_generation("trimestres_requis", ne, date(2026, 8, 31)).valeur == 172
    assert par_generation("trimestres_requis", ne, date(2026, 9, 1)).valeur == 171
    assert str(par_generation("age_ouverture_droits_sedentaire", ne, date(2026, 9, 1)).valeur) == "63 ans"
    assert par_annee("decote_taux", 2014, date(2020, 1, 1)).valeur == 0.01125
    v = valeur("surcote_taux", date(2009, 1, 1))
    assert v.valeur == 0.0125 and v.reference.url.startswith("http")
    with pytest.raises(ParametreNonCouvert):
        valeur("surcote_parentale_taux", date(2023, 8, 31))


def test_pas_de_nombre_legal_dans_le_code():
    # Only calendar, unit and display constants may be literals in the rules: months per trimestre (3),
    # trimestres per year (4), months per year (12), October = first month of the last civil quarter (10),
    # 31 December (31), percent (100), 6 decimals shown for rates, and 0/1.
    permis = {0, 1, 3, 4, 6, 10, 12, 31, 100}
    for fichier in ("calcul.py", "estimation.py", "dates.py", "cumul.py", "rachat.py", "explication.py"):
        arbre = ast.parse((Path(pension.__file__).parent / fichier).read_text(encoding="utf-8"))
        nombres = {
            n.value
            for n in ast.walk(arbre)
            if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool)
        }
        assert nombres <= permis, f"{fichier} : nombres en dur {sorted(nombres - permis)}"


def test_les_fichiers_sont_dans_le_paquet():
    assert Path(pension.__file__).parent / "parametres" == DOSSIER
