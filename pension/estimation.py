"""The amounts at the key ages the EIG and the EIR bilan show (REGLES §15): at the legal age, each year
after it up to the age where the décote ends, and at that age (or at the limit age when there is no décote).

Hypothesis (stated in the output): the services continue from the date of situation until each departure at
the quotité of the last period (full time when services are given as a total), and the legal parameters
are those in force on each departure date as known today (no future revaluation of the index point).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pension.calcul import CATEGORIES_ACTIVES, calculer, duree_cotisee_retenue, lire_cas, protection_actifs_2011
from pension.dates import age_a, date_age, jours_360
from pension.format import date_fr
from pension.modeles import Age, CasPension, ErreurCas, Estimation, PointEstimation
from pension.parametres import Duree, ParametreNonCouvert, par_generation, parametre, valeur

Resultat = dict[str, Any]  # calculer's result

# What a point copies from the result at its departure date
CHAMPS_DU_RESULTAT = (
    "trimestres_liquidables",
    "duree_assurance_tous_regimes",
    "taux_de_liquidation",
    "coefficient",
    "pension_brute_annuelle",
    "pension_brute_mensuelle",
)

HYPOTHESE = (
    "Services poursuivis du {situation} jusqu'à chaque date de départ {quotite} ; règles et valeurs "
    "(point d'indice, minimum garanti) en vigueur à chaque date de départ telles que connues aujourd'hui, "
    "sans revalorisation future."
)


def _situation(cas: CasPension) -> date:
    if cas.date_de_situation is not None:
        return cas.date_de_situation
    if cas.periodes:
        return max(periode.fin for periode in cas.periodes) + timedelta(days=1)
    raise ErreurCas.une(
        "date_de_situation",
        "obligatoire",
        "Indiquez la date à laquelle les services sont arrêtés (date_de_situation, AAAA-MM-JJ) : "
        "l'estimation les prolonge jusqu'à chaque âge de départ.",
    )


def poursuivre(cas: CasPension, situation: date, depart: date) -> CasPension:
    """The case with services continued from ``situation`` to the day before ``depart``."""
    if depart <= situation:
        return cas.model_copy(update={"date_de_liquidation": depart})
    par_mois = valeur("jours_par_mois", depart).valeur
    par_trimestre = valeur("jours_par_trimestre", depart).valeur
    jours = jours_360(situation, depart - timedelta(days=1), par_mois)
    trimestres = jours // par_trimestre
    maj: dict[str, Any] = {"date_de_liquidation": depart}
    if cas.periodes:
        derniere = max(cas.periodes, key=lambda periode: periode.fin)
        suite = derniere.model_copy(
            update={"debut": max(situation, derniere.fin + timedelta(days=1)), "fin": depart - timedelta(days=1)}
        )
        maj["periodes"] = [*cas.periodes, suite]
    elif cas.trimestres_services is not None:
        maj["trimestres_services"] = None
        maj["duree_services_jours"] = cas.trimestres_services * par_trimestre + jours
    else:
        maj["duree_services_jours"] = (cas.duree_services_jours or 0) + jours
    if cas.duree_assurance_tous_regimes is not None:
        maj["duree_assurance_tous_regimes"] = cas.duree_assurance_tous_regimes + trimestres
    if cas.trimestres_services_actifs is not None and cas.categorie in CATEGORIES_ACTIVES:
        maj["trimestres_services_actifs"] = cas.trimestres_services_actifs + trimestres
    if cas.carriere_longue is not None:
        maj["carriere_longue"] = cas.carriere_longue.model_copy(
            update={"duree_cotisee": cas.carriere_longue.duree_cotisee + trimestres}
        )
    return cas.model_copy(update=maj)


def _date_legale(cas: CasPension, categorie: str) -> date:
    """The legal-age date under the rules in force on that date (a reform may move it: iterate to a fixed point)."""
    protection = protection_actifs_2011(cas, parametre("protection_services_actifs_2011").dates[-1])
    if protection is not None:  # the ages of the date the protection keeps
        age = par_generation("age_ouverture_droits_active", cas.date_de_naissance, protection.valeur["date_regles"])
        return max(date_age(cas.date_de_naissance, age.valeur), protection.date_effet)
    nom = f"age_ouverture_droits_{categorie}"
    jour = max(cas.date_de_naissance, parametre(nom).dates[0])
    for _ in range(len(parametre(nom).versions) + 1):
        age = par_generation(nom, cas.date_de_naissance, jour).valeur
        suivant = date_age(cas.date_de_naissance, age)
        if suivant == jour:
            break
        jour = suivant
    return jour


def estimer(cas: CasPension | dict[str, Any]) -> Estimation:
    """The pension at each key age (legal age, each year up to the end of the décote, that age or the limit age)."""
    cas = lire_cas(cas)
    situation = _situation(cas)
    try:
        legal = _date_legale(cas, cas.categorie)
        try:
            premier = calculer(poursuivre(cas, situation, legal), legal)
        except ErreurCas as erreur:
            if cas.categorie not in CATEGORIES_ACTIVES or erreur.erreurs[0]["regle"] != "age_ouverture_droits":
                raise
            # Not enough services (super-)actifs: the rights open at the sedentary age.
            legal = _date_legale(cas, "sedentaire")
            premier = calculer(poursuivre(cas, situation, legal), legal)
    except ParametreNonCouvert as erreur:
        raise ErreurCas.une(
            "date_de_naissance",
            "periode_couverte",
            f"Aucune règle « {erreur.nom} » en vigueur le {erreur.date_effet:%d/%m/%Y} pour cette génération : "
            "l'estimation couvre les départs à partir du 01/01/2004.",
        ) from None
    annulation: date = premier["date_annulation_decote"]
    limite = date_age(cas.date_de_naissance, Duree(premier["limite_age"]["ans"], premier["limite_age"]["mois"]))
    departs: list[tuple[date, str]] = [(legal, "legal")]
    anticipe = _depart_carriere_longue(cas, situation, premier, legal)
    if anticipe is not None:
        departs.insert(0, (anticipe, "carriere_longue"))
    annees = 1
    while date_age(legal, Duree(annees, 0)) < annulation:
        departs.append((date_age(legal, Duree(annees, 0)), "annee"))
        annees += 1
    fin = annulation if annulation > legal else limite
    if fin > legal:
        departs.append((fin, "annulation" if fin == annulation else "limite"))
    points, resultats = [], {legal: premier}
    departs = [(jour, genre) for jour, genre in departs if jour >= situation] or [(situation, "situation")]
    for depart, genre in departs:
        resultat = resultats.get(depart) or calculer(poursuivre(cas, situation, depart), depart)
        age = age_a(cas.date_de_naissance, depart)
        points.append(_point(resultat, Age(ans=age.ans, mois=age.mois), depart, genre, limite))
    quotite = (
        f"à la quotité de la dernière période ({max(cas.periodes, key=lambda p: p.fin).quotite:g} %)"
        if cas.periodes
        else "à temps plein"
    )
    return Estimation(
        hypothese=HYPOTHESE.format(situation=f"{situation:%d/%m/%Y}", quotite=quotite),
        date_de_situation=situation,
        points=points,
    )


def _depart_carriere_longue(cas: CasPension, situation: date, premier: Resultat, legal: date) -> date | None:
    """The earliest early-departure date for a carrière longue, the durée cotisée growing until that date: each
    step's age of departure, or the day its durée cotisée is reached when that comes later, is tried as ``simuler``
    would judge it (the career continued to that day), and the earliest accepted day is kept."""
    if cas.carriere_longue is None:
        return None
    candidats: set[date] = set()
    for jour in sorted({premier["date_ouverture_droits"], situation, legal}):
        try:
            paliers = par_generation("carriere_longue", cas.date_de_naissance, jour).valeur
        except ParametreNonCouvert:
            continue
        for palier in paliers:
            depart = max(date_age(cas.date_de_naissance, palier["age_depart"]), situation)
            if depart >= legal:
                continue
            candidats.add(depart)
            cotisee = duree_cotisee_retenue(cas.carriere_longue, legal)[0]
            manque = premier["trimestres_requis"] + palier["trimestres_en_sus"] - cotisee
            atteinte = _date_duree_atteinte(situation, manque, legal)
            if atteinte is not None and depart < atteinte < legal:
                candidats.add(atteinte)

    def accepte(depart: date) -> bool:
        try:
            resultat = calculer(poursuivre(cas, situation, depart), depart)
        except (ErreurCas, ParametreNonCouvert):
            return False
        return bool(resultat["depart_anticipe"] == "carriere_longue")

    refuse: date | None = None
    for candidat in sorted(candidats):
        if not accepte(candidat):
            refuse = candidat
            continue
        # The rules in force between two candidates may differ from those of the legal date (a reform): the
        # earliest accepted day after the last refused candidate, by bisection.
        premier_accepte = candidat
        while refuse is not None and (premier_accepte - refuse).days > 1:
            milieu = refuse + timedelta(days=(premier_accepte - refuse).days >> 1)
            if accepte(milieu):
                premier_accepte = milieu
            else:
                refuse = milieu
        return premier_accepte
    return None


def _date_duree_atteinte(situation: date, manque: int, limite: date) -> date | None:
    """The first departure date by which the services continued from ``situation`` add ``manque`` trimestres
    (the count ``poursuivre`` makes), or None when not before ``limite``."""
    if manque <= 0:
        return situation

    # the day counts in force at the legal date (the dates searched may precede the parameters' first version)
    par_mois = valeur("jours_par_mois", limite).valeur
    par_trimestre = valeur("jours_par_trimestre", limite).valeur

    def ajoutes(depart: date) -> int:
        return int(jours_360(situation, depart - timedelta(days=1), par_mois) // par_trimestre)

    if ajoutes(limite) < manque:
        return None
    bas, haut = situation, limite  # ajoutes(bas) < manque <= ajoutes(haut)
    while (haut - bas).days > 1:
        milieu = bas + timedelta(days=(haut - bas).days >> 1)  # bisection
        if ajoutes(milieu) >= manque:
            haut = milieu
        else:
            bas = milieu
    return haut


def _point(resultat: Resultat, age: Age, depart: date, genre: str, limite: date) -> PointEstimation:
    if genre == "legal":
        libelle = f"À l'âge légal ({age})"
    elif genre == "annulation":
        libelle = f"À {age}, âge d'annulation de la décote" + (" (limite d'âge)" if depart == limite else "")
    elif genre == "limite":
        libelle = f"À {age}, limite d'âge"
    elif genre == "carriere_longue":
        libelle = f"Départ anticipé pour carrière longue ({age})"
    elif genre == "situation":
        libelle = f"Au {date_fr(depart)} ({age}), âge légal dépassé"
    else:
        libelle = f"À {age}"
    return PointEstimation.model_validate(
        {"libelle": libelle, "age": age, "date_de_liquidation": depart}
        | {champ: resultat[champ] for champ in CHAMPS_DU_RESULTAT}
    )
