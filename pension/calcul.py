"""The CNRACL liquidation rules (décret n° 2003-1306, CPCMR): each rule written once, over dated parameters.

``calculer(cas, date_de_liquidation)`` applies, in order: category (services actifs), âge d'ouverture des droits,
limite d'âge, trimestres requis, services (30-day months, part time pro rata, 45-day rounding), children
(bonification before 2004, free periods and MDA after, disabled child), liquidation rate with the 75 % / 80 %
caps, durée d'assurance, carrière longue, décote, surcote and surcote parentale, traitement, 100 % cap, minimum
garanti, majoration for 3+ children, rounding, cumul emploi-retraite ceiling. Every step adds a rule to
``explication`` with the value used and the reference of the parameter it comes from. No legal number is
written here: they are all in ``pension/parametres/*.yaml``.

The result is built as a plain dict in the field order of ``ResultatPension``: ``simuler_json`` writes it as
JSON without building the model (``--lot``), ``simuler`` validates that JSON into the model. The rules whose
inputs repeat from case to case (rates, requirement, traitement by index, minimum garanti) keep their
explanation fragment per distinct input, already written as JSON (``regle_figee``): the same bytes, encoded once.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any, TypeVar

import orjson
from pydantic import Field, ValidationError

from pension import rachat as rachat_etudes
from pension.cumul import cumul
from pension.dates import ajouter_mois, date_age, jours_360, jours_trimestres_calendaires, mois_entiers
from pension.explication import Regle, arrondi, decimal, en_decimal, euros, regle, regle_figee
from pension.format import date_fr, nombre_fr, pourcentage_fr, somme_fr
from pension.modeles import CarriereLongue, CasPension, Enfant, ErreurCas, Modele, Periode, ResultatPension
from pension.parametres import (
    MEMOIRE,
    Duree,
    ParametreNonCouvert,
    Valeur,
    epoque,
    epoque_de,
    par_annee,
    par_generation,
    valeur,
    valeur_eventuelle,
    valeurs_datees,
)

UN = Decimal(1)
ZERO = Decimal(0)


def lire_cas(cas: CasPension | dict[str, Any]) -> CasPension:
    """A validated case; pydantic errors become an ``ErreurCas`` with French messages."""
    return CasPension.lire(cas, "cas", "Le cas")


@lru_cache(maxsize=MEMOIRE)
def taux_affiche(taux: Decimal) -> float:
    """A rate as shown: the float rounded to 6 decimals (memoised: rates repeat from case to case)."""
    return round(float(taux), 6)


@cache
def _age(duree: Duree) -> dict[str, int]:
    return {"ans": duree.ans, "mois": duree.mois}


def _division_haute(dividende: int, diviseur: int) -> int:
    return -(-dividende // diviseur)


# ---------------------------------------------------------------------------------------------------------------
# Services and children


@dataclass(frozen=True, slots=True)
class Services:
    jours_liquidation: Decimal  # quotité applied, free child periods at full time
    trimestres: int  # after the final 45-day rounding
    trimestres_assurance: int  # CNRACL durée d'assurance (full time, ≤ 4 per civil year, rounded up)
    jours_effectifs: int  # services that count for the minimum duration (validated services excluded)
    fin: date | None  # day after the last period, when periods are given
    jours_surcotises: Decimal = ZERO  # part time surcotisé counted at full time (within its cap)
    temps_partiel_a_la_quotite: int = 0  # temps_partiel_enfant periods with no child born from 2004 under the age


def _trimestres(jours: Decimal, date_effet: date) -> int:
    par_trimestre = valeur("jours_par_trimestre", date_effet).valeur
    seuil = valeur("trimestre_seuil_arrondi_jours", date_effet).valeur
    entiers, reste = divmod(jours, par_trimestre)
    return int(entiers) + (1 if reste >= seuil else 0)


_SERVICES_TOTAUX: dict[tuple[int | None, int | None, int, int], Services] = {}
_Cle = TypeVar("_Cle")
_Valeur = TypeVar("_Valeur")


def _memoise(memoire: dict[_Cle, _Valeur], cle: _Cle, calculer: Callable[[], _Valeur]) -> _Valeur:
    """The answer kept for ``cle``, computed once; the memo is emptied when full (bounded in a long-running worker,
    without an LRU's bookkeeping on each hit)."""
    valeur = memoire.get(cle)
    if valeur is None:
        valeur = calculer()
        if len(memoire) >= MEMOIRE:
            memoire.clear()
        memoire[cle] = valeur
    return valeur


def _services(cas: CasPension, date_effet: date, jours_gratuits: int) -> Services:
    """``_compter_services``; services given as a total are kept per total, free days and parameter epoch."""
    if cas.periodes is not None:
        return _compter_services(cas, date_effet, jours_gratuits)
    cle = (cas.trimestres_services, cas.duree_services_jours, jours_gratuits, epoque(date_effet))
    return _memoise(_SERVICES_TOTAUX, cle, lambda: _compter_services(cas, date_effet, jours_gratuits))


def _compter_services(cas: CasPension | _Periodes, date_effet: date, jours_gratuits: int) -> Services:
    par_mois = valeur("jours_par_mois", date_effet).valeur
    par_trimestre = valeur("jours_par_trimestre", date_effet).valeur
    max_an = valeur("duree_assurance_trimestres_par_an", date_effet).valeur * par_trimestre
    arrondi = valeur("duree_assurance_arrondi", date_effet).valeur
    fin: date | None = None
    surcotises = ZERO
    a_la_quotite = 0
    if cas.periodes is not None:
        natures = valeur("natures_de_periode", date_effet).valeur
        depuis = valeur("bonification_enfant_date_limite", date_effet).valeur
        calendaires = valeur("decompte_fraction_trimestre", date_effet).valeur == "jours_calendaires"
        liquidation, effectifs, par_annee_civile = Decimal(jours_gratuits), 0, dict[int, int]()
        surcotisation, manque_temps_plein = valeur("surcotisation_temps_partiel", date_effet).valeur, ZERO
        for periode in cas.periodes:
            jours = jours_360(periode.debut, periode.fin, par_mois)
            jours_liquidation = (
                jours_trimestres_calendaires(periode.debut, periode.fin, par_trimestre) if calendaires else jours
            )
            prise_en_compte = natures[periode.nature]
            mode = (
                prise_en_compte.get("liquidation_depuis_2004", prise_en_compte["liquidation"])
                if periode.debut >= depuis
                else prise_en_compte["liquidation"]
            )
            if mode == "non":
                continue
            if (
                periode.nature == "temps_partiel_enfant"
                and mode == "temps_plein"
                and not _enfant_du_temps_partiel(cas, periode.debut, periode.fin, date_effet)
            ):
                mode, a_la_quotite = "quotite", a_la_quotite + 1
            liquidation += jours_liquidation * (UN if mode == "temps_plein" else decimal(periode.quotite) / 100)
            if periode.surcotisation and mode == "quotite" and periode.debut >= surcotisation["depuis"]:
                manque_temps_plein += jours_liquidation * (UN - decimal(periode.quotite) / 100)
            if prise_en_compte["services_effectifs"]:
                effectifs += jours
            for annee in range(periode.debut.year, periode.fin.year + 1):
                debut, fin_annee = max(periode.debut, date(annee, 1, 1)), min(periode.fin, date(annee, 12, 31))
                par_annee_civile[annee] = par_annee_civile.get(annee, 0) + jours_360(debut, fin_annee, par_mois)
        assurance = sum(min(jours, max_an) for jours in par_annee_civile.values()) + jours_gratuits
        if cas.periodes:
            fin = max(periode.fin for periode in cas.periodes) + timedelta(days=1)
        surcotises = min(manque_temps_plein, Decimal(surcotisation["plafond_trimestres"] * par_trimestre))
        liquidation += surcotises
    else:
        jours = (
            (cas.duree_services_jours or 0)
            if cas.trimestres_services is None
            else cas.trimestres_services * par_trimestre
        )
        liquidation, effectifs, assurance = Decimal(jours + jours_gratuits), jours, jours + jours_gratuits
    trimestres_assurance = (
        _division_haute(assurance, par_trimestre) if arrondi == "superieur" else assurance // par_trimestre
    )
    return Services(
        liquidation,
        _trimestres(liquidation, date_effet),
        trimestres_assurance,
        effectifs,
        fin,
        surcotises,
        a_la_quotite,
    )


def _enfant_du_temps_partiel(cas: CasPension | _Periodes, debut: date, fin: date, date_effet: date) -> bool:
    """Whether a part-time period for a child counts free (art. 11-1°): a child born from 01/01/2004, listed in
    ``enfants``, born by the period's end, the period starting before the child reaches the age limit."""
    depuis = valeur("bonification_enfant_date_limite", date_effet).valeur
    age_limite = valeur("temps_partiel_enfant_age_limite", date_effet).valeur
    return any(
        depuis <= enfant.date_de_naissance <= fin and debut < date_age(enfant.date_de_naissance, age_limite)
        for enfant in cas.enfants
    )


class _Periodes(Modele):
    """Services given as periods only (what ``_compter_services`` reads of a case), with the children a part time
    for a child may count free for."""

    periodes: list[Periode]
    enfants: list[Enfant] = Field(default_factory=list)
    trimestres_services: None = None
    duree_services_jours: None = None


@dataclass(frozen=True, slots=True)
class DecompteServices:
    """The services of a career as the pension counts them on a day: what a document that shows trimestres (the
    RIS) shows, from the same rule."""

    trimestres: int  # liquidation (quotité applied, final 45-day rounding)
    trimestres_assurance: int  # CNRACL durée d'assurance
    jours_liquidation: Decimal
    reference: str  # the legal source of the decompte


def decompter_services(
    periodes: list[Periode] | list[dict[str, Any]], le: date, enfants: list[dict[str, Any]] | None = None
) -> DecompteServices:
    """The CNRACL services of these periods (``debut``, ``fin``, ``quotite``, ``nature``) counted by the rules in force
    on ``le``; ``enfants`` (their ``date_de_naissance``): a part time for a child born from 2004 counts free. Raises
    ``ErreurCas`` (fields ``periodes.N…``) for a period the calculation refuses."""
    try:
        services = _compter_services(_Periodes.model_validate({"periodes": periodes, "enfants": enfants or []}), le, 0)
    except ValidationError as erreur:
        raise ErreurCas.depuis_validation(erreur) from None
    return DecompteServices(
        services.trimestres,
        services.trimestres_assurance,
        services.jours_liquidation,
        valeur("jours_par_trimestre", le).reference.titre,
    )


@dataclass(frozen=True, slots=True)
class Enfants:
    bonification: int  # liquidation and durée d'assurance (born before 2004)
    majoration_duree: int  # durée d'assurance only (MDA born from 2004, disabled child)
    jours_gratuits: int  # free periods counted in the services (born from 2004)


def _enfants(cas: CasPension, date_effet: date, explication: list[Regle]) -> Enfants:
    if not cas.enfants:
        return Enfants(0, 0, 0)
    limite = valeur("bonification_enfant_date_limite", date_effet)
    par_enfant = valeur("bonification_enfant_trimestres", date_effet)
    mda = valeur("mda_enfant_trimestres", date_effet)
    seuil_mda = valeur("mda_enfant_seuil_interruption_mois", date_effet)
    plafond_gratuit = valeur("interruption_enfant_plafond_mois", date_effet)
    handicap = valeur("mda_enfant_handicape", date_effet)
    par_mois = valeur("jours_par_mois", date_effet).valeur
    avant = [
        enfant for enfant in cas.enfants if enfant.date_de_naissance < limite.valeur and enfant.interruption_activite
    ]
    apres = [enfant for enfant in cas.enfants if limite.valeur <= enfant.date_de_naissance <= date_effet]
    bonification = par_enfant.valeur * len(avant)
    if avant:
        explication.append(
            regle(
                "bonification_enfants",
                f"Bonification pour {len(avant)} enfant(s) né(s) avant le "
                f"{limite.valeur:%d/%m/%Y} avec interruption d'activité : {par_enfant.valeur} trimestres chacun",
                bonification,
                par_enfant,
            )
        )
    mois_gratuits = sum(min(enfant.interruption_mois, plafond_gratuit.valeur) for enfant in apres)
    if mois_gratuits:
        explication.append(
            regle(
                "interruptions_enfants",
                f"Interruptions ou réductions d'activité pour enfants nés à partir de "
                f"{limite.valeur:%Y} comptées gratuitement dans les services : {mois_gratuits} mois "
                f"(au plus {plafond_gratuit.valeur} mois par enfant)",
                mois_gratuits,
                plafond_gratuit,
            )
        )
    avec_mda = [
        enfant
        for enfant in apres
        if enfant.accouchement_apres_recrutement and enfant.interruption_mois < seuil_mda.valeur
    ]
    majoration = mda.valeur * len(avec_mda)
    if avec_mda:
        explication.append(
            regle(
                "majoration_duree_enfants",
                f"Majoration de durée d'assurance pour {len(avec_mda)} enfant(s) né(s) "
                f"à partir de {limite.valeur:%Y} : {mda.valeur} trimestres chacun (durée d'assurance seulement ; "
                f"supprimée si l'interruption atteint {seuil_mda.valeur} mois)",
                majoration,
                mda,
            )
        )
    mois_par_trimestre, plafond_handicap = handicap.valeur["mois_par_trimestre"], handicap.valeur["plafond_trimestres"]
    mda_handicap = sum(
        min(enfant.mois_education_handicap // mois_par_trimestre, plafond_handicap) for enfant in cas.enfants
    )
    if mda_handicap:
        majoration += mda_handicap
        explication.append(
            regle(
                "majoration_duree_enfant_handicape",
                f"Majoration pour enfant handicapé : 1 trimestre par {mois_par_trimestre} mois d'éducation, au plus "
                f"{plafond_handicap} par enfant",
                mda_handicap,
                handicap,
            )
        )
    return Enfants(bonification, majoration, mois_gratuits * par_mois)


@dataclass(frozen=True, slots=True)
class BonificationsArticle15:
    plafonnees: int  # may not raise the rate beyond the services' maximum (sapeurs-pompiers)
    autres: int  # art. 15-I and 15-II-1° and the legacy total, up to the 80 % cap
    services_minimum_garanti: int = 0  # counted as services in the minimum garanti, without the rate cap


def _bonifications_article_15(
    cas: CasPension, services: int, date_effet: date, explication: list[Regle]
) -> BonificationsArticle15:
    """The art. 15 bonifications computed from the services that earn them (``bonifications``), plus the legacy
    total ``trimestres_bonifications`` taken as given."""
    if cas.trimestres_bonifications:
        explication.append(
            regle(
                "bonifications",
                f"Bonifications (art. 15) : {cas.trimestres_bonifications} trimestres",
                cas.trimestres_bonifications,
                valeur("pourcentage_maximum_bonifications", date_effet),
            )
        )
    if not cas.bonifications:
        return BonificationsArticle15(0, cas.trimestres_bonifications)
    source = valeur("bonifications_article_15", date_effet)
    regles = source.valeur
    seuil = regles["suppression_si_services_moins_de"]
    plafonnees, autres, minimum_garanti = 0, cas.trimestres_bonifications, 0
    for bonification in cas.bonifications:
        regle_type = regles[bonification.type]
        libelle = LIBELLES_BONIFICATIONS[bonification.type]
        services_ouvrant = bonification.services_trimestres or 0
        if bonification.type == "autre":
            nombre = bonification.trimestres or 0
            detail = "nombre donné"
        elif bonification.type == "campagnes_militaires":
            facteur = decimal(regles["campagnes"][bonification.campagne])
            nombre = int(services_ouvrant * facteur)
            detail = (
                f"{services_ouvrant} trimestres de services × {nombre_fr(facteur)}, "
                f"{LIBELLES_CAMPAGNES[bonification.campagne]}"
            )
        else:
            numerateur, denominateur = regles[bonification.type]["fraction"]
            nombre = services_ouvrant * numerateur // denominateur
            detail = f"{numerateur}/{denominateur} de {services_ouvrant} trimestres de services"
        if regle_type["plafond_trimestres"] is not None and nombre > regle_type["plafond_trimestres"]:
            nombre = regle_type["plafond_trimestres"]
            detail += f", plafonné à {nombre} trimestres"
        if regle_type["supprimee_sous_15_ans"] and services < seuil:
            explication.append(
                regle(
                    "bonification_supprimee",
                    f"Bonification {libelle} supprimée : la pension rémunère {services} trimestres de services, "
                    f"moins de {seuil} (15 ans) (art. 15)",
                    0,
                    source,
                )
            )
            continue
        if regle_type["minimum_garanti"]:
            minimum_garanti += nombre
        if regle_type["plafond_taux_services"]:
            plafonnees += nombre
        else:
            autres += nombre
        explication.append(
            regle(
                f"bonification_{bonification.type}",
                f"Bonification {libelle} (art. 15) : {nombre} trimestres ({detail})",
                nombre,
                source,
            )
        )
    return BonificationsArticle15(plafonnees, autres, minimum_garanti)


LIBELLES_BONIFICATIONS = {
    "hors_europe": "pour services hors d'Europe",
    "sapeurs_pompiers": "des sapeurs-pompiers professionnels",
    "egouts": "des services dans les réseaux souterrains des égouts",
    "campagnes_militaires": "pour campagnes militaires",
    "autre": "déclarée",
}
LIBELLES_CAMPAGNES = {
    "demi": "demi-campagne",
    "simple": "campagne simple",
    "simple_et_demie": "campagne simple et demie",
    "double": "campagne double",
}


# ---------------------------------------------------------------------------------------------------------------
# Early departure, surcote


def duree_cotisee_retenue(donnees: CarriereLongue, date_effet: date) -> tuple[int, Valeur]:
    """The durée cotisée for a carrière longue: the one given plus the periods réputées cotisées within their caps
    (slide 49)."""
    plafonds = valeur("carriere_longue_reputees_cotisees", date_effet)
    reputees = sum(
        nombre if plafonds.valeur[nature] is None else min(nombre, plafonds.valeur[nature])
        for nature, nombre in donnees.periodes_reputees_cotisees.items()
    )
    return donnees.duree_cotisee + reputees, plafonds


def _carriere_longue(
    cas: CasPension, naissance: date, date_effet: date, requis: int, explication: list[Regle]
) -> date | None:
    donnees = cas.carriere_longue
    if donnees is None:
        return None
    try:
        table = par_generation("carriere_longue", naissance, date_effet)
        debut = valeur("carriere_longue_trimestres_debut", date_effet)
    except ParametreNonCouvert:
        raise ErreurCas.une(
            "carriere_longue",
            "carriere_longue_periode",
            f"Les règles de carrière longue en vigueur le {date_effet:%d/%m/%Y} ne sont pas couvertes "
            "(dispositif modélisé pour les pensions prenant effet à partir du 01/11/2012) : "
            "retirez carriere_longue ou choisissez une date postérieure.",
        ) from None
    seuil_debut = debut.valeur["ne_au_dernier_trimestre" if naissance.month >= 10 else "general"]
    cotisee, plafonds = duree_cotisee_retenue(donnees, date_effet)
    if cotisee > donnees.duree_cotisee:
        explication.append(
            regle(
                "carriere_longue_reputees_cotisees",
                f"Carrière longue : {cotisee - donnees.duree_cotisee} trimestres réputés cotisés ajoutés "
                f"(maladie, service national, invalidité, chômage plafonnés) : {cotisee} trimestres",
                cotisee,
                plafonds,
            )
        )
    retenu = None
    for palier in sorted(table.valeur, key=lambda palier: palier["age_depart"]):
        jeune = max(
            (nombre for age, nombre in donnees.trimestres_fin_annee.items() if age <= palier["age_debut"]), default=0
        )
        duree = requis + palier["trimestres_en_sus"]
        if jeune >= seuil_debut and cotisee >= duree:
            retenu = (palier, duree)
            break
    if retenu is None:
        explication.append(
            regle(
                "carriere_longue",
                f"Carrière longue : conditions non remplies (au moins {seuil_debut} trimestres "
                "à la fin de l'année de l'anniversaire de début et durée cotisée suffisante)",
                None,
                table,
            )
        )
        return None
    palier, duree = retenu
    jour = date_age(naissance, palier["age_depart"])
    explication.append(
        regle(
            "carriere_longue",
            f"Carrière longue : début avant la fin de l'année des {palier['age_debut']} ans "
            f"({seuil_debut} trimestres), {cotisee} trimestres cotisés pour {duree} exigés : "
            f"départ possible à {palier['age_depart']}, le {jour:%d/%m/%Y}",
            {"age_depart": _age(palier["age_depart"]), "duree_cotisee_exigee": duree},
            table,
        )
    )
    return jour


def _segments(debut: date, fin: date, noms: tuple[str, ...]) -> list[tuple[date, date]]:
    """[debut, fin) cut at every date a version of one of the parameters ``noms`` starts."""
    coupures = sorted(
        {version.date_effet for nom in noms for version in valeurs_datees(nom) if debut < version.date_effet < fin}
    )
    return list(itertools.pairwise([debut, *coupures, fin]))


@dataclass(slots=True)
class TrimestresSurcote:
    nombre: int
    taux: Valeur
    decompte: Valeur


def _surcote(debut: date, fin: date, excedent: int, date_effet: date, explication: list[Regle]) -> tuple[int, Decimal]:
    """(trimestres, rate) of surcote for the trimestres accomplished in [debut, fin), at most ``excedent``."""
    comptes = []
    for debut_segment, fin_segment in _segments(debut, fin, ("surcote_taux", "surcote_decompte")):
        decompte = valeur("surcote_decompte", debut_segment)
        taux = valeur("surcote_taux", debut_segment)
        mois, entame = mois_entiers(debut_segment, fin_segment)
        nombre = mois // 3 if decompte.valeur == "trimestre_entier" else _division_haute(mois + (1 if entame else 0), 3)
        comptes.append(TrimestresSurcote(nombre, taux, decompte))
    plafond = valeur("surcote_plafond_trimestres", date_effet)
    limite = excedent if plafond.valeur is None else min(excedent, plafond.valeur)
    surplus = sum(compte.nombre for compte in comptes) - limite
    for compte in comptes:  # the trimestres beyond the requirement are the latest ones: drop the earliest first
        retire = min(compte.nombre, max(surplus, 0))
        compte.nombre -= retire
        surplus -= retire
    total = sum(compte.nombre for compte in comptes)
    taux_total = sum((decimal(compte.taux.valeur) * compte.nombre for compte in comptes), ZERO)
    for compte in comptes:
        if compte.nombre:
            explication.append(_regle_surcote(compte.nombre, compte.taux, compte.decompte.valeur))
    if plafond.valeur is not None and total == plafond.valeur:
        explication.append(
            regle("surcote_plafond", f"Surcote plafonnée à {plafond.valeur} trimestres", plafond.valeur, plafond)
        )
    return total, taux_total


@lru_cache(maxsize=MEMOIRE)
def _regle_surcote(nombre: int, taux: Valeur, decompte: str) -> Regle:
    return regle_figee(
        "surcote",
        f"Surcote : {nombre} trimestre(s) × {pourcentage_fr(decimal(taux.valeur))} "
        f"({'trimestres entiers' if decompte == 'trimestre_entier' else 'trimestres commencés'} "
        f"accomplis à partir du {taux.date_effet:%d/%m/%Y})",
        nombre,
        taux,
    )


def _surcote_parentale(
    naissance: date,
    date_legale: date,
    age_legal: Duree,
    fin_activite: date,
    duree_assurance: int,
    requis: int,
    enfants: Enfants,
    date_effet: date,
    explication: list[Regle],
) -> tuple[int, Decimal]:
    """Trimestres accomplished between the minimum age (63) and the legal age, the requirement already met
    then, for a parent with at least one trimestre of bonification or majoration for children."""
    taux = valeur_eventuelle("surcote_parentale_taux", date_effet)
    if taux is None:
        return 0, ZERO
    age_minimum = valeur("surcote_parentale_age_minimum", date_effet)
    if enfants.bonification + enfants.majoration_duree < 1 or age_legal < age_minimum.valeur:
        return 0, ZERO
    debut = date_age(naissance, age_minimum.valeur)
    fin = min(date_legale, fin_activite)
    if fin <= debut:
        return 0, ZERO
    accomplis_depuis = mois_entiers(debut, fin_activite)[0] // 3
    if duree_assurance - accomplis_depuis < requis:
        explication.append(
            regle(
                "surcote_parentale",
                f"Surcote parentale : durée requise ({requis}) non atteinte à {age_minimum.valeur}",
                0,
                taux,
            )
        )
        return 0, ZERO
    plafond = valeur("surcote_parentale_plafond_trimestres", date_effet)
    nombre = min(mois_entiers(debut, fin)[0] // 3, plafond.valeur)
    explication.append(
        regle(
            "surcote_parentale",
            f"Surcote parentale : {nombre} trimestre(s) accompli(s) entre {age_minimum.valeur} et "
            f"l'âge légal, durée requise atteinte, × {pourcentage_fr(decimal(taux.valeur))} (au plus {plafond.valeur})",
            nombre,
            taux,
        )
    )
    return nombre, decimal(taux.valeur) * nombre


# ---------------------------------------------------------------------------------------------------------------
# Rules whose explanation depends only on a few integers and the parameter versions: one fragment per input


@lru_cache(maxsize=MEMOIRE)
def _regle_trimestres_requis(requis: Valeur) -> Regle:
    return regle_figee(
        "trimestres_requis",
        f"Trimestres requis pour le taux maximum et le taux plein : {requis.valeur}",
        requis.valeur,
        requis,
    )


@lru_cache(maxsize=MEMOIRE)
def _regle_services(jours: Decimal, trimestres: int, decompte: str, seuil: Valeur) -> Regle:
    return regle_figee(
        "services",
        f"Services : {nombre_fr(jours)} jours ({decompte}, temps partiel au prorata) soit "
        f"{trimestres} trimestres, fraction d'au moins {seuil.valeur} jours comptée pour un trimestre",
        trimestres,
        seuil,
    )


def _decompte(cas: CasPension, date_effet: date) -> str:
    """How the days of the services were counted, for the explanation."""
    if cas.periodes is not None and valeur("decompte_fraction_trimestre", date_effet).valeur == "jours_calendaires":
        par_trimestre = valeur("jours_par_trimestre", date_effet).valeur
        return f"trimestres entiers de {par_trimestre} jours, fraction en jours calendaires"
    return f"mois de {valeur('jours_par_mois', date_effet).valeur} jours"


@lru_cache(maxsize=MEMOIRE)
def _taux_de_liquidation(
    base_services: int, bonifications: int, requis: int, maximum: Valeur, maximum_bonifications: Valeur
) -> tuple[Decimal, Regle]:
    taux = decimal(maximum.valeur) * (base_services + bonifications) / requis
    plafond_taux = decimal(maximum_bonifications.valeur) if bonifications else decimal(maximum.valeur)
    taux = min(taux, plafond_taux)
    return taux, regle_figee(
        "taux_de_liquidation",
        f"Taux de liquidation : {pourcentage_fr(decimal(maximum.valeur))} × ({base_services} "
        f"trimestres de services retenus + {bonifications} de bonifications) / {requis} = {pourcentage_fr(taux)} "
        f"(services au-delà du nombre requis non rémunérés ; plafond {pourcentage_fr(plafond_taux)})",
        taux_affiche(taux),
        maximum_bonifications if bonifications else maximum,
    )


@lru_cache(maxsize=MEMOIRE)
def _regle_duree_assurance(
    duree: int, donnee: bool, services: int, bonifications: int, majorations: int, autres: int, source: Valeur
) -> Regle:
    detail = (
        "valeur fournie par le cas"
        if donnee
        else f"{services} CNRACL à temps plein + {bonifications} bonifications + {majorations} majorations + "
        f"{autres} autres régimes"
    )
    return regle_figee(
        "duree_assurance", f"Durée d'assurance tous régimes : {duree} trimestres ({detail})", duree, source
    )


@lru_cache(maxsize=MEMOIRE)
def _regle_decote_trimestres(par_age: int, par_duree: int, requis: int, plafond: Valeur, decote: int) -> Regle:
    return regle_figee(
        "decote_trimestres",
        f"Trimestres manquants : le plus petit de {par_age} (jusqu'à l'âge d'annulation, "
        f"arrondi au supérieur) et {par_duree} (pour atteindre {requis}), plafonné à {plafond.valeur} : {decote}",
        decote,
        plafond,
    )


@lru_cache(maxsize=MEMOIRE)
def _decote(decote: int, taux_trimestre: Valeur, exempte: bool) -> tuple[Decimal, Regle]:
    taux_decote = decimal(taux_trimestre.valeur) * decote
    return taux_decote, regle_figee(
        "decote",
        f"Décote : {decote} × {pourcentage_fr(decimal(taux_trimestre.valeur))} = {pourcentage_fr(taux_decote)}"
        + (" (exonération : invalidité ou handicap)" if exempte else ""),
        taux_affiche(taux_decote),
        taux_trimestre,
    )


@lru_cache(maxsize=MEMOIRE)
def _regle_coefficient(coefficient: Decimal, source: Valeur) -> Regle:
    arrondi = taux_affiche(coefficient)
    return regle_figee("coefficient", f"Coefficient : {nombre_fr(arrondi)}", arrondi, source)


@lru_cache(maxsize=MEMOIRE)
def _traitement_indiciaire(indice: int, point: Valeur, pas: Decimal) -> tuple[Decimal, Regle]:
    traitement = Decimal(indice) * decimal(point.valeur) / 100
    montant = euros(traitement, pas)
    return traitement, regle_figee(
        "traitement",
        f"Traitement : indice majoré {indice} × {nombre_fr(point.valeur)} € / 100 = {somme_fr(montant)} € par an",
        montant,
        point,
    )


@lru_cache(maxsize=MEMOIRE, typed=True)
def _traitement_fourni(traitement: float, point: Valeur) -> tuple[Decimal, Regle]:
    montant = decimal(traitement)
    return montant, regle_figee(
        "traitement", f"Traitement indiciaire brut annuel fourni : {nombre_fr(montant)} €", float(montant), point
    )


# ---------------------------------------------------------------------------------------------------------------
# The calculation


@dataclass(frozen=True, slots=True)
class Generation:
    """What the birth date, the category and the parameters in force decide, with its rules' explanation."""

    age_legal: Valeur
    date_legale: date
    limite_age: Valeur
    requis: int
    regles: tuple[Regle, ...]  # âge d'ouverture des droits, limite d'âge, trimestres requis
    age_annulation: Duree
    date_annulation: date
    taux_trimestre: Valeur  # décote per missing trimestre
    regle_annulation: Regle
    # The three ages as the result writes them
    age_legal_ecrit: dict[str, int]
    age_annulation_ecrit: dict[str, int]
    limite_age_ecrite: dict[str, int]


_GENERATIONS: dict[tuple[date, str, int, date | None], Generation] = {}

# The categories whose services open the rights at an earlier age.
CATEGORIES_ACTIVES = ("active", "super_active")
LIBELLES_CATEGORIES = {
    "sedentaire": "sédentaire",
    "active": "catégorie active",
    "super_active": "catégorie super-active",
}
SERVICES_REQUIS = {"active": "duree_services_actifs_requise", "super_active": "duree_services_super_active_requise"}


# Every parameter ``_nouvelle_generation`` reads, by category: its memo is keyed on their epoch only, which changes
# less often than the epoch of all the parameters (fewer distinct keys, each a generation computed once).
PARAMETRES_GENERATION = {
    categorie: (
        f"age_ouverture_droits_{categorie}",
        f"limite_age_{categorie}",
        *(
            (f"trimestres_requis_{categorie}_decalage", "trimestres_requis_active_age_reference")
            if categorie in CATEGORIES_ACTIVES
            else ()
        ),
        "trimestres_requis",
        "decote_ecart_age_annulation",
        "decote_taux",
    )
    for categorie in LIBELLES_CATEGORIES
}


def _generation(naissance: date, categorie: str, liquidation: date, regles_ages: date | None = None) -> Generation:
    """``_nouvelle_generation``, memoised per birth date, category, epoch of its parameters and protected date."""
    cle = (naissance, categorie, epoque_de(PARAMETRES_GENERATION[categorie], liquidation), regles_ages)
    return _memoise(_GENERATIONS, cle, lambda: _nouvelle_generation(naissance, categorie, liquidation, regles_ages))


def protection_actifs_2011(cas: CasPension, date_effet: date) -> Valeur | None:
    """The protection of agents with the active services' duration accomplished before the 2011 raise who then left
    the active category (slide 27), when the case meets it."""
    if cas.trimestres_services_actifs_avant_2011 is None:
        return None
    protection = valeur_eventuelle("protection_services_actifs_2011", date_effet)
    if protection is None or cas.trimestres_services_actifs_avant_2011 < protection.valeur["trimestres_actifs_minimum"]:
        return None
    return protection


def _nouvelle_generation(
    naissance: date, categorie: str, liquidation: date, regles_ages: date | None = None
) -> Generation:
    """``regles_ages``: the date whose rules fix the ages (a protected agent), else those of the liquidation."""
    regles: list[Regle] = []
    date_ages = regles_ages or liquidation
    age_legal = par_generation(f"age_ouverture_droits_{categorie}", naissance, date_ages)
    date_legale = date_age(naissance, age_legal.valeur)
    regles.append(
        regle_figee(
            "age_ouverture_droits",
            f"Âge d'ouverture des droits ({LIBELLES_CATEGORIES[categorie]}) : "
            f"{age_legal.valeur}, atteint le {date_fr(date_legale)}",
            _age(age_legal.valeur),
            age_legal,
        )
    )
    limite_age = par_generation(f"limite_age_{categorie}", naissance, date_ages)
    regles.append(
        regle_figee(
            "limite_age",
            f"Limite d'âge : {limite_age.valeur}, atteinte le {date_fr(date_age(naissance, limite_age.valeur))}",
            _age(limite_age.valeur),
            limite_age,
        )
    )
    decalage = (
        valeur_eventuelle(f"trimestres_requis_{categorie}_decalage", liquidation)
        if categorie in CATEGORIES_ACTIVES
        else None
    )
    if decalage is not None:
        generation = ajouter_mois(naissance, -decalage.valeur.en_mois)
        regles.append(
            regle_figee(
                "trimestres_requis_active",
                f"{LIBELLES_CATEGORIES[categorie].capitalize()} : trimestres requis de la génération née "
                f"{decalage.valeur} plus tôt "
                f"(née le {date_fr(generation)})",
                generation.isoformat(),
                decalage,
            )
        )
    elif categorie in CATEGORIES_ACTIVES:
        reference_active = valeur("trimestres_requis_active_age_reference", liquidation)
        generation = ajouter_mois(date_legale, -reference_active.valeur.en_mois)
        regles.append(
            regle_figee(
                "trimestres_requis_active",
                f"{LIBELLES_CATEGORIES[categorie].capitalize()} : trimestres requis de la génération qui atteint "
                f"{reference_active.valeur} à l'ouverture des droits (née le {date_fr(generation)})",
                generation.isoformat(),
                reference_active,
            )
        )
    else:
        generation = naissance
    requis_en_vigueur = par_generation("trimestres_requis", generation, liquidation)
    regles.append(_regle_trimestres_requis(requis_en_vigueur))

    # The year the age condition is met at the legal age (an early departure for carrière longue does not move
    # the âge d'annulation: the durée is complete by construction) [D].
    annee_ouverture = date_legale.year
    ecart = par_annee("decote_ecart_age_annulation", annee_ouverture, liquidation)
    taux_trimestre = par_annee("decote_taux", annee_ouverture, liquidation)
    age_annulation = (
        age_legal.valeur if ecart.valeur is None else Duree.depuis_mois(limite_age.valeur.en_mois - 3 * ecart.valeur)
    )
    date_annulation = date_age(naissance, age_annulation)
    regle_annulation = regle_figee(
        "age_annulation_decote",
        f"Droits ouverts en {annee_ouverture} : âge d'annulation de la décote "
        + (
            f"{age_annulation} (limite d'âge − {ecart.valeur} trimestres)"
            if ecart.valeur is not None
            else "sans objet (pas de décote)"
        )
        + f", le {date_fr(date_annulation)}",
        _age(age_annulation),
        ecart,
    )
    return Generation(
        age_legal,
        date_legale,
        limite_age,
        requis_en_vigueur.valeur,
        tuple(regles),
        age_annulation,
        date_annulation,
        taux_trimestre,
        regle_annulation,
        _age(age_legal.valeur),
        _age(age_annulation),
        _age(limite_age.valeur),
    )


def simuler(cas: CasPension | dict[str, Any]) -> ResultatPension:
    """The pension taking effect on ``date_de_liquidation``, with the ordered rules applied (``explication``)."""
    return ResultatPension.model_validate_json(orjson.dumps(_calculer_cas(cas)))


def simuler_json(cas: CasPension | dict[str, Any]) -> bytes:
    """``simuler(cas).model_dump_json()`` as UTF-8 bytes, without building the model."""
    return orjson.dumps(_calculer_cas(cas))


def _calculer_cas(cas: CasPension | dict[str, Any]) -> dict[str, Any]:
    cas = lire_cas(cas)
    if cas.date_de_liquidation is None:
        raise ErreurCas.une(
            "date_de_liquidation",
            "obligatoire",
            "Indiquez la date d'effet de la pension à simuler (date_de_liquidation, AAAA-MM-JJ).",
        )
    try:
        return calculer(cas, cas.date_de_liquidation)
    except ParametreNonCouvert as erreur:
        raise ErreurCas.une(
            "date_de_liquidation",
            "periode_couverte",
            f"Aucune règle « {erreur.nom} » en vigueur le {erreur.date_effet:%d/%m/%Y} : ce module calcule les "
            "pensions prenant effet à partir du 01/01/2004 ; choisissez une date postérieure.",
        ) from None


def categorie_selon_services(cas: CasPension, categorie: str, liquidation: date, explication: list[Regle]) -> str:
    """``categorie`` when ``trimestres_services_actifs`` (for a super-active agent, his super-active services) reach
    its required duration, else the sedentary category."""
    services_actifs = cas.trimestres_services_actifs or 0
    requis = par_generation(SERVICES_REQUIS[categorie], cas.date_de_naissance, liquidation)
    suffisant = services_actifs * 3 >= requis.valeur.en_mois
    nature = "actifs" if categorie == "active" else "super-actifs"
    explication.append(
        regle(
            f"services_{nature.replace('-', '_')}",
            f"Services {nature} : {services_actifs} trimestres pour {requis.valeur} exigés — "
            f"{LIBELLES_CATEGORIES[categorie] if suffisant else 'droits de la catégorie sédentaire'}",
            services_actifs,
            requis,
        )
    )
    return categorie if suffisant else "sedentaire"


def calculer(cas: CasPension, liquidation: date) -> dict[str, Any]:
    """The result of ``cas`` taking effect on ``liquidation``, as a dict in ``ResultatPension``'s field order.
    Raises ``ErreurCas`` (a rule refuses the case) or ``ParametreNonCouvert`` (no rule in force)."""
    naissance = cas.date_de_naissance
    explication: list[Regle] = []

    categorie: str = cas.categorie
    protection = protection_actifs_2011(cas, liquidation)
    if protection is not None:
        categorie = "active"
        explication.append(
            regle(
                "protection_services_actifs_2011",
                f"{cas.trimestres_services_actifs_avant_2011} trimestres de services actifs accomplis avant le "
                f"{date_fr(protection.valeur['date_regles'] + timedelta(days=1))} puis sortie de la catégorie active : "
                "âge d'ouverture et limite d'âge de la catégorie active en vigueur à cette date (loi 2010-1330 ; "
                "diapositive 27)",
                cas.trimestres_services_actifs_avant_2011,
                protection,
            )
        )
    elif categorie in CATEGORIES_ACTIVES and cas.trimestres_services_actifs is not None:
        categorie = categorie_selon_services(cas, categorie, liquidation, explication)

    generation = _generation(
        naissance, categorie, liquidation, protection.valeur["date_regles"] if protection is not None else None
    )
    explication.extend(generation.regles)
    age_legal, date_legale, limite_age = generation.age_legal, generation.date_legale, generation.limite_age
    requis = generation.requis

    enfants = _enfants(cas, liquidation, explication)
    services = _services(cas, liquidation, enfants.jours_gratuits)
    par_mois = valeur("jours_par_mois", liquidation).valeur
    explication.append(
        _regle_services(
            services.jours_liquidation,
            services.trimestres,
            _decompte(cas, liquidation),
            valeur("trimestre_seuil_arrondi_jours", liquidation),
        )
    )
    if services.jours_surcotises:
        surcotisation = valeur("surcotisation_temps_partiel", liquidation)
        explication.append(
            regle(
                "surcotisation_temps_partiel",
                f"Temps partiel surcotisé (décret n° 2003-1306, art. 11, 1° bis) : {nombre_fr(services.jours_surcotises)} "
                f"jours comptés à temps plein en liquidation (au plus {surcotisation.valeur['plafond_trimestres']} "
                "trimestres), compris dans les services",
                float(services.jours_surcotises),
                surcotisation,
            )
        )
    if services.temps_partiel_a_la_quotite:
        explication.append(
            regle(
                "temps_partiel_enfant",
                f"{services.temps_partiel_a_la_quotite} période(s) de temps partiel pour enfant comptée(s) à la "
                "quotité : la gratuité (art. 11, 1°) ne couvre que les enfants nés à partir du "
                f"{date_fr(valeur('bonification_enfant_date_limite', liquidation).valeur)}, jusqu'à leurs "
                f"{valeur('temps_partiel_enfant_age_limite', liquidation).valeur} (indiquez la date de naissance de "
                "l'enfant)",
                services.temps_partiel_a_la_quotite,
                valeur("temps_partiel_enfant_age_limite", liquidation),
            )
        )
    minimum_services = valeur("duree_services_minimum", liquidation)
    if services.jours_effectifs < minimum_services.valeur.en_mois * par_mois and not cas.invalidite:
        raise ErreurCas.une(
            "periodes" if cas.periodes is not None else "trimestres_services",
            "duree_services_minimum",
            f"Moins de {minimum_services.valeur} de services effectifs : pas de pension CNRACL (les services sont "
            "repris au régime général et à l'Ircantec). Vérifiez les services indiqués.",
        )

    article_15 = _bonifications_article_15(cas, services.trimestres, liquidation, explication)
    maximum = valeur("pourcentage_maximum", liquidation)
    maximum_bonifications = valeur("pourcentage_maximum_bonifications", liquidation)
    rachat = rachat_etudes.effet(cas, liquidation, explication)
    base_services = min(services.trimestres + rachat.liquidation, requis)
    plafonnees = min(article_15.plafonnees, max(requis - base_services, 0))
    if plafonnees < article_15.plafonnees:
        explication.append(
            regle(
                "bonification_sapeurs_pompiers_plafond",
                f"Bonification des sapeurs-pompiers professionnels retenue pour {plafonnees} trimestres : elle ne "
                f"peut porter les services et bonifications au-delà des {requis} trimestres du pourcentage maximum "
                "de 75 % (art. 15, II, 2°)",
                plafonnees,
                valeur("bonifications_article_15", liquidation),
            )
        )
    bonifications_article_15 = article_15.autres + plafonnees
    bonifications = bonifications_article_15 + enfants.bonification
    taux, regle_taux = _taux_de_liquidation(base_services, bonifications, requis, maximum, maximum_bonifications)
    explication.append(regle_taux)

    majoration_active = _majoration_active_fph(cas, categorie, services.trimestres, liquidation, explication)
    donnee = cas.duree_assurance_tous_regimes is not None
    duree_assurance = (
        cas.duree_assurance_tous_regimes
        if cas.duree_assurance_tous_regimes is not None
        else services.trimestres_assurance
        + bonifications
        + enfants.majoration_duree
        + majoration_active
        + cas.duree_assurance_autres_regimes
    )
    explication.append(
        _regle_duree_assurance(
            duree_assurance,
            donnee,
            services.trimestres_assurance,
            bonifications,
            enfants.majoration_duree + majoration_active,
            cas.duree_assurance_autres_regimes,
            valeur("duree_assurance_trimestres_par_an", liquidation),
        )
    )
    duree_assurance += rachat.duree_assurance

    date_ouverture, depart_anticipe = date_legale, None
    date_carriere_longue = _carriere_longue(cas, naissance, liquidation, requis, explication)
    if date_carriere_longue is not None and date_carriere_longue < date_legale:
        date_ouverture, depart_anticipe = date_carriere_longue, "carriere_longue"
    if liquidation < date_ouverture:
        if not cas.invalidite:
            raise ErreurCas.une(
                "date_de_liquidation",
                "age_ouverture_droits",
                f"La pension ne peut prendre effet le {liquidation:%d/%m/%Y}, avant l'ouverture des droits le "
                f"{date_ouverture:%d/%m/%Y} (âge légal {age_legal.valeur}) : choisissez une date d'effet "
                "postérieure, ou indiquez invalidite si la retraite est prononcée pour invalidité.",
            )
        depart_anticipe = "invalidite"

    explication.append(generation.regle_annulation)
    date_annulation, taux_trimestre = generation.date_annulation, generation.taux_trimestre

    decote = 0
    exempte = cas.invalidite or cas.handicap
    if not exempte and duree_assurance < requis and liquidation < date_annulation and taux_trimestre.valeur:
        mois, entame = mois_entiers(liquidation, date_annulation)
        par_age = _division_haute(mois + (1 if entame else 0), 3)
        par_duree = requis - duree_assurance
        plafond_decote = valeur("decote_plafond_trimestres", liquidation)
        decote = min(par_age, par_duree, plafond_decote.valeur)
        explication.append(_regle_decote_trimestres(par_age, par_duree, requis, plafond_decote, decote))
    taux_decote, regle_decote = _decote(decote, taux_trimestre, exempte)
    explication.append(regle_decote)

    surcote, taux_surcote = 0, ZERO
    age_surcote = (
        age_legal if categorie == "sedentaire" else par_generation(f"age_surcote_{categorie}", naissance, liquidation)
    )
    debut_surcote = max(date_age(naissance, age_surcote.valeur), valeurs_datees("surcote_taux")[0].date_effet)
    fin_activite = min(liquidation, services.fin) if services.fin else liquidation
    excedent = duree_assurance - bonifications_article_15 - requis
    if decote == 0 and excedent > 0 and fin_activite > debut_surcote:
        explication.append(
            regle(
                "age_surcote",
                f"Trimestres ouvrant la surcote : accomplis à partir de {age_surcote.valeur} "
                f"({date_fr(debut_surcote)}) au-delà des {requis} trimestres requis (bonifications autres que pour "
                f"enfants exclues), soit au plus {excedent}",
                excedent,
                age_surcote,
            )
        )
        surcote, taux_surcote = _surcote(debut_surcote, fin_activite, excedent, liquidation, explication)
    parentale, taux_parentale = _surcote_parentale(
        naissance,
        date_legale,
        age_legal.valeur,
        fin_activite,
        duree_assurance,
        requis,
        enfants,
        liquidation,
        explication,
    )
    taux_surcote += taux_parentale
    coefficient = UN - taux_decote if decote else UN + taux_surcote
    explication.append(
        _regle_coefficient(coefficient, taux_trimestre if decote else valeur("surcote_taux", liquidation))
    )

    point = valeur("point_indice", liquidation)
    pas = arrondi(liquidation)
    if cas.traitement_indiciaire_brut_annuel is not None:
        traitement, regle_traitement = _traitement_fourni(cas.traitement_indiciaire_brut_annuel, point)
    elif cas.indice_majore is not None:
        traitement, regle_traitement = _traitement_indiciaire(cas.indice_majore, point, pas)
    else:  # CasPension refuses a case without either
        raise ErreurCas.une("indice_majore", "traitement_obligatoire", "Indiquez l'indice majoré ou le traitement.")
    explication.append(regle_traitement)

    pension = traitement * taux * coefficient
    plafond = valeur("plafond_pension_traitement", liquidation)
    limite = traitement * decimal(plafond.valeur)
    if pension > limite:
        pension = limite
        explication.append(
            regle(
                "plafond_pension",
                f"Pension plafonnée à {pourcentage_fr(decimal(plafond.valeur))} du traitement",
                euros(limite, pas),
                plafond,
            )
        )
    avant_minimum = euros(pension, pas)
    explication.append(
        regle(
            "pension",
            f"Pension : traitement × {pourcentage_fr(taux)} × {nombre_fr(taux_affiche(coefficient))} = "
            f"{somme_fr(avant_minimum)} € par an",
            avant_minimum,
            maximum,
        )
    )

    pension = _plancher_invalidite(cas, pension, traitement, liquidation, pas, explication)

    if article_15.services_minimum_garanti:
        explication.append(
            regle(
                "minimum_garanti_bonifications",
                f"Minimum garanti : {article_15.services_minimum_garanti} trimestres de bonification des "
                "sapeurs-pompiers professionnels comptés comme services, sans limitation",
                article_15.services_minimum_garanti,
                valeur("bonifications_article_15", liquidation),
            )
        )
    minimum = _minimum_garanti(
        cas,
        services.trimestres + rachat.liquidation + article_15.services_minimum_garanti,
        requis,
        duree_assurance,
        date_ouverture,
        date_annulation,
        liquidation,
        explication,
    )
    minimum_applique = minimum is not None and minimum > pension
    if minimum is not None and minimum_applique:
        pension = minimum

    majoration = _majoration_enfants(cas, pension, limite, liquidation, pas, explication)
    annuelle = euros(pension + majoration, pas)
    mensuelle = euros(en_decimal(annuelle) / 12, pas)
    explication.append(
        regle(
            "arrondi",
            f"Montants arrondis au centime : {somme_fr(annuelle)} € par an, {somme_fr(mensuelle)} € par mois",
            {"annuelle": annuelle, "mensuelle": mensuelle},
            valeur("arrondi_euros", liquidation),
        )
    )
    date_limite = date_age(naissance, limite_age.valeur)
    situation_cumul = cumul(
        cas, annuelle, liquidation, date_legale, date_limite, duree_assurance >= requis, pas, explication
    )
    cout_rachat = _cout_rachat(cas, liquidation, explication)

    return {
        "date_de_liquidation": liquidation,
        "categorie_retenue": categorie,
        "date_ouverture_droits": date_ouverture,
        "age_ouverture_droits": generation.age_legal_ecrit,
        "depart_anticipe": depart_anticipe,
        "age_annulation_decote": generation.age_annulation_ecrit,
        "date_annulation_decote": date_annulation,
        "limite_age": generation.limite_age_ecrite,
        "trimestres_requis": requis,
        "trimestres_services": services.trimestres,
        "trimestres_bonifications": bonifications,
        "trimestres_liquidables": base_services + bonifications,
        "duree_assurance_tous_regimes": duree_assurance,
        "taux_de_liquidation": taux_affiche(taux),
        "decote_trimestres": decote,
        "taux_decote": taux_affiche(taux_decote),
        "surcote_trimestres": surcote,
        "surcote_parentale_trimestres": parentale,
        "taux_surcote": taux_affiche(taux_surcote),
        "coefficient": taux_affiche(coefficient),
        "traitement_de_reference_annuel": euros(traitement, pas),
        "pension_avant_minimum": avant_minimum,
        "minimum_garanti": euros(minimum, pas) if minimum is not None else None,
        "minimum_garanti_applique": minimum_applique,
        "majoration_enfants": euros(majoration, pas) if majoration else 0.0,  # most cases: no majoration
        "pension_brute_annuelle": annuelle,
        "pension_brute_mensuelle": mensuelle,
        "plafond_cumul_emploi_retraite_annuel": situation_cumul.plafond,
        "cumul_libre": situation_cumul.libre,
        "ecretement_annuel": situation_cumul.ecretement,
        "cout_rachat_etudes": cout_rachat,
        "explication": explication,
    }


def _majoration_active_fph(
    cas: CasPension, categorie: str, services: int, date_effet: date, explication: list[Regle]
) -> int:
    """Art. 21-III: a hospital civil servant of the active category gets a tenth of the active services' duration
    as majoration of the durée d'assurance."""
    if categorie != "active" or cas.fonction_publique != "hospitaliere":
        return 0
    fraction = valeur_eventuelle("majoration_duree_active_fph", date_effet)
    if fraction is None:
        return 0
    actifs = cas.trimestres_services_actifs if cas.trimestres_services_actifs is not None else services
    nombre = int(actifs * decimal(fraction.valeur))
    explication.append(
        regle(
            "majoration_duree_active_fph",
            f"Majoration de durée d'assurance des hospitaliers de catégorie active (art. 21, III) : "
            f"{pourcentage_fr(decimal(fraction.valeur))} de {actifs} trimestres de services actifs = {nombre} "
            "trimestres (durée d'assurance seulement)",
            nombre,
            fraction,
        )
    )
    return nombre


def _plancher_invalidite(
    cas: CasPension, pension: Decimal, traitement: Decimal, date_effet: date, pas: Decimal, explication: list[Regle]
) -> Decimal:
    """Art. 34-I: an invalidity of at least 60 % guarantees half the traitement."""
    if not cas.invalidite or cas.taux_invalidite is None:
        return pension
    plancher = valeur("invalidite_minimum_traitement", date_effet)
    seuil, fraction = plancher.valeur["taux_invalidite_minimum"], decimal(plancher.valeur["fraction_traitement"])
    if cas.taux_invalidite < seuil:
        return pension
    montant = traitement * fraction
    applique = montant > pension
    explication.append(
        regle(
            "plancher_invalidite",
            f"Invalidité de {nombre_fr(cas.taux_invalidite)} % (au moins {seuil} %) : pension d'au moins "
            f"{pourcentage_fr(fraction)} du traitement, soit {somme_fr(euros(montant, pas))} € par an (art. 34, I)"
            + (" — appliqué" if applique else " — non atteint"),
            euros(montant, pas),
            plancher,
        )
    )
    return montant if applique else pension


def _minimum_garanti(
    cas: CasPension,
    services: int,
    requis: int,
    duree_assurance: int,
    date_ouverture: date,
    date_annulation: date,
    date_effet: date,
    explication: list[Regle],
) -> Decimal | None:
    """The annual minimum garanti (art. 22 and 65-V), or ``None`` when its conditions are not met."""
    mg100 = valeur("minimum_garanti_mg100", date_effet)  # an uncovered date is reported on the MG100 first
    conditions = valeur_eventuelle("minimum_garanti_conditions_depuis", date_effet)
    if conditions is not None and date_ouverture >= conditions.valeur:
        eligible = cas.invalidite or cas.handicap or duree_assurance >= requis or date_effet >= date_annulation
        if not eligible:
            explication.append(_regle_minimum_non_ouvert(conditions))
            return None
    regle_invalidite = valeur("minimum_garanti_invalidite", date_effet) if cas.invalidite else None
    montant, regle_minimum = _montant_minimum_garanti(
        services, requis, mg100, valeur("minimum_garanti_bareme", date_effet), regle_invalidite, arrondi(date_effet)
    )
    explication.append(regle_minimum)
    return montant


@lru_cache(maxsize=MEMOIRE)
def _regle_minimum_non_ouvert(conditions: Valeur) -> Regle:
    return regle_figee(
        "minimum_garanti",
        "Minimum garanti : non ouvert (durée d'assurance inférieure au nombre requis "
        "et départ avant l'âge d'annulation de la décote, hors invalidité ou handicap)",
        None,
        conditions,
    )


@lru_cache(maxsize=MEMOIRE)
def _montant_minimum_garanti(
    services: int, requis: int, mg100: Valeur, bareme: Valeur, invalidite: Valeur | None, pas: Decimal
) -> tuple[Decimal, Regle]:
    """The amount once the conditions are met: a function of the services, the requirement and the versions in
    force only (computed once per distinct input). ``invalidite``: the rule for an invalidity pension of less
    than 15 years, when the pension is one."""
    echelle = bareme.valeur
    annees = Decimal(services) / 4
    source = bareme
    if annees < echelle["annees_minimum"] and invalidite is not None and invalidite.valeur == "quinzieme_par_annee":
        taux = decimal(echelle["taux_15_ans"]) * annees / echelle["annees_minimum"]
        detail = (
            f"pension d'invalidité : {nombre_fr(annees)} années de services × 1/{echelle['annees_minimum']} "
            f"de {pourcentage_fr(decimal(echelle['taux_15_ans']))}"
        )
        source = invalidite
    elif annees < echelle["annees_minimum"]:
        taux = Decimal(services) / requis
        detail = f"{services} trimestres / {requis}"
    else:
        fin_palier_1 = decimal(echelle["fin_palier_1_annees"])
        taux = (
            decimal(echelle["taux_15_ans"])
            + decimal(echelle["points_palier_1"]) * (min(annees, fin_palier_1) - echelle["annees_minimum"])
            + decimal(echelle["points_palier_2"])
            * max(min(annees, Decimal(echelle["annees_taux_plein"])) - fin_palier_1, ZERO)
        )
        taux = min(taux, decimal(echelle["taux_maximum"]))
        detail = f"{nombre_fr(annees)} années de services"
    base = decimal(mg100.valeur) * 12 * echelle["indice"] / echelle["indice_reference"]
    montant = base * taux
    return montant, regle_figee(
        "minimum_garanti",
        f"Minimum garanti : {nombre_fr(mg100.valeur)} € par mois (indice {echelle['indice_reference']}) × "
        f"{echelle['indice']}/{echelle['indice_reference']} × 12 × {pourcentage_fr(taux)} ({detail}) = "
        f"{somme_fr(euros(montant, pas))} € par an, sans décote ni surcote",
        euros(montant, pas),
        source,
    )


def _majoration_enfants(
    cas: CasPension, pension: Decimal, limite: Decimal, date_effet: date, pas: Decimal, explication: list[Regle]
) -> Decimal:
    minimum = valeur("majoration_enfants_nombre_minimum", date_effet)
    duree = valeur("majoration_enfants_duree_education", date_effet)
    if cas.nombre_enfants is not None:
        nombre = cas.nombre_enfants
    else:
        nombre = sum(
            1
            for enfant in cas.enfants
            if enfant.eleve and date_age(enfant.date_de_naissance, duree.valeur) <= date_effet
        )
    if nombre < minimum.valeur:
        return ZERO
    trois = valeur("majoration_enfants_taux_trois", date_effet)
    supplement = valeur("majoration_enfants_taux_supplementaire", date_effet)
    taux = decimal(trois.valeur) + decimal(supplement.valeur) * (nombre - minimum.valeur)
    majoration: Decimal = min(pension * taux, max(limite - pension, ZERO))
    montant = euros(majoration, pas)
    explication.append(
        regle(
            "majoration_enfants",
            f"Majoration pour {nombre} enfants élevés au moins {duree.valeur} : {pourcentage_fr(taux)}, "
            f"pension majorée plafonnée au traitement = {somme_fr(montant)} € par an",
            montant,
            trois,
        )
    )
    return majoration


def _cout_rachat(cas: CasPension, liquidation: date, explication: list[Regle]) -> float | None:
    """The cost of the rachat d'études asked, on its request day (by default the date de situation, else the
    effect date), at the case's traitement (its index valued on that day)."""
    if cas.rachat_etudes is None:
        return None
    demande = cas.rachat_etudes.date_de_demande or cas.date_de_situation or liquidation
    calcul = rachat_etudes.cout(
        cas.date_de_naissance,
        demande,
        cas.rachat_etudes,
        cas.indice_majore,
        cas.traitement_indiciaire_brut_annuel,
        explication,
    )
    if calcul is None:
        return None
    *_, total = calcul
    return euros(total, arrondi(demande))
