"""The CNRACL liquidation rules (décret n° 2003-1306): pure functions over dated parameters.

This is the core the EIR bilan needs: legal age and limit age by generation and effect date,
trimestres requis, services (30/360 count, 45-day rounding, part time pro rata for liquidation and
full time for the durée d'assurance), the 75 % / 80 % caps, bonification for children born before
2004, décote (20-trimestre cap), surcote (whole trimestres), minimum garanti (current rule),
majoration for 3+ children. Not modelled here: the 2004–2013 transition of the minimum garanti,
carrière longue, surcote parentale, the MDA for children born after 2004, the cumul ceiling.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import ValidationError

from pension.modeles import (
    Age,
    CasPension,
    ErreurCas,
    Estimation,
    PointEstimation,
    Regle,
    ResultatPension,
)
from pension.parametres import Valeur, fichier, par_annee, par_generation, valeur, valeur_fichier


def _cas(cas: CasPension | dict[str, Any]) -> CasPension:
    if isinstance(cas, CasPension):
        return cas
    try:
        return CasPension.model_validate(cas)
    except ValidationError as erreur:
        raise ErreurCas.depuis_validation(erreur) from None


def ajouter(jour: date, ans: int = 0, mois: int = 0) -> date:
    total = jour.year * 12 + jour.month - 1 + ans * 12 + mois
    annee, m = divmod(total, 12)
    return date(annee, m + 1, min(jour.day, calendar.monthrange(annee, m + 1)[1]))


def mois_entre(debut: date, fin: date) -> int:
    """Whole months from ``debut`` to ``fin`` (0 if ``fin`` is before)."""
    mois = (fin.year - debut.year) * 12 + fin.month - debut.month - (1 if fin.day < debut.day else 0)
    return max(mois, 0)


def jours_360(debut: date, fin: date) -> int:
    """Days of a period, ends included, in 30-day months and 360-day years (a calendar year = 360)."""
    j1, j2 = min(debut.day, 30), min(fin.day, 30)
    if fin.month == 2 and fin.day == calendar.monthrange(fin.year, 2)[1]:
        j2 = 30
    return (fin.year - debut.year) * 360 + (fin.month - debut.month) * 30 + (j2 - j1) + 1


def _regle(regles: list[Regle], regle: str, libelle: str, v: Any, source: Valeur | None) -> None:
    reference = {"titre": source.reference.titre, "url": source.reference.url} if source else {}
    regles.append(Regle(regle=regle, libelle=libelle, valeur=v, reference=reference))


def _euros(montant: Decimal) -> float:
    return float(montant.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _trimestres(jours: float, le: date) -> int:
    par_trimestre = valeur("jours_par_trimestre", le).valeur
    seuil = valeur("seuil_arrondi_trimestre", le).valeur
    entiers, reste = divmod(int(round(jours)), par_trimestre)
    return entiers + (1 if reste >= seuil else 0)


def _services(cas: CasPension, le: date) -> tuple[int, int]:
    """(trimestres for liquidation, trimestres for the durée d'assurance)."""
    if cas.periodes is not None:
        liquidation = sum(jours_360(p.debut, p.fin) * p.quotite / 100 for p in cas.periodes)
        assurance = sum(jours_360(p.debut, p.fin) for p in cas.periodes)
        return _trimestres(liquidation, le), _trimestres(assurance, le)
    if cas.trimestres_services is not None:
        return cas.trimestres_services, cas.trimestres_services
    trimestres = _trimestres(cas.duree_services_jours or 0, le)
    return trimestres, trimestres


def simuler(cas: CasPension | dict[str, Any]) -> ResultatPension:
    """The pension at ``date_de_liquidation``, with the ordered rules applied (``explication``)."""
    cas = _cas(cas)
    if cas.date_de_liquidation is None:
        raise ErreurCas([{"champ": "date_de_liquidation", "regle": "obligatoire",
                          "message": "indiquez la date d'effet de la pension à simuler"}])
    liq, naissance, regles = cas.date_de_liquidation, cas.date_de_naissance, []

    aod = par_generation("age_ouverture_droits", naissance, liq, cas.categorie)
    age_aod = Age(ans=aod.valeur["ans"], mois=aod.valeur["mois"])
    date_aod = ajouter(naissance, age_aod.ans, age_aod.mois)
    _regle(regles, "age_ouverture_droits", f"Âge d'ouverture des droits : {age_aod}, soit le {date_aod:%d/%m/%Y}",
           age_aod.model_dump(), aod)
    if liq < date_aod and not cas.invalidite:
        raise ErreurCas([{"champ": "date_de_liquidation", "regle": "age_ouverture_droits",
                          "message": f"avant l'âge d'ouverture des droits ({age_aod}, le {date_aod:%d/%m/%Y}) : "
                                     "choisissez une date postérieure"}])
    limite = par_generation("limite_age", naissance, liq, cas.categorie)
    age_limite = Age(ans=limite.valeur["ans"], mois=limite.valeur["mois"])
    _regle(regles, "limite_age", f"Limite d'âge : {age_limite}", age_limite.model_dump(), limite)

    # Actives: the requirement of the generation reaching 60 when they open rights at 57 (CPCMR L13 II).
    generation = ajouter(naissance, -3) if cas.categorie == "active" else naissance
    requis = par_generation("trimestres_requis", generation, liq)
    trimestres_requis = requis.valeur["valeur"]
    _regle(regles, "trimestres_requis", f"Trimestres requis : {trimestres_requis}", trimestres_requis, requis)

    services, assurance_cnracl = _services(cas, liq)
    bonifications = cas.trimestres_bonifications + _bonification_enfants(cas, liq, regles)
    _regle(regles, "services", f"Services : {services} trimestres (temps partiel au prorata, fraction ≥ 45 jours "
           "comptée pour un trimestre)", services, valeur("seuil_arrondi_trimestre", liq))
    pmax = valeur("pourcentage_maximum", liq)
    pmax_bonif = valeur("pourcentage_maximum_bonifications", liq)
    liquidables = min(services, trimestres_requis) + bonifications
    plafond = int(trimestres_requis * pmax_bonif.valeur / pmax.valeur)
    liquidables = min(liquidables, plafond)
    taux = pmax.valeur * liquidables / trimestres_requis
    _regle(regles, "taux_de_liquidation", f"Taux : {pmax.valeur:.0%} × {liquidables} / {trimestres_requis} "
           f"= {taux:.4%} (plafond {pmax_bonif.valeur:.0%} avec bonifications)", round(taux, 6), pmax)

    duree_assurance = cas.duree_assurance_tous_regimes if cas.duree_assurance_tous_regimes is not None else (
        assurance_cnracl + bonifications + cas.duree_assurance_autres_regimes)
    _regle(regles, "duree_assurance", f"Durée d'assurance tous régimes : {duree_assurance} trimestres",
           duree_assurance, None)

    decote = par_annee("decote", date_aod.year, liq)
    ecart = decote.valeur["ecart_trimestres"]
    date_annulation = ajouter(naissance, age_limite.ans, age_limite.mois - 3 * ecart)
    age_annulation = Age(ans=(age_limite.ans * 12 + age_limite.mois - 3 * ecart) // 12,
                         mois=(age_limite.ans * 12 + age_limite.mois - 3 * ecart) % 12)
    decote_trimestres = 0
    if not (cas.invalidite or cas.handicap) and liq < date_annulation and duree_assurance < trimestres_requis:
        mois = mois_entre(liq, date_annulation)
        if ajouter(liq, 0, mois) < date_annulation:
            mois += 1  # a started month counts: each count is rounded up (art. 20-I)
        manquants_age = -(-mois // 3)
        manquants_duree = trimestres_requis - duree_assurance
        decote_trimestres = min(manquants_age, manquants_duree, fichier("decote")["plafond_trimestres"])
    taux_decote = decote.valeur["taux"] * decote_trimestres
    _regle(regles, "decote", f"Décote : {decote_trimestres} trimestre(s) × {decote.valeur['taux']:.3%} "
           f"(droits ouverts en {date_aod.year}, annulation à {age_annulation})", decote_trimestres, decote)

    surcote_trimestres = 0
    surcote = valeur("surcote_taux", liq)
    if liq > date_aod and duree_assurance > trimestres_requis:
        surcote_trimestres = min(mois_entre(date_aod, liq) // 3, duree_assurance - trimestres_requis)
    taux_surcote = surcote.valeur * surcote_trimestres
    _regle(regles, "surcote", f"Surcote : {surcote_trimestres} trimestre(s) entier(s) × {surcote.valeur:.2%}",
           surcote_trimestres, surcote)
    coefficient = 1 - taux_decote if decote_trimestres else 1 + taux_surcote

    if cas.traitement_indiciaire_brut_annuel is not None:
        traitement = Decimal(str(cas.traitement_indiciaire_brut_annuel))
        _regle(regles, "traitement", f"Traitement indiciaire brut annuel : {traitement} €", float(traitement), None)
    else:
        point = valeur("valeur_point_indice", liq)
        traitement = Decimal(cas.indice_majore) * Decimal(str(point.valeur))  # type: ignore[arg-type]
        _regle(regles, "traitement", f"Traitement : indice {cas.indice_majore} × {point.valeur} €/an",
               _euros(traitement), point)
    pension = traitement * Decimal(str(taux)) * Decimal(str(coefficient))
    avant_minimum = pension
    minimum = _minimum_garanti(cas, liq, services, trimestres_requis, duree_assurance >= trimestres_requis
                               or liq >= date_annulation or cas.invalidite or cas.handicap, regles)
    minimum_applique = minimum is not None and minimum > pension
    if minimum_applique:
        pension = minimum  # type: ignore[assignment]

    majoration = Decimal(0)
    enfants = cas.enfants_eleves
    if enfants >= 3:
        base, supplement = valeur("majoration_enfants_base", liq), valeur("majoration_enfants_supplement", liq)
        pourcentage = base.valeur + supplement.valeur * (enfants - 3)
        majoration = min(pension * Decimal(str(pourcentage)), max(traitement - pension, Decimal(0)))
        _regle(regles, "majoration_enfants", f"Majoration pour {enfants} enfants : {pourcentage:.0%} "
               "(pension majorée plafonnée au traitement)", _euros(majoration), base)
    annuelle = _euros(pension + majoration)
    return ResultatPension(
        date_de_liquidation=liq, date_ouverture_droits=date_aod, age_ouverture_droits=age_aod,
        age_annulation_decote=age_annulation, limite_age=age_limite, trimestres_requis=trimestres_requis,
        trimestres_services=services, trimestres_liquidables=liquidables, duree_assurance_tous_regimes=duree_assurance,
        taux_de_liquidation=round(taux, 6), decote_trimestres=decote_trimestres, taux_decote=round(taux_decote, 6),
        surcote_trimestres=surcote_trimestres, taux_surcote=round(taux_surcote, 6),
        coefficient=round(coefficient, 6), traitement_de_reference_annuel=_euros(traitement),
        pension_avant_minimum=_euros(avant_minimum),
        minimum_garanti=_euros(minimum) if minimum is not None else None, minimum_garanti_applique=minimum_applique,
        majoration_enfants=_euros(majoration), pension_brute_annuelle=annuelle,
        pension_brute_mensuelle=_euros(Decimal(str(annuelle)) / 12), explication=regles,
    )


def _bonification_enfants(cas: CasPension, le: date, regles: list[Regle]) -> int:
    """4 trimestres per child born or adopted before 2004 for whom activity was interrupted (art. 15-I-2°)."""
    limite = date.fromisoformat(str(valeur("date_limite_bonification_enfant", le).valeur))
    enfants = [e for e in cas.enfants if e.date_de_naissance < limite and e.interruption_activite]
    if not enfants:
        return 0
    par_enfant = valeur("bonification_enfant_avant_2004", le)
    _regle(regles, "bonification_enfants", f"Bonification pour {len(enfants)} enfant(s) né(s) avant 2004 avec "
           f"interruption d'activité : {par_enfant.valeur} trimestres chacun", par_enfant.valeur * len(enfants), par_enfant)
    return par_enfant.valeur * len(enfants)


def _minimum_garanti(cas: CasPension, le: date, services: int, requis: int, eligible: bool,
                     regles: list[Regle]) -> Decimal | None:
    """The annual minimum garanti (art. 22), or ``None`` when its conditions are not met."""
    if not eligible:
        _regle(regles, "minimum_garanti", "Minimum garanti : non ouvert (durée d'assurance inférieure au nombre "
               "requis avant l'âge d'annulation de la décote)", None, valeur_fichier("minimum_garanti", le))
        return None
    mg100 = valeur_fichier("minimum_garanti", le)
    b = fichier("minimum_garanti")["bareme"]
    annees = Decimal(services) / 4
    if annees < b["annees_palier_1"]:
        taux = Decimal(services) / Decimal(requis)
    else:
        taux = (Decimal(str(b["taux_palier_1"]))
                + Decimal(str(b["points_par_an_jusqu_a_30"])) * (min(annees, Decimal(30)) - b["annees_palier_1"])
                + Decimal(str(b["points_par_an_jusqu_a_40"])) * max(min(annees, Decimal(b["annees_taux_plein"])) - 30, 0))
    montant = Decimal(str(mg100.valeur)) * 12 * taux
    _regle(regles, "minimum_garanti", f"Minimum garanti : {mg100.valeur} €/mois × {float(taux):.2%} "
           f"({float(annees):g} années de services), sans décote ni surcote", _euros(montant), mg100)
    return montant


def _poursuivre(cas: CasPension, depart: date) -> CasPension:
    """The case with services continued at the last quotité until the day before ``depart``."""
    if not cas.periodes:
        return cas.model_copy(update={"date_de_liquidation": depart})
    derniere = max(cas.periodes, key=lambda p: p.fin)
    periodes = list(cas.periodes)
    if derniere.fin < depart - timedelta(days=1):
        periodes.append(derniere.model_copy(update={"debut": derniere.fin + timedelta(days=1),
                                                    "fin": depart - timedelta(days=1)}))
    return cas.model_copy(update={"date_de_liquidation": depart, "periodes": periodes})


def estimer(cas: CasPension | dict[str, Any]) -> Estimation:
    """The amounts at the key ages the EIG and the EIR bilan show: the legal age, each year after it
    up to the age where the décote ends, and that age (or the limit age)."""
    cas = _cas(cas)
    reference = cas.date_de_liquidation or (max(p.fin for p in cas.periodes) if cas.periodes else None)
    if reference is None:
        raise ErreurCas([{"champ": "date_de_liquidation", "regle": "obligatoire",
                          "message": "indiquez des périodes ou une date de référence (date_de_liquidation)"}])
    premier = simuler(_poursuivre(cas, _date_aod(cas, reference)))
    annulation = ajouter(cas.date_de_naissance, premier.age_annulation_decote.ans, premier.age_annulation_decote.mois)
    dates = [premier.date_ouverture_droits]
    annee = 1
    while ajouter(premier.date_ouverture_droits, annee) < annulation:
        dates.append(ajouter(premier.date_ouverture_droits, annee))
        annee += 1
    if annulation > dates[-1]:
        dates.append(annulation)
    points = []
    for i, depart in enumerate(dates):
        r = premier if i == 0 else simuler(_poursuivre(cas, depart))
        age = Age(ans=mois_entre(cas.date_de_naissance, depart) // 12, mois=mois_entre(cas.date_de_naissance, depart) % 12)
        if i == 0:
            libelle = f"À l'âge légal ({age})"
        elif depart == annulation:
            libelle = f"À {age}, âge d'annulation de la décote"
        else:
            libelle = f"À {age}"
        points.append(PointEstimation(
            libelle=libelle, age=age, date_de_liquidation=depart, trimestres_liquidables=r.trimestres_liquidables,
            taux_de_liquidation=r.taux_de_liquidation, coefficient=r.coefficient,
            pension_brute_annuelle=r.pension_brute_annuelle, pension_brute_mensuelle=r.pension_brute_mensuelle))
    return Estimation(
        hypothese="Services poursuivis à la dernière quotité jusqu'à chaque date de départ ; "
                  "paramètres légaux en vigueur à chaque date.",
        points=points)


def _date_aod(cas: CasPension, le: date) -> date:
    aod = par_generation("age_ouverture_droits", cas.date_de_naissance, le, cas.categorie).valeur
    depart = ajouter(cas.date_de_naissance, aod["ans"], aod["mois"])
    # The rules in force at that date may set another age (a reform between now and then).
    aod = par_generation("age_ouverture_droits", cas.date_de_naissance, depart, cas.categorie).valeur
    return ajouter(cas.date_de_naissance, aod["ans"], aod["mois"])
