"""The rules of a re-send, pure: its channel (the one asked, else the agent's; refused when the agent cannot be
reached by it), the print batch a paper re-send joins; the postal address on the envelope and back in the form."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.adresse import AdressePostale, lire_adresse
from domain.campagne import Canal, calendrier_campagne
from domain.campagne_renvoi import canal_du_renvoi, prochaine_tranche
from domain.erreurs import Refus

ADRESSE = "3 rue des Écoles\n33000 BORDEAUX"


def test_le_canal_du_renvoi():
    assert canal_du_renvoi(None, "email", "a@exemple.fr", None) is Canal.email
    assert canal_du_renvoi(None, "papier", "a@exemple.fr", ADRESSE) is Canal.papier
    assert canal_du_renvoi(None, "email", "", ADRESSE) is Canal.papier  # no email address: paper
    assert canal_du_renvoi(Canal.papier, "email", "a@exemple.fr", ADRESSE) is Canal.papier
    with pytest.raises(Refus, match="pas d'adresse électronique") as refus:
        canal_du_renvoi(Canal.email, "papier", " ", ADRESSE)
    assert refus.value.champ == "canal"
    with pytest.raises(Refus, match="adresse postale de l'agent est inconnue"):
        canal_du_renvoi(None, "papier", "a@exemple.fr", "  \n ")


def _calendrier():
    return calendrier_campagne(2027, timedelta(days=150), [timedelta(days=30)], timedelta(days=45), timedelta(days=7))


def test_un_renvoi_papier_rejoint_le_lot_de_la_tranche_suivante():
    calendrier = _calendrier()
    tranches = calendrier.tranches()
    assert prochaine_tranche(calendrier, calendrier.lancement) == 0
    assert prochaine_tranche(calendrier, tranches[0]) == 1  # the tranche under way has printed its batch
    assert prochaine_tranche(calendrier, tranches[2] + timedelta(hours=1)) == 3
    assert prochaine_tranche(calendrier, tranches[-1] + timedelta(days=30)) == len(tranches)  # a batch after the last


def test_l_adresse_sur_l_enveloppe_et_relue_dans_le_formulaire():
    adresse = AdressePostale(voie=" 3 rue des Écoles ", complement="", code_postal="33 000", commune="Le Bouscat")
    assert adresse.lignes() == ["3 rue des Écoles", "33000 LE BOUSCAT"]
    assert lire_adresse(adresse.en_texte()) == {
        "voie": "3 rue des Écoles",
        "complement": "",
        "code_postal": "33000",
        "commune": "LE BOUSCAT",
    }
    assert lire_adresse("Lieu-dit Les Granges\nsans code") == {
        "voie": "Lieu-dit Les Granges",
        "complement": "sans code",
    }
    for commune in ("Saint-Médard-en-Jalles", "L'Isle-d'Abeau", "Paris 15e", "Lyon 1er"):
        AdressePostale(voie="1 rue X", code_postal="75015", commune=commune)
    for code in ("3300", "330000", "00100", "33A00"):
        with pytest.raises(ValueError, match="5 chiffres"):
            AdressePostale(voie="1 rue X", code_postal=code, commune="Bordeaux")
