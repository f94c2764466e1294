"""The RIS and the EIG from one source: the RIS's trimestres are those the pension counts (not calendar days ÷ 90),
it says what it covers; the EIG takes the index the employer set in the CIR, not the affiliate's record."""

from __future__ import annotations

from datetime import date

import pytest
from temporalio.exceptions import ApplicationError

import pension
from activities.documents import cas_pension, contenu_eig, contenu_ris
from persistence.models import Affilie, Enfant, LigneCirTable

LE = date(2026, 9, 15)


def _affilie(indice_majore: int | None = 420) -> Affilie:
    return Affilie(
        id=1,
        nir="1700533063001",
        nom="Exemple",
        prenom="Anne",
        date_de_naissance=date(1970, 5, 4),
        email="anne@agents.example.fr",
        date_affiliation=date(1994, 1, 1),
        indice_majore=indice_majore,
    )


def _ligne(annee: int, debut: date | None = None, fin: date | None = None, **autres) -> LigneCirTable:
    return LigneCirTable(
        affilie_id=1,
        annee=annee,
        date_debut=debut or date(annee, 1, 1),
        date_fin=fin or date(annee, 12, 31),
        **autres,
    )


def test_trente_ans_a_temps_plein_font_120_trimestres_comme_pour_la_pension():
    lignes = [_ligne(annee, indice_majore=500) for annee in range(1994, 2024)]
    ris = contenu_ris(_affilie(), lignes, LE)
    # 30 calendar years are 10 957 days: the old « days ÷ 90 » gave 121.
    cas = cas_pension(_affilie(), lignes, [], None, LE) | {"date_de_liquidation": "2034-06-01"}
    assert ris["trimestres"] == 120 == pension.simuler(cas).trimestres_liquidables
    assert ris["nb_periodes"] == len(ris["periodes"]) == 30
    assert "2003-1306" in ris["reference_decompte"]


def test_le_temps_partiel_et_la_fraction_de_trimestre_suivent_le_decompte_de_la_pension():
    lignes = [
        _ligne(2020, quotite=50, indice_majore=450),  # a year at half time: 2 trimestres
        _ligne(2021, debut=date(2021, 1, 1), fin=date(2021, 2, 14), indice_majore=450),  # 45 days: one trimestre
    ]
    ris = contenu_ris(_affilie(), lignes, LE)
    attendu = pension.decompter_services(
        [{"debut": ligne.date_debut, "fin": ligne.date_fin, "quotite": ligne.quotite} for ligne in lignes], LE
    )
    assert ris["trimestres"] == attendu.trimestres == 3
    assert ris["trimestres_assurance"] == attendu.trimestres_assurance


def test_le_ris_dit_ce_qu_il_couvre():
    ris = contenu_ris(_affilie(), [_ligne(2020, indice_majore=450)], LE)
    assert ris["regime"] == "CNRACL"
    assert "périodes de services à la CNRACL" in ris["perimetre"]
    assert "autres régimes" in ris["perimetre"] and "inter-régimes" in ris["perimetre"]


def test_une_periode_refusee_par_le_calcul_nomme_sa_ligne_du_cir():
    lignes = [_ligne(2020, debut=date(2020, 6, 1), fin=date(2020, 3, 1))]
    with pytest.raises(ApplicationError, match="La ligne de carrière \\(CIR\\) de 2020"):
        contenu_ris(_affilie(), lignes, LE)


def test_l_eig_prend_l_indice_du_dernier_cir_et_non_celui_de_la_fiche():
    lignes = [_ligne(annee, indice_majore=400 + 5 * (annee - 1994)) for annee in range(1994, 2024)]
    lignes.append(_ligne(2024, indice_majore=None))  # a line still without its index: the previous one stands
    affilie = _affilie(indice_majore=380)  # never changed by the employer's CIR updates
    eig = contenu_eig(affilie, lignes, [], LE)
    assert eig["cas"]["indice_majore"] == 400 + 5 * 29
    # The amounts follow: the affiliate's stale index gives less.
    ancien = pension.estimer(cas_pension(affilie, lignes, [], 380, LE)).model_dump(mode="json")
    assert eig["points"][0]["pension_brute_mensuelle"] > ancien["points"][0]["pension_brute_mensuelle"]


def test_le_temps_partiel_pour_un_enfant_ne_depuis_2004_compte_a_temps_plein_sur_le_ris():
    """Art. 11, 1°: a part time for a child born from 2004 counts at full time — on the RIS as in the pension,
    which needs the child to know it."""
    lignes = [_ligne(2010, quotite=50, nature="temps_partiel_enfant", indice_majore=450)]
    avec_l_enfant = contenu_ris(
        _affilie(), lignes, LE, enfants=[Enfant(affilie_id=1, prenom="Léo", date_de_naissance=date(2009, 3, 1))]
    )
    sans = contenu_ris(_affilie(), lignes, LE)
    assert (avec_l_enfant["trimestres"], sans["trimestres"]) == (4, 2)
