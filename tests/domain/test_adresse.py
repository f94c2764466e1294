"""The address block a letter shows in the envelope's window (norme NF Z10-011): the name, then the address, six
lines of 38 characters at most, the last one in capitals."""

from __future__ import annotations

from domain.adresse import LIGNE_MAX, LIGNES_MAX, AdressePostale, bloc_adresse


def test_le_nom_puis_l_adresse_la_commune_en_capitales():
    adresse = AdressePostale(
        voie="8 allée des Tilleuls", complement="Bâtiment B", code_postal="33400", commune="Talence"
    )
    assert bloc_adresse("Bruno Petit", adresse.lignes()) == [
        "Bruno Petit",
        "8 allée des Tilleuls",
        "Bâtiment B",
        "33400 TALENCE",
    ]
    # an address stored before the form checked it: its last line in capitals all the same
    assert bloc_adresse("Alice Martin", ["3 rue des Écoles", " ", "33000 Bordeaux"]) == [
        "Alice Martin",
        "3 rue des Écoles",
        "33000 BORDEAUX",
    ]


def test_six_lignes_de_38_caracteres_au_plus():
    lignes = [f"ligne {rang}" for rang in range(8)] + ["75002 Paris"]
    bloc = bloc_adresse("Marie-Christine de La Tour-Saint-Ygest-Montmorency", lignes)
    assert len(bloc) == LIGNES_MAX and all(len(ligne) <= LIGNE_MAX for ligne in bloc)
    assert bloc[-1] == "75002 PARIS" and bloc[1] == "ligne 0"  # the first lines and the last are kept


def test_sans_adresse_pas_de_bloc():
    assert bloc_adresse("Nina Nom", []) == bloc_adresse("Nina Nom", ["", "  "]) == []
