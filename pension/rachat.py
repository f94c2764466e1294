"""Rachat d'études supérieures (CPCMR L9 bis, décret n° 2003-1306 art. 12): the trimestres bought count in the
liquidation, the durée d'assurance or both as the option says, and their cost comes from the dated scale by age.

``effet`` is the hook of the calculation (``calcul.calculer``); ``cout`` prices a purchase; ``coter`` answers a quote
(``cnracl pension rachat``, ``POST /api/v1/simulations/rachat``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import orjson

from pension.dates import age_a, date_age
from pension.explication import Regle, arrondi, decimal, euros, regle
from pension.format import nombre_fr, somme_fr
from pension.modeles import CasPension, CoutRachat, DemandeRachat, ErreurCas, RachatEtudes
from pension.parametres import Duree, ParametreNonCouvert, valeur, valeur_eventuelle


@dataclass(frozen=True, slots=True)
class Effet:
    liquidation: int  # trimestres added to the services before the cap at the requirement
    duree_assurance: int  # trimestres added to the durée d'assurance


AUCUN = Effet(0, 0)


def _verifier_trimestres(rachat: RachatEtudes, date_effet: date, champ: str) -> dict[str, Any]:
    regles = valeur("rachat_etudes_options", date_effet).valeur
    minimum, maximum = regles["trimestres_minimum"], regles["trimestres_maximum"]
    if not minimum <= rachat.trimestres <= maximum:
        raise ErreurCas.une(
            champ,
            "rachat_etudes_trimestres",
            f"Le rachat d'études porte sur {minimum} à {maximum} trimestres entiers (décret n° 2003-1306, art. 12) : "
            f"{rachat.trimestres} n'est pas possible, indiquez un nombre dans ces bornes.",
        )
    return dict(regles["options"][rachat.option])


def effet(cas: CasPension, date_effet: date, explication: list[Regle]) -> Effet:
    """What the trimestres bought add to the liquidation and to the durée d'assurance, as the option says."""
    rachat = cas.rachat_etudes
    if rachat is None:
        return AUCUN
    prise_en_compte = _verifier_trimestres(rachat, date_effet, "rachat_etudes.trimestres")
    effet_rachat = Effet(
        rachat.trimestres if prise_en_compte["liquidation"] else 0,
        rachat.trimestres if prise_en_compte["duree_assurance"] else 0,
    )
    comptes = [
        libelle
        for libelle, compte in (
            ("en liquidation", effet_rachat.liquidation),
            ("en durée d'assurance", effet_rachat.duree_assurance),
        )
        if compte
    ]
    explication.append(
        regle(
            "rachat_etudes",
            f"Rachat d'études (option {rachat.option}, CPCMR L9 bis, décret n° 2003-1306 art. 12) : "
            f"{rachat.trimestres} trimestre(s) compté(s) {' et '.join(comptes)}",
            {"liquidation": effet_rachat.liquidation, "duree_assurance": effet_rachat.duree_assurance},
            valeur("rachat_etudes_options", date_effet),
        )
    )
    return effet_rachat


def cout(
    naissance: date,
    demande: date,
    rachat: RachatEtudes,
    indice: int | None,
    traitement_fourni: float | None,
    explication: list[Regle],
    champs: tuple[str, str] = ("rachat_etudes.trimestres", "rachat_etudes.date_de_demande"),
) -> tuple[int, Decimal, Decimal, Decimal] | None:
    """(age, rate per trimestre, traitement, total cost) of the purchase asked on ``demande``, at the traitement
    given or the index's on that day; ``None`` when the agent's age is outside the scale (the request cannot be
    made then), with the rule that says so."""
    if demande <= naissance:
        raise ErreurCas.une(
            champs[1],
            "date_apres_naissance",
            f"La date de la demande de rachat ({demande:%d/%m/%Y}) précède la naissance : corrigez-la.",
        )
    try:
        _verifier_trimestres(rachat, demande, champs[0])
        bareme = valeur("rachat_etudes_bareme", demande)
        traitement = traitement_a(demande, indice, traitement_fourni)
    except ParametreNonCouvert:
        raise ErreurCas.une(
            champs[1],
            "rachat_etudes_periode",
            f"Aucun barème de rachat d'études en vigueur le {demande:%d/%m/%Y} (dispositif ouvert le 01/01/2004) : "
            "choisissez une date de demande postérieure.",
        ) from None
    age = max(age_a(naissance, demande).ans, bareme.valeur["age_minimum"])
    if age > bareme.valeur["age_maximum"]:
        explication.append(
            regle(
                "cout_rachat_etudes",
                f"Coût du rachat d'études : demande non recevable à {age} ans le {demande:%d/%m/%Y} "
                f"(au plus {bareme.valeur['age_maximum']} ans inclus), coût non calculé",
                None,
                bareme,
            )
        )
        return None
    taux = decimal(bareme.valeur["taux_pour_cent"][rachat.option][age]) / 100
    pas = arrondi(demande)
    reduction = _abattement(demande, rachat, pas, explication)
    total = max(traitement * taux * rachat.trimestres - reduction, Decimal(0))
    explication.append(
        regle(
            "cout_rachat_etudes",
            f"Coût du rachat d'études (barème du décret n° 2003-1310, art. 2, en vigueur le {demande:%d/%m/%Y}) : "
            f"{nombre_fr(bareme.valeur['taux_pour_cent'][rachat.option][age])} % du traitement indiciaire brut "
            f"annuel par trimestre à {age} ans, option {rachat.option}, × {rachat.trimestres}"
            + (", abattement déduit" if reduction else "")
            + f" = {somme_fr(euros(total, pas))} €",
            euros(total, pas),
            bareme,
        )
    )
    return age, taux, traitement, total


