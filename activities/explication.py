"""« Comment est calculée ma pension » : each figure of the bilan's main simulation explained in plain French, with
the calculation's own detail (its ``explication``) and the legal reference of the rule it applied, plus one short
line per other departure age. Written into the stored bilan, so that its page and its PDF say the same thing and
an old bilan keeps the explanation of its day."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import pension
from domain.montants import euros
from pension.estimation import poursuivre
from pension.format import pourcentage_fr
from pension.parametres import valeur

# A reference's working notes for the maintainers (a file of the repository, a parameter's name) stay out of a
# document: the citation keeps its legal text.
_NOTE_INTERNE = re.compile(r"\s*\([^()]*(?:\.md|\.yaml|[a-z]+_[a-z_]+)[^()]*\)")


def _citation(reference: dict[str, str]) -> dict[str, str]:
    return {"titre": _NOTE_INTERNE.sub("", reference["titre"]).strip(), "lien": reference["url"]}


def _taux(fraction: float) -> str:
    """0.649709 → « 64,97 % »; 0.75 → « 75 % »."""
    return pourcentage_fr(Decimal(str(fraction))).replace(" %", "\u00a0%")


def _trimestres(nombre: int) -> str:
    return f"{nombre} trimestre{'s' if nombre > 1 else ''}"


class _Regles:
    """The calculation's explanation, looked up by the rule's id (a rule may appear several times: surcote)."""

    def __init__(self, explication: list[dict[str, Any]]) -> None:
        self._regles = explication

    def de(self, *noms: str) -> list[dict[str, Any]]:
        return [regle for regle in self._regles if regle["regle"] in noms]


def _chiffre(
    intitule: str, valeur_lue: str, explication: str, regles: Iterable[dict[str, Any]], citations: Iterable[Any] = ()
) -> dict[str, Any]:
    regles = list(regles)
    vues: list[dict[str, str]] = []
    for reference in [*(regle["reference"] for regle in regles), *citations]:
        citation = _citation(reference)
        if citation not in vues:
            vues.append(citation)
    return {
        "intitule": intitule,
        "valeur": valeur_lue,
        "explication": explication,
        "calcul": [regle["libelle"] for regle in regles],
        "regles": vues,
    }


def _reference(nom: str, le: date) -> dict[str, str]:
    source = valeur(nom, le).reference
    return {"titre": source.titre, "url": source.url}


def _chiffres(resultat: dict[str, Any]) -> list[dict[str, Any]]:
    regles = _Regles(resultat["explication"])
    le = date.fromisoformat(resultat["date_de_liquidation"])
    chiffres = [
        _chiffre(
            "Trimestres de services",
            _trimestres(resultat["trimestres_services"]),
            "Vos services à la CNRACL jusqu'à la date de départ, le temps partiel compté au prorata de la quotité.",
            regles.de("services"),
        ),
        _chiffre(
            "Bonifications",
            _trimestres(resultat["trimestres_bonifications"]) if resultat["trimestres_bonifications"] else "aucune",
            "Des trimestres ajoutés aux services pour le calcul du taux (enfants nés avant 2004, certains services "
            "particuliers)." + ("" if resultat["trimestres_bonifications"] else " Votre dossier n'en comporte pas."),
            regles.de("bonifications", "bonification_enfants"),
            [] if resultat["trimestres_bonifications"] else [r["reference"] for r in regles.de("taux_de_liquidation")],
        ),
        _chiffre(
            "Durée d'assurance tous régimes",
            _trimestres(resultat["duree_assurance_tous_regimes"]),
            "Tous vos trimestres : services à la CNRACL comptés à temps plein, bonifications, majorations pour "
            "enfants et trimestres des autres régimes. Elle décide de la décote ou de la surcote.",
            regles.de("majoration_duree_enfants", "majoration_duree_enfant_handicape", "duree_assurance"),
        ),
        _chiffre(
            "Trimestres requis",
            _trimestres(resultat["trimestres_requis"]),
            "Le nombre de trimestres fixé pour votre génération : il donne le taux maximum et, atteint en durée "
            "d'assurance, le taux plein sans décote.",
            regles.de("trimestres_requis"),
        ),
        _chiffre(
            "Taux de liquidation",
            _taux(resultat["taux_de_liquidation"]),
            "Le pourcentage du traitement que vous obtenez : le taux maximum multiplié par vos trimestres "
            "liquidables, rapportés aux trimestres requis.",
            regles.de("taux_de_liquidation"),
        ),
        _decote_surcote(resultat, regles),
        _chiffre(
            "Traitement de référence",
            f"{euros(resultat['traitement_de_reference_annuel'])} par an",
            "Le traitement brut annuel qui correspond à l'indice majoré de fin de carrière retenu pour ce bilan.",
            regles.de("traitement"),
        ),
        _chiffre(
            "Pension avant minimum garanti",
            f"{euros(resultat['pension_avant_minimum'])} par an",
            "Le traitement de référence multiplié par le taux de liquidation et par le coefficient de décote ou de "
            "surcote.",
            regles.de("plafond_pension", "pension"),
        ),
        _minimum_garanti(resultat, regles),
    ]
    majoration = regles.de("majoration_enfants")
    if majoration:
        chiffres.append(
            _chiffre(
                "Majoration pour enfants",
                f"{euros(resultat['majoration_enfants'])} par an",
                "Un supplément de pension pour les parents d'au moins trois enfants élevés.",
                majoration,
            )
        )
    else:
        minimum = valeur("majoration_enfants_nombre_minimum", le).valeur
        duree = valeur("majoration_enfants_duree_education", le).valeur
        chiffres.append(
            _chiffre(
                "Majoration pour enfants",
                "aucune",
                f"Elle est réservée aux parents d'au moins {minimum} enfants élevés chacun au moins {duree} : "
                "votre dossier n'ouvre pas ce droit à cette date.",
                [],
                [_reference("majoration_enfants_nombre_minimum", le)],
            )
        )
    chiffres.append(
        _chiffre(
            "Montant de votre pension",
            f"{euros(resultat['pension_brute_mensuelle'])} brut par mois ({euros(resultat['pension_brute_annuelle'])} "
            "par an)",
            "La pension, ou le minimum garanti s'il est plus élevé, augmentée de la majoration pour enfants ; le "
            "montant mensuel est le douzième du montant annuel, arrondi au centime.",
            regles.de("arrondi"),
        )
    )
    cumul = _cumul(resultat, regles)
    if cumul is not None:
        chiffres.append(cumul)
    return chiffres


def _cumul(resultat: dict[str, Any], regles: _Regles) -> dict[str, Any] | None:
    """What an activity resumed after this departure may earn: free, or up to a ceiling beyond which the excess
    is deducted from the pension (none before the rules' dates)."""
    if resultat["cumul_libre"]:
        return _chiffre(
            "Cumul emploi-retraite",
            "libre",
            "Si vous reprenez une activité après ce départ, vos revenus d'activité s'ajoutent à la pension sans "
            "limite, une fois toutes vos pensions de retraite demandées.",
            regles.de("cumul_libre"),
        )
    plafond = resultat["plafond_cumul_emploi_retraite_annuel"]
    if plafond is None:
        return None
    return _chiffre(
        "Cumul emploi-retraite",
        f"revenus d'activité jusqu'à {euros(plafond)} brut par an",
        "Si vous reprenez une activité après ce départ, vos revenus d'activité bruts de l'année civile peuvent "
        "aller jusqu'à ce plafond ; au-delà, le dépassement est déduit de la pension.",
        regles.de("cumul_emploi_retraite"),
    )


def _decote_surcote(resultat: dict[str, Any], regles: _Regles) -> dict[str, Any]:
    annulation = regles.de("age_annulation_decote")
    coefficient = regles.de("coefficient")
    if resultat["decote_trimestres"]:
        return _chiffre(
            "Décote",
            f"{_trimestres(resultat['decote_trimestres'])} manquants, soit {_taux(resultat['taux_decote'])} de "
            f"moins (coefficient {_nombre(resultat['coefficient'])})",
            "Il vous manque des trimestres de durée d'assurance et vous partez avant l'âge d'annulation de la "
            "décote : la pension est réduite pour chaque trimestre manquant.",
            [*annulation, *regles.de("decote_trimestres", "decote"), *coefficient],
        )
    surcote = resultat["surcote_trimestres"] + resultat["surcote_parentale_trimestres"]
    if surcote:
        return _chiffre(
            "Surcote",
            f"{_trimestres(surcote)}, soit {_taux(resultat['taux_surcote'])} de plus "
            f"(coefficient {_nombre(resultat['coefficient'])})",
            "Vous avez travaillé au-delà de l'âge légal et du nombre de trimestres requis : la pension est "
            "augmentée pour chacun de ces trimestres.",
            [*regles.de("age_surcote", "surcote_plafond", "surcote", "surcote_parentale"), *coefficient],
        )
    return _chiffre(
        "Décote ou surcote",
        "ni décote ni surcote (coefficient 1)",
        "Aucun trimestre ne manque à cette date de départ, et aucun trimestre ne dépasse le nombre requis après "
        "l'âge légal : la pension n'est ni réduite ni augmentée.",
        [*annulation, *regles.de("decote"), *coefficient],
    )


def _minimum_garanti(resultat: dict[str, Any], regles: _Regles) -> dict[str, Any]:
    montant = resultat["minimum_garanti"]
    if montant is None:
        lu, sens = "non ouvert", "Les conditions du minimum garanti ne sont pas remplies à cette date de départ."
    elif resultat["minimum_garanti_applique"]:
        lu = f"{euros(montant)} par an, appliqué"
        sens = "Votre pension calculée est inférieure au minimum garanti : c'est lui qui vous est versé."
    else:
        lu = f"{euros(montant)} par an, non appliqué"
        sens = "Votre pension calculée est supérieure au minimum garanti : elle vous est versée telle quelle."
    return _chiffre(
        "Minimum garanti",
        lu,
        "Un montant plancher, fonction de vos années de services. " + sens,
        regles.de("minimum_garanti"),
    )


def _nombre(nombre: float) -> str:
    return f"{Decimal(str(nombre)).normalize():f}".replace(".", ",")


def resume(resultat: dict[str, Any]) -> str:
    """One departure age in a line: what the amount comes from."""
    morceaux = [
        f"{resultat['trimestres_liquidables']} trimestres liquidables pour {resultat['trimestres_requis']} requis, "
        f"taux de {_taux(resultat['taux_de_liquidation'])}"
    ]
    if resultat["decote_trimestres"]:
        morceaux.append(f"décote de {_trimestres(resultat['decote_trimestres'])} (− {_taux(resultat['taux_decote'])})")
    elif resultat["surcote_trimestres"] + resultat["surcote_parentale_trimestres"]:
        surcote = resultat["surcote_trimestres"] + resultat["surcote_parentale_trimestres"]
        morceaux.append(f"surcote de {_trimestres(surcote)} (+ {_taux(resultat['taux_surcote'])})")
    else:
        morceaux.append("ni décote ni surcote")
    if resultat["minimum_garanti_applique"]:
        morceaux.append("minimum garanti appliqué")
    if resultat["majoration_enfants"]:
        morceaux.append(f"majoration pour enfants de {euros(resultat['majoration_enfants'])} par an")
    return ", ".join(morceaux) + f" : {euros(resultat['pension_brute_mensuelle'])} brut par mois."


def explication_du_bilan(cas: dict[str, Any], estimation: pension.Estimation) -> tuple[dict[str, Any], list[str]]:
    """The explanation of the main simulation (the first departure the bilan shows) and one line per departure.
    Each departure is recalculated as the estimation did (services continued to that date), with its rules."""
    lu = pension.CasPension.model_validate(cas)
    resultats = [
        pension.simuler(poursuivre(lu, estimation.date_de_situation, point.date_de_liquidation)).model_dump(mode="json")
        for point in estimation.points
    ]
    principal, point = resultats[0], estimation.points[0]
    return (
        {
            "depart": point.libelle,
            "date_de_liquidation": point.date_de_liquidation.isoformat(),
            "hypothese": estimation.hypothese,
            "chiffres": _chiffres(principal),
        },
        [resume(resultat) for resultat in resultats],
    )
