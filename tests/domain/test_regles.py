"""Process rules are dated data with their source: a value without reference fails here."""

from datetime import date

import pytest

from domain.regles import parametre, tous_les_parametres


def test_chaque_valeur_a_sa_reference_et_sa_date_de_verification():
    for fichier, parametres in tous_les_parametres().items():
        for nom, definition in parametres.items():
            assert definition.get("description") and definition.get("unite"), (fichier, nom)
            for valeur in definition["valeurs"]:
                assert valeur["reference"]["titre"] and valeur["reference"]["url"].startswith("http"), (fichier, nom)
                assert date.fromisoformat(str(valeur["verifie_le"])), (fichier, nom)


def test_valeur_en_vigueur_a_une_date():
    assert parametre("eir", "age_minimum", date(2026, 1, 1)).valeur == 45
    with pytest.raises(LookupError):
        parametre("eir", "age_minimum", date(2000, 1, 1))
