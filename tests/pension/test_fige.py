"""Frozen outputs (``tests/pension/figer.py``): the legal cases byte for byte, and the random cases of the
blocks ``BLOCS_RAPIDES`` (10,000 lines through ``--lot``) against their SHA-256. All 100 blocks:
``python -m tests.pension.figer`` (it names the blocks that differ; ``--comparer REV`` says case by case how)."""

from __future__ import annotations

import pytest

from tests.pension import figer


def test_cas_legaux_identiques_a_la_reference():
    reference = figer.lire_reference_legale()
    sorties = figer.sorties_legales()
    assert sorties.keys() == reference.keys()
    differents = [cas for cas, sortie in sorties.items() if reference[cas] != sortie]
    assert not differents, f"sorties changées (python -m tests.pension.figer pour le détail) : {differents}"


@pytest.mark.parametrize("bloc", figer.BLOCS_RAPIDES)
def test_bloc_aleatoire_identique_a_la_reference(bloc):
    attendue = figer.lire_reference_aleatoire()["blocs"][str(bloc)]
    assert figer.empreinte(figer.reponses_du_bloc(bloc)) == attendue, (
        f"bloc {bloc} changé : python -m tests.pension.figer --blocs {bloc} --comparer HEAD"
    )


def test_les_lignes_couvrent_chaque_forme_et_chaque_erreur():
    """The generator is worth freezing: every service shape, the rules of the explanation, and the errors."""
    import json

    formes, regles, erreurs = set(), set(), set()
    for bloc in (0, 1):
        for ligne in figer.lignes_du_bloc(bloc):
            try:
                cas = json.loads(ligne)
            except ValueError:
                continue
            if isinstance(cas, dict):
                formes |= {
                    c for c in ("periodes", "trimestres_services", "duree_services_jours", "enfants") if c in cas
                }
        for reponse in figer.reponses_du_bloc(bloc):
            resultat = json.loads(reponse)
            regles |= {e["regle"] for e in resultat.get("explication", ())}
            erreurs |= {e["regle"] for e in resultat.get("erreurs", ())}
    assert formes == {"periodes", "trimestres_services", "duree_services_jours", "enfants"}
    assert {"surcote", "decote_trimestres", "carriere_longue", "majoration_enfants", "services_actifs"} <= regles
    assert {
        "plancher_invalidite",
        "bonification_hors_europe",
        "bonification_sapeurs_pompiers",
        "bonification_campagnes_militaires",
        "bonification_supprimee",
        "majoration_duree_active_fph",
        "protection_services_actifs_2011",
        "carriere_longue_reputees_cotisees",
    } <= regles
    assert {"json", "encodage", "champ_inconnu", "age_ouverture_droits", "duree_services_minimum"} <= erreurs
