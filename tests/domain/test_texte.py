"""Free text refuses the invisible characters that corrupt or disguise it, and keeps everything a person writes."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from domain.texte import REGLE_TEXTE, TexteLibre, TexteLibreMultiligne


class Saisie(BaseModel):
    nom: TexteLibre = ""
    motif: TexteLibreMultiligne = ""


@pytest.mark.parametrize(
    ("caractere", "nom"),
    [
        ("\x00", "caractère nul (U+0000)"),
        ("\x1b", "caractère d'échappement (U+001B)"),
        ("\x07", "caractère de contrôle (U+0007)"),
        ("\x85", "caractère de contrôle (U+0085)"),
        ("\u202e", "inversion du sens d'écriture (U+202E)"),
        ("\u202a", "caractère d'orientation du texte (U+202A)"),
        ("\u2066", "caractère d'orientation du texte (U+2066)"),
        ("\u2069", "caractère d'orientation du texte (U+2069)"),
        ("\u200f", "caractère d'orientation du texte (U+200F)"),
        ("\u061c", "caractère d'orientation du texte (U+061C)"),
    ],
)
def test_un_caractere_invisible_est_refuse_et_nomme(caractere, nom):
    for champ in ("nom", "motif"):
        with pytest.raises(ValidationError) as refus:
            Saisie(**{champ: f"Période{caractere} 2019"})
        erreur = refus.value.errors()[0]
        assert erreur["type"] == REGLE_TEXTE and erreur["loc"] == (champ,)
        assert f"caractère invisible interdit : {nom} en position 8" in erreur["msg"]


def test_une_ligne_refuse_retour_et_tabulation_plusieurs_lignes_les_gardent():
    for texte in ("Dupont\nJean", "Dupont\tJean", "Dupont\r\nJean"):
        with pytest.raises(ValidationError, match="caractère invisible interdit"):
            Saisie(nom=texte)
    assert Saisie(motif="ligne 1\r\nligne 2\ttabulée\rfin").motif == "ligne 1\nligne 2\ttabulée\nfin"


def test_ce_qu_une_personne_ecrit_passe():
    texte = "Élodie Le Bihan-N'Guessan : « période 2019 » — 50 %, indice 612 ; مرحبا שלום 🙂 (espace\u00a0insécable)"
    assert Saisie(nom=texte, motif=texte) == Saisie.model_construct(nom=texte, motif=texte)
