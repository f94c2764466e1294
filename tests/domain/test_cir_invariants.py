"""The invariants of a CIR line, pure (domain.cir): each rule refused with a French message naming the field and
the rule, whatever the entry that calls them."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from domain.cir import (
    CirDeLAgent,
    LigneCir,
    Periode,
    age_minimum_de_travail,
    chevauchements,
    controler_corrections,
    erreurs_de_la_ligne,
)
from domain.erreurs import Refus

NAISSANCE = date(1968, 4, 2)
AUJOURD_HUI = date(2026, 12, 5)
CIR_2025 = [Periode(date(2024, 1, 1), date(2024, 12, 31)), Periode(date(2025, 1, 1), date(2025, 12, 31))]


def _ligne(debut: str, fin: str, **autres) -> LigneCir:
    return LigneCir.model_construct(  # bypasses the model's own bounds: the checks must hold without them
        **{
            **LigneCir(date_debut=date(2020, 1, 1), date_fin=date(2020, 1, 1)).model_dump(),
            "date_debut": date.fromisoformat(debut),
            "date_fin": date.fromisoformat(fin),
            **autres,
        }
    )


def _regles(ligne: LigneCir, existantes=(), aujourd_hui=AUJOURD_HUI, projetee=False) -> dict[str, str]:
    erreurs = CirDeLAgent(list(existantes), NAISSANCE, aujourd_hui, projetee).erreurs_d_ecriture(ligne)
    return {e.regle: f"{e.champ} : {e.message}" for e in erreurs}


def test_une_ligne_valide_passe():
    assert _regles(_ligne("2026-01-01", "2026-06-30"), CIR_2025) == {}


def test_avant_l_age_d_admission_au_travail():
    regles = _regles(_ligne("1800-01-01", "1800-12-31"))
    message = regles["age_minimum_travail"]
    assert message.startswith("date_debut : la période commence le 01/01/1800")
    assert "âge minimum d'admission au travail (16 ans" in message and "L4153-1" in message
    assert "à partir du 02/04/1984" in message
    # the day of the 16th birthday is accepted, the day before is not
    assert "age_minimum_travail" not in _regles(_ligne("1984-04-02", "1984-12-31"))
    assert "age_minimum_travail" in _regles(_ligne("1984-04-01", "1984-12-31"))


def test_age_d_admission_date_et_source_par_generation():
    assert age_minimum_de_travail(date(1968, 4, 2))[0] == 16
    ans, reference = age_minimum_de_travail(date(1940, 1, 1))
    assert ans == 14 and "1936" in reference
    assert age_minimum_de_travail(date(1900, 1, 1))[0] == 14  # older than the earliest value: the earliest


def test_ne_ne_un_29_fevrier():
    # a generation admitted at 14: 29/02/1948 + 14 years has no 29 February, the 1st of March counts
    erreurs = erreurs_de_la_ligne(_ligne("1962-02-28", "1962-12-31"), date(1948, 2, 29), AUJOURD_HUI)
    assert [e.regle for e in erreurs] == ["age_minimum_travail"]
    assert "à partir du 01/03/1962" in erreurs[0].message
    assert erreurs_de_la_ligne(_ligne("1962-03-01", "1962-12-31"), date(1948, 2, 29), AUJOURD_HUI) == []


def test_periode_future_sauf_projection_demandee():
    message = _regles(_ligne("2090-01-01", "2090-12-31"))["periode_future"]
    assert message.startswith("date_fin : la période se termine le 31/12/2090, après aujourd'hui (05/12/2026)")
    assert "periode_future" in _regles(_ligne("2026-01-01", "2026-12-06"))
    assert "periode_future" not in _regles(_ligne("2026-01-01", "2026-12-05"))
    assert _regles(_ligne("2090-01-01", "2090-12-31"), projetee=True) == {}


def test_une_seule_annee_civile_et_dates_dans_l_ordre():
    assert _regles(_ligne("2020-06-01", "2021-02-01"))["annee_civile"].startswith(
        "date_fin : une ligne du CIR porte sur une seule année civile (2020)"
    )
    assert _regles(_ligne("2020-06-01", "2020-02-01"))["ordre_des_dates"].startswith(
        "date_fin : la fin de la période précède son début"
    )


def test_le_modele_refuse_aussi_en_nommant_la_regle():
    with pytest.raises(ValidationError) as exc:
        LigneCir(date_debut=date(2020, 6, 1), date_fin=date(2021, 2, 1))
    [erreur] = exc.value.errors()
    assert erreur["type"] == "annee_civile" and "une seule année civile" in erreur["msg"]


@pytest.mark.parametrize(("quotite", "refusee"), [(0, True), (1, False), (100, False), (101, True)])
def test_quotite_dans_ses_bornes(quotite, refusee):
    regles = _regles(_ligne("2020-01-01", "2020-12-31", quotite=quotite))
    assert ("quotite_bornes" in regles) is refusee
    if refusee:
        assert regles["quotite_bornes"].startswith(f"quotite : la quotité de travail ({quotite} %) doit être comprise")


@pytest.mark.parametrize(("indice", "refuse"), [(99, True), (100, False), (1500, False), (1501, True), (None, False)])
def test_indice_majore_dans_ses_bornes(indice, refuse):
    regles = _regles(_ligne("2020-01-01", "2020-12-31", indice_majore=indice))
    assert ("indice_majore_bornes" in regles) is refuse
    if refuse:
        assert regles["indice_majore_bornes"].startswith(f"indice_majore : l'indice majoré ({indice}) doit être")


def test_chevauchement_refuse_nomme_la_periode_en_place():
    message = _regles(_ligne("2025-09-01", "2025-12-31"), CIR_2025)["chevauchement"]
    assert message.startswith(
        "date_debut : la période du 01/09/2025 au 31/12/2025 chevauche celle du 01/01/2025 au 31/12/2025"
    )
    assert "« Corriger »" in message


def test_meme_premier_jour_remplace_et_remplace_nomme_la_ligne_corrigee():
    assert _regles(_ligne("2025-01-01", "2025-06-30"), CIR_2025) == {}
    assert _regles(_ligne("2025-09-01", "2025-12-31", remplace=date(2025, 1, 1)), CIR_2025) == {}
    periodes = CirDeLAgent(CIR_2025, NAISSANCE, AUJOURD_HUI).controler(
        [_ligne("2025-09-01", "2025-12-31", remplace=date(2025, 1, 1))]
    )
    assert periodes == [CIR_2025[0], Periode(date(2025, 9, 1), date(2025, 12, 31))]


def test_remplace_d_une_ligne_absente_ou_d_une_autre_annee():
    absente = _regles(_ligne("2025-09-01", "2025-12-31", remplace=date(2025, 2, 1)), CIR_2025)
    assert absente["ligne_remplacee_introuvable"].startswith(
        "remplace : aucune ligne du CIR de l'agent ne commence le 01/02/2025"
    )
    autre = _regles(_ligne("2025-09-01", "2025-12-31", remplace=date(2024, 1, 1)), CIR_2025)
    assert autre["annee_civile"].startswith("remplace : la ligne corrigée (du 01/01/2024) n'est pas de l'année 2025")


def test_corrections_d_une_tache_controlees_ensemble_chaque_ligne_nommee():
    with pytest.raises(Refus) as exc:
        controler_corrections(
            [
                _ligne("2026-01-01", "2026-03-31"),
                _ligne("2026-03-01", "2026-06-30"),  # overlaps the correction before it
                _ligne("2090-01-01", "2090-12-31"),
            ],
            CIR_2025,
            NAISSANCE,
            AUJOURD_HUI,
        )
    assert [(e.champ, e.regle) for e in exc.value.erreurs] == [
        ("corrections.1.date_debut", "chevauchement"),
        ("corrections.2.date_fin", "periode_future"),
    ]
    assert exc.value.message.startswith("corrections.1.date_debut : la période du 01/03/2026")
    # two corrections that each replace a line, in order: accepted
    periodes = controler_corrections(
        [_ligne("2025-01-01", "2025-06-30"), _ligne("2025-07-01", "2025-12-31")], CIR_2025, NAISSANCE, AUJOURD_HUI
    )
    assert chevauchements(periodes) == []


def test_chevauchements_d_un_cir():
    a, b, c = (
        Periode(date(2020, 1, 1), date(2020, 12, 31)),
        Periode(date(2020, 3, 1), date(2020, 3, 31)),
        Periode(date(2021, 1, 1), date(2021, 1, 31)),
    )
    assert chevauchements([c, b, a]) == [(a, b)]
    assert chevauchements([a, c]) == []
