from datetime import date

import pytest

from domain.identifiants import erreur_nir, erreur_siret
from persistence.fabrique import nir_valide, siret_valide


@pytest.mark.parametrize(
    "nir",
    [
        "2 68 04 33 063 001 58",  # spaces are accepted
        nir_valide(1, date(1970, 5, 1), "2A", 4, 12),  # Corsica
        nir_valide(2, date(1959, 12, 1), "99", 350, 7),  # born abroad
    ],
)
def test_nir_valides(nir):
    assert erreur_nir(nir) is None


@pytest.mark.parametrize(
    "nir, morceau",
    [
        ("268043306300159", "clé du NIR"),
        ("26804330630015", "15 caractères"),
        ("568043306300158", "forme attendue"),
    ],
)
def test_nir_invalides(nir, morceau):
    assert morceau in erreur_nir(nir)


def test_siret():
    assert erreur_siret(siret_valide(21330063, 17)) is None
    assert erreur_siret("35600000000060") is None  # La Poste: sum of digits multiple of 5
    assert erreur_siret("35600000000061") is not None
    assert "Luhn" in erreur_siret("21330063000175")
    assert "14 chiffres" in erreur_siret("2133006300017")