def _abattement(demande: date, rachat: RachatEtudes, pas: Decimal, explication: list[Regle]) -> Decimal:
    """The abattement forfaitaire of a request made within the years after the studies (décret n° 2015-14)."""
    if rachat.fin_des_etudes is None:
        return Decimal(0)
    parametre = valeur_eventuelle("rachat_etudes_abattement", demande)
    if parametre is None:
        return Decimal(0)
    regles = parametre.valeur
    limite = date_age(rachat.fin_des_etudes, Duree(regles["delai_annees"], 0))
    if rachat.fin_des_etudes > demande or demande > limite:
        explication.append(
            regle(
                "abattement_rachat_etudes",
                f"Abattement forfaitaire (décret n° 2015-14) : non applicable, demande hors des "
                f"{regles['delai_annees']} ans qui suivent la fin des études",
                0.0,
                parametre,
            )
        )
        return Decimal(0)
    trimestres = min(rachat.trimestres, regles["trimestres_maximum"])
    montant = Decimal(regles["euros_par_trimestre"][rachat.option] * trimestres)
    explication.append(
        regle(
            "abattement_rachat_etudes",
            f"Abattement forfaitaire (décret n° 2015-14, demande dans les {regles['delai_annees']} ans après les "
            f"études) : {regles['euros_par_trimestre'][rachat.option]} € × {trimestres} trimestre(s) = "
            f"{somme_fr(euros(montant, pas))} €",
            euros(montant, pas),
            parametre,
        )
    )
    return montant


def traitement_a(date_effet: date, indice: int | None, traitement: float | None) -> Decimal:
    """The traitement indiciaire brut annuel: the one given, else the index × the point in force."""
    if traitement is not None:
        return decimal(traitement)
    point = valeur("point_indice", date_effet)
    return Decimal(indice or 0) * decimal(point.valeur) / 100


def coter(demande: DemandeRachat | dict[str, Any]) -> CoutRachat:
    """The quote of a rachat d'études: cost per trimestre and in all, from the scale in force on the request day."""
    lue = DemandeRachat.lire(demande, "demande", "La demande")
    rachat = RachatEtudes(trimestres=lue.trimestres, option=lue.option, fin_des_etudes=lue.fin_des_etudes)
    explication: list[Regle] = []
    calcul = cout(
        lue.date_de_naissance,
        lue.date_de_demande,
        rachat,
        lue.indice_majore,
        lue.traitement_indiciaire_brut_annuel,
        explication,
        ("trimestres", "date_de_demande"),
    )
    if calcul is None:
        bareme = valeur("rachat_etudes_bareme", lue.date_de_demande).valeur
        raise ErreurCas.une(
            "date_de_demande",
            "rachat_etudes_age",
            f"Le rachat d'études se demande jusqu'à {bareme['age_maximum']} ans inclus (barème en vigueur le "
            f"{lue.date_de_demande:%d/%m/%Y}) : à cette date l'agent est plus âgé, la demande n'est pas recevable.",
        )
    age, taux, traitement, total = calcul
    pas = arrondi(lue.date_de_demande)
    resultat = {
        "date_de_demande": lue.date_de_demande,
        "age": age,
        "trimestres": lue.trimestres,
        "option": lue.option,
        "taux_par_trimestre": round(float(taux), 6),
        "traitement_indiciaire_brut_annuel": euros(traitement, pas),
        "cout_par_trimestre": euros(traitement * taux, pas),
        "abattement": euros(traitement * taux * lue.trimestres - total, pas),
        "cout_rachat_etudes": euros(total, pas),
        "explication": explication,
    }
    return CoutRachat.model_validate_json(orjson.dumps(resultat))
