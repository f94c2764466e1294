"""The CNRACL liquidation rules (décret n° 2003-1306, CPCMR): a pure function over dated parameters.

``simuler(cas)`` applies, in order: category (services actifs), âge d'ouverture des droits, limite d'âge,
trimestres requis, services (30-day months, part time pro rata, 45-day rounding), children (bonification
before 2004, free periods and MDA after, disabled child), liquidation rate with the 75 % / 80 % caps,
durée d'assurance, carrière longue, décote, surcote and surcote parentale, traitement, 100 % cap, minimum
garanti, majoration for 3+ children, rounding, cumul emploi-retraite ceiling. Every step adds a ``Regle``
to ``explication`` with the value used and the reference of the parameter it comes from. No legal number is
written here: they are all in ``pension/parametres/*.yaml``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from pydantic import ValidationError

from pension.dates import ajouter_mois, date_age, jours_360, mois_entiers
from pension.modeles import Age, CasPension, ErreurCas, ResultatPension
from pension.parametres import (
    Duree,
    ParametreNonCouvert,
    Valeur,
    par_annee,
    par_generation,
    valeur,
    valeurs_datees,
)
from pension.parametres import Reference as ReferenceParametre

UN = Decimal(1)
ZERO = Decimal(0)


def lire_cas(cas: CasPension | dict[str, Any]) -> CasPension:
    """A validated case; pydantic errors become an ``ErreurCas`` with French messages."""
    if isinstance(cas, CasPension):
        return cas
    if not isinstance(cas, dict):
        raise ErreurCas.une("cas", "objet", "Le cas doit être un objet JSON (des champs entre accolades).")
    try:
        return CasPension.model_validate(cas)
    except ValidationError as erreur:
        raise ErreurCas.depuis_validation(erreur) from None


class Explication(list):
    """The rules applied, as plain dicts validated in one pass when the result is built."""

    def ajouter(self, regle: str, libelle: str, v: Any, source: Valeur) -> None:
        self.append({"regle": regle, "libelle": libelle, "valeur": v, "reference": _reference(source.reference)})


@cache
def _reference(reference: ReferenceParametre) -> dict[str, str]:
    return {"titre": reference.titre, "url": reference.url}


def _euros(montant: Decimal, le: date) -> float:
    return float(montant.quantize(_pas(valeur("arrondi_euros", le).valeur["centimes"]), rounding=ROUND_HALF_UP))


@cache
def _pas(centimes: int) -> Decimal:
    return Decimal(1).scaleb(-centimes)


def _fr(nombre: Any) -> str:
    """A number written the French way: 5 623,23 ; 0,85."""
    texte = f"{nombre:,}" if isinstance(nombre, int) else f"{Decimal(str(nombre)).normalize():,f}"
    return texte.translate(_FRANCAIS)


def _fr_euros(montant: float) -> str:
    """An amount already rounded to the cent, with its two decimals: 8 975,40."""
    return f"{montant:,.2f}".translate(_FRANCAIS)


_FRANCAIS = str.maketrans({",": " ", ".": ","})


def _pct(taux: Decimal) -> str:
    return f"{float(taux) * 100:.4g} %".replace(".", ",")


def _age(d: Duree) -> Age:
    return Age(ans=d.ans, mois=d.mois)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@dataclass
class Services:
    jours_liquidation: Decimal  # quotité applied, free child periods at full time
    trimestres: int  # after the final 45-day rounding
    trimestres_assurance: int  # CNRACL durée d'assurance (full time, ≤ 4 per civil year, rounded up)
    jours_effectifs: int  # services that count for the minimum duration (validated services excluded)
    fin: date | None  # day after the last period, when periods are given


def _trimestres(jours: Decimal, le: date) -> int:
    par_trimestre = valeur("jours_par_trimestre", le).valeur
    seuil = valeur("trimestre_seuil_arrondi_jours", le).valeur
    entiers, reste = divmod(jours, par_trimestre)
    return int(entiers) + (1 if reste >= seuil else 0)


def _services(cas: CasPension, le: date, jours_gratuits: int) -> Services:
    par_mois = valeur("jours_par_mois", le).valeur
    par_trimestre = valeur("jours_par_trimestre", le).valeur
    max_an = valeur("duree_assurance_trimestres_par_an", le).valeur * par_trimestre
    arrondi = valeur("duree_assurance_arrondi", le).valeur
    if cas.periodes is not None:
        natures = valeur("natures_de_periode", le).valeur
        depuis = valeur("bonification_enfant_date_limite", le).valeur
        liquidation, effectifs, par_annee_civile = Decimal(jours_gratuits), 0, {}
        for p in cas.periodes:
            jours = jours_360(p.debut, p.fin, par_mois)
            regle = natures[p.nature]
            mode = (
                regle.get("liquidation_depuis_2004", regle["liquidation"])
                if p.debut >= depuis
                else regle["liquidation"]
            )
            if mode == "non":
                continue
            liquidation += jours * (UN if mode == "temps_plein" else Decimal(str(p.quotite)) / 100)
            if regle["services_effectifs"]:
                effectifs += jours
            for annee in range(p.debut.year, p.fin.year + 1):
                debut, fin = max(p.debut, date(annee, 1, 1)), min(p.fin, date(annee, 12, 31))
                par_annee_civile[annee] = par_annee_civile.get(annee, 0) + jours_360(debut, fin, par_mois)
        assurance = sum(min(j, max_an) for j in par_annee_civile.values()) + jours_gratuits
        fin = max(p.fin for p in cas.periodes) + timedelta(days=1) if cas.periodes else None
    else:
        jours = cas.duree_services_jours if cas.trimestres_services is None else cas.trimestres_services * par_trimestre
        liquidation, effectifs, assurance, fin = Decimal(jours + jours_gratuits), jours, jours + jours_gratuits, None
    trimestres_assurance = _ceil_div(assurance, par_trimestre) if arrondi == "superieur" else assurance // par_trimestre
    return Services(liquidation, _trimestres(liquidation, le), trimestres_assurance, effectifs, fin)


@dataclass
class Enfants:
    bonification: int  # liquidation and durée d'assurance (born before 2004)
    majoration_duree: int  # durée d'assurance only (MDA born from 2004, disabled child)
    jours_gratuits: int  # free periods counted in the services (born from 2004)


def _enfants(cas: CasPension, le: date, x: Explication) -> Enfants:
    if not cas.enfants:
        return Enfants(0, 0, 0)
    limite = valeur("bonification_enfant_date_limite", le)
    par_enfant = valeur("bonification_enfant_trimestres", le)
    mda = valeur("mda_enfant_trimestres", le)
    seuil_mda = valeur("mda_enfant_seuil_interruption_mois", le)
    plafond_gratuit = valeur("interruption_enfant_plafond_mois", le)
    handicap = valeur("mda_enfant_handicape", le)
    par_mois = valeur("jours_par_mois", le).valeur
    avant = [e for e in cas.enfants if e.date_de_naissance < limite.valeur and e.interruption_activite]
    apres = [e for e in cas.enfants if limite.valeur <= e.date_de_naissance <= le]
    bonification = par_enfant.valeur * len(avant)
    if avant:
        x.ajouter(
            "bonification_enfants",
            f"Bonification pour {len(avant)} enfant(s) né(s) avant le "
            f"{limite.valeur:%d/%m/%Y} avec interruption d'activité : {par_enfant.valeur} trimestres chacun",
            bonification,
            par_enfant,
        )
    mois_gratuits = sum(min(e.interruption_mois, plafond_gratuit.valeur) for e in apres)
    if mois_gratuits:
        x.ajouter(
            "interruptions_enfants",
            f"Interruptions ou réductions d'activité pour enfants nés à partir de "
            f"{limite.valeur:%Y} comptées gratuitement dans les services : {mois_gratuits} mois "
            f"(au plus {plafond_gratuit.valeur} mois par enfant)",
            mois_gratuits,
            plafond_gratuit,
        )
    avec_mda = [e for e in apres if e.accouchement_apres_recrutement and e.interruption_mois < seuil_mda.valeur]
    majoration = mda.valeur * len(avec_mda)
    if avec_mda:
        x.ajouter(
            "majoration_duree_enfants",
            f"Majoration de durée d'assurance pour {len(avec_mda)} enfant(s) né(s) "
            f"à partir de {limite.valeur:%Y} : {mda.valeur} trimestres chacun (durée d'assurance seulement ; "
            f"supprimée si l'interruption atteint {seuil_mda.valeur} mois)",
            majoration,
            mda,
        )
    mda_handicap = sum(
        min(e.mois_education_handicap // handicap.valeur["mois_par_trimestre"], handicap.valeur["plafond_trimestres"])
        for e in cas.enfants
    )
    if mda_handicap:
        majoration += mda_handicap
        x.ajouter(
            "majoration_duree_enfant_handicape",
            f"Majoration pour enfant handicapé : 1 trimestre par "
            f"{handicap.valeur['mois_par_trimestre']} mois d'éducation, au plus "
            f"{handicap.valeur['plafond_trimestres']} par enfant",
            mda_handicap,
            handicap,
        )
    return Enfants(bonification, majoration, mois_gratuits * par_mois)


def _carriere_longue(cas: CasPension, naissance: date, le: date, requis: int, x: Explication) -> date | None:
    cl = cas.carriere_longue
    if cl is None:
        return None
    try:
        table = par_generation("carriere_longue", naissance, le)
        debut = valeur("carriere_longue_trimestres_debut", le)
    except ParametreNonCouvert:
        raise ErreurCas.une(
            "carriere_longue",
            "carriere_longue_periode",
            f"Les règles de carrière longue en vigueur le {le:%d/%m/%Y} ne sont pas couvertes "
            "(dispositif modélisé pour les pensions prenant effet à partir du 01/11/2012) : "
            "retirez carriere_longue ou choisissez une date postérieure.",
        ) from None
    seuil_debut = debut.valeur["ne_au_dernier_trimestre" if naissance.month >= 10 else "general"]
    retenu = None
    for s in sorted(table.valeur, key=lambda s: s["age_depart"]):
        jeune = max((n for a, n in cl.trimestres_fin_annee.items() if a <= s["age_debut"]), default=0)
        duree = requis + s["trimestres_en_sus"]
        if jeune >= seuil_debut and cl.duree_cotisee >= duree:
            retenu = (s, duree)
            break
    if retenu is None:
        x.ajouter(
            "carriere_longue",
            f"Carrière longue : conditions non remplies (au moins {seuil_debut} trimestres "
            "à la fin de l'année de l'anniversaire de début et durée cotisée suffisante)",
            None,
            table,
        )
        return None
    s, duree = retenu
    jour = date_age(naissance, s["age_depart"])
    x.ajouter(
        "carriere_longue",
        f"Carrière longue : début avant la fin de l'année des {s['age_debut']} ans "
        f"({seuil_debut} trimestres), {cl.duree_cotisee} trimestres cotisés pour {duree} exigés : départ possible "
        f"à {s['age_depart']}, le {jour:%d/%m/%Y}",
        {"age_depart": _age(s["age_depart"]).model_dump(), "duree_cotisee_exigee": duree},
        table,
    )
    return jour


def _segments(debut: date, fin: date, noms: tuple[str, ...]) -> list[tuple[date, date]]:
    """[debut, fin) cut at every date a version of one of the parameters ``noms`` starts."""
    coupures = sorted({v.date_effet for n in noms for v in valeurs_datees(n) if debut < v.date_effet < fin})
    bornes = [debut, *coupures, fin]
    return list(itertools.pairwise(bornes))


def _surcote(naissance: date, debut: date, fin: date, excedent: int, le: date, x: Explication) -> tuple[int, Decimal]:
    """(trimestres, rate) of surcote for the trimestres accomplished in [debut, fin), at most ``excedent``."""
    comptes = []
    for a, b in _segments(debut, fin, ("surcote_taux", "surcote_decompte")):
        mode = valeur("surcote_decompte", a)
        taux = valeur("surcote_taux", a)
        mois, entame = mois_entiers(a, b)
        n = mois // 3 if mode.valeur == "trimestre_entier" else _ceil_div(mois + (1 if entame else 0), 3)
        comptes.append([n, taux, mode])
    plafond = valeur("surcote_plafond_trimestres", le)
    limite = excedent if plafond.valeur is None else min(excedent, plafond.valeur)
    surplus = sum(c[0] for c in comptes) - limite
    for c in comptes:  # the trimestres beyond the requirement are the latest ones: drop the earliest first
        retire = min(c[0], max(surplus, 0))
        c[0] -= retire
        surplus -= retire
    total = sum(c[0] for c in comptes)
    taux_total = sum((Decimal(str(c[1].valeur)) * c[0] for c in comptes), ZERO)
    for n, taux, mode in comptes:
        if n:
            x.ajouter(
                "surcote",
                f"Surcote : {n} trimestre(s) × {_pct(Decimal(str(taux.valeur)))} "
                f"({'trimestres entiers' if mode.valeur == 'trimestre_entier' else 'trimestres commencés'} "
                f"accomplis à partir du {taux.date_effet:%d/%m/%Y})",
                n,
                taux,
            )
    if plafond.valeur is not None and total == plafond.valeur:
        x.ajouter("surcote_plafond", f"Surcote plafonnée à {plafond.valeur} trimestres", plafond.valeur, plafond)
    return total, taux_total


def simuler(cas: CasPension | dict[str, Any]) -> ResultatPension:
    """The pension taking effect on ``date_de_liquidation``, with the ordered rules applied (``explication``)."""
    cas = lire_cas(cas)
    if cas.date_de_liquidation is None:
        raise ErreurCas.une(
            "date_de_liquidation",
            "obligatoire",
            "Indiquez la date d'effet de la pension à simuler (date_de_liquidation, AAAA-MM-JJ).",
        )
    try:
        return _simuler(cas, cas.date_de_liquidation)
    except ParametreNonCouvert as e:
        raise ErreurCas.une(
            "date_de_liquidation",
            "periode_couverte",
            f"Aucune règle « {e.nom} » en vigueur le {e.date_effet:%d/%m/%Y} : ce module calcule les "
            "pensions prenant effet à partir du 01/01/2004 ; choisissez une date postérieure.",
        ) from None


def _simuler(cas: CasPension, liq: date) -> ResultatPension:
    naissance, x = cas.date_de_naissance, Explication()

    categorie = cas.categorie
    if categorie == "active" and cas.trimestres_services_actifs is not None:
        requis_actifs = par_generation("duree_services_actifs_requise", naissance, liq)
        suffisant = cas.trimestres_services_actifs * 3 >= requis_actifs.valeur.en_mois
        categorie = "active" if suffisant else "sedentaire"
        x.ajouter(
            "services_actifs",
            f"Services actifs : {cas.trimestres_services_actifs} trimestres pour "
            f"{requis_actifs.valeur} exigés — {'catégorie active' if suffisant else 'droits de la catégorie sédentaire'}",
            cas.trimestres_services_actifs,
            requis_actifs,
        )

    aod = par_generation(f"age_ouverture_droits_{categorie}", naissance, liq)
    date_aod = date_age(naissance, aod.valeur)
    x.ajouter(
        "age_ouverture_droits",
        f"Âge d'ouverture des droits ({'catégorie active' if categorie == 'active' else 'sédentaire'}) : "
        f"{aod.valeur}, atteint le {date_aod:%d/%m/%Y}",
        _age(aod.valeur).model_dump(),
        aod,
    )
    la = par_generation(f"limite_age_{categorie}", naissance, liq)
    x.ajouter(
        "limite_age",
        f"Limite d'âge : {la.valeur}, atteinte le {date_age(naissance, la.valeur):%d/%m/%Y}",
        _age(la.valeur).model_dump(),
        la,
    )

    if categorie == "active":
        reference_active = valeur("trimestres_requis_active_age_reference", liq)
        generation = ajouter_mois(date_aod, -reference_active.valeur.en_mois)
        x.ajouter(
            "trimestres_requis_active",
            f"Catégorie active : trimestres requis de la génération qui atteint "
            f"{reference_active.valeur} à l'ouverture des droits (née le {generation:%d/%m/%Y})",
            generation.isoformat(),
            reference_active,
        )
    else:
        generation = naissance
    requis_v = par_generation("trimestres_requis", generation, liq)
    requis = requis_v.valeur
    x.ajouter(
        "trimestres_requis", f"Trimestres requis pour le taux maximum et le taux plein : {requis}", requis, requis_v
    )

    enfants = _enfants(cas, liq, x)
    services = _services(cas, liq, enfants.jours_gratuits)
    x.ajouter(
        "services",
        f"Services : {_fr(services.jours_liquidation)} jours (mois de {valeur('jours_par_mois', liq).valeur} "
        f"jours, temps partiel au prorata) soit {services.trimestres} trimestres, fraction d'au moins "
        f"{valeur('trimestre_seuil_arrondi_jours', liq).valeur} jours comptée pour un trimestre",
        services.trimestres,
        valeur("trimestre_seuil_arrondi_jours", liq),
    )
    minimum = valeur("duree_services_minimum", liq)
    if services.jours_effectifs < minimum.valeur.en_mois * valeur("jours_par_mois", liq).valeur and not cas.invalidite:
        raise ErreurCas.une(
            "periodes" if cas.periodes is not None else "trimestres_services",
            "duree_services_minimum",
            f"Moins de {minimum.valeur} de services effectifs : pas de pension CNRACL (les services sont "
            "repris au régime général et à l'Ircantec). Vérifiez les services indiqués.",
        )

    bonifications = cas.trimestres_bonifications + enfants.bonification
    if cas.trimestres_bonifications:
        x.ajouter(
            "bonifications",
            f"Bonifications (art. 15) : {cas.trimestres_bonifications} trimestres",
            cas.trimestres_bonifications,
            valeur("pourcentage_maximum_bonifications", liq),
        )
    pmax, pmax_bonif = valeur("pourcentage_maximum", liq), valeur("pourcentage_maximum_bonifications", liq)
    base_services = min(services.trimestres, requis)
    taux = Decimal(str(pmax.valeur)) * (base_services + bonifications) / requis
    plafond_taux = Decimal(str(pmax_bonif.valeur)) if bonifications else Decimal(str(pmax.valeur))
    taux = min(taux, plafond_taux)
    x.ajouter(
        "taux_de_liquidation",
        f"Taux de liquidation : {_pct(Decimal(str(pmax.valeur)))} × ({base_services} "
        f"trimestres de services retenus + {bonifications} de bonifications) / {requis} = {_pct(taux)} (services "
        f"au-delà du nombre requis non rémunérés ; plafond {_pct(plafond_taux)})",
        round(float(taux), 6),
        pmax_bonif if bonifications else pmax,
    )

    if cas.duree_assurance_tous_regimes is not None:
        duree_assurance = cas.duree_assurance_tous_regimes
        detail = "valeur fournie par le cas"
    else:
        duree_assurance = (
            services.trimestres_assurance
            + bonifications
            + enfants.majoration_duree
            + cas.duree_assurance_autres_regimes
        )
        detail = (
            f"{services.trimestres_assurance} CNRACL à temps plein + {bonifications} bonifications + "
            f"{enfants.majoration_duree} majorations + {cas.duree_assurance_autres_regimes} autres régimes"
        )
    x.ajouter(
        "duree_assurance",
        f"Durée d'assurance tous régimes : {duree_assurance} trimestres ({detail})",
        duree_assurance,
        valeur("duree_assurance_trimestres_par_an", liq),
    )

    date_ouverture, depart_anticipe = date_aod, None
    date_cl = _carriere_longue(cas, naissance, liq, requis, x)
    if date_cl is not None and date_cl < date_aod:
        date_ouverture, depart_anticipe = date_cl, "carriere_longue"
    if liq < date_ouverture:
        if not cas.invalidite:
            raise ErreurCas.une(
                "date_de_liquidation",
                "age_ouverture_droits",
                f"La pension ne peut prendre effet le {liq:%d/%m/%Y}, avant l'ouverture des droits le "
                f"{date_ouverture:%d/%m/%Y} (âge légal {aod.valeur}) : choisissez une date d'effet "
                "postérieure, ou indiquez invalidite si la retraite est prononcée pour invalidité.",
            )
        depart_anticipe = "invalidite"

    # The year the age condition is met at the legal age (an early departure for carrière longue does not move
    # the âge d'annulation: the durée is complete by construction) [D].
    annee_ouverture = date_aod.year
    ecart = par_annee("decote_ecart_age_annulation", annee_ouverture, liq)
    taux_trimestre = par_annee("decote_taux", annee_ouverture, liq)
    age_annulation = aod.valeur if ecart.valeur is None else Duree.depuis_mois(la.valeur.en_mois - 3 * ecart.valeur)
    date_annulation = date_age(naissance, age_annulation)
    x.ajouter(
        "age_annulation_decote",
        f"Droits ouverts en {annee_ouverture} : âge d'annulation de la décote "
        + (
            f"{age_annulation} (limite d'âge − {ecart.valeur} trimestres)"
            if ecart.valeur is not None
            else "sans objet (pas de décote)"
        )
        + f", le {date_annulation:%d/%m/%Y}",
        _age(age_annulation).model_dump(),
        ecart,
    )

    decote = 0
    exempte = cas.invalidite or cas.handicap
    if not exempte and duree_assurance < requis and liq < date_annulation and taux_trimestre.valeur:
        mois, entame = mois_entiers(liq, date_annulation)
        par_age = _ceil_div(mois + (1 if entame else 0), 3)
        par_duree = requis - duree_assurance
        plafond_decote = valeur("decote_plafond_trimestres", liq)
        decote = min(par_age, par_duree, plafond_decote.valeur)
        x.ajouter(
            "decote_trimestres",
            f"Trimestres manquants : le plus petit de {par_age} (jusqu'à l'âge d'annulation, "
            f"arrondi au supérieur) et {par_duree} (pour atteindre {requis}), plafonné à {plafond_decote.valeur} : "
            f"{decote}",
            decote,
            plafond_decote,
        )
    taux_decote = Decimal(str(taux_trimestre.valeur)) * decote
    x.ajouter(
        "decote",
        f"Décote : {decote} × {_pct(Decimal(str(taux_trimestre.valeur)))} = {_pct(taux_decote)}"
        + (" (exonération : invalidité ou handicap)" if exempte else ""),
        round(float(taux_decote), 6),
        taux_trimestre,
    )

    surcote, taux_surcote, parentale = 0, ZERO, 0
    age_surcote = aod if categorie == "sedentaire" else par_generation("age_surcote_active", naissance, liq)
    debut_surcote = max(date_age(naissance, age_surcote.valeur), valeurs_datees("surcote_taux")[0].date_effet)
    fin_activite = min(liq, services.fin) if services.fin else liq
    excedent = duree_assurance - cas.trimestres_bonifications - requis
    if decote == 0 and excedent > 0 and fin_activite > debut_surcote:
        x.ajouter(
            "age_surcote",
            f"Trimestres ouvrant la surcote : accomplis à partir de {age_surcote.valeur} "
            f"({debut_surcote:%d/%m/%Y}) au-delà des {requis} trimestres requis (bonifications autres que pour "
            f"enfants exclues), soit au plus {excedent}",
            excedent,
            age_surcote,
        )
        surcote, taux_surcote = _surcote(naissance, debut_surcote, fin_activite, excedent, liq, x)
    parentale, taux_parentale = _surcote_parentale(
        naissance, date_aod, aod.valeur, fin_activite, duree_assurance, requis, enfants, liq, x
    )
    taux_surcote += taux_parentale
    coefficient = UN - taux_decote if decote else UN + taux_surcote
    x.ajouter(
        "coefficient",
        f"Coefficient : {_fr(round(float(coefficient), 6))}",
        round(float(coefficient), 6),
        taux_trimestre if decote else valeur("surcote_taux", liq),
    )

    if cas.traitement_indiciaire_brut_annuel is not None:
        traitement = Decimal(str(cas.traitement_indiciaire_brut_annuel))
        x.ajouter(
            "traitement",
            f"Traitement indiciaire brut annuel fourni : {_fr(traitement)} €",
            float(traitement),
            valeur("point_indice", liq),
        )
    else:
        point = valeur("point_indice", liq)
        traitement = Decimal(cas.indice_majore) * Decimal(str(point.valeur)) / 100  # type: ignore[arg-type]
        x.ajouter(
            "traitement",
            f"Traitement : indice majoré {cas.indice_majore} × {_fr(point.valeur)} € / 100 = "
            f"{_fr_euros(_euros(traitement, liq))} € par an",
            _euros(traitement, liq),
            point,
        )

    pension = traitement * taux * coefficient
    plafond = valeur("plafond_pension_traitement", liq)
    limite = traitement * Decimal(str(plafond.valeur))
    if pension > limite:
        pension = limite
        x.ajouter(
            "plafond_pension",
            f"Pension plafonnée à {_pct(Decimal(str(plafond.valeur)))} du traitement",
            _euros(limite, liq),
            plafond,
        )
    avant_minimum = pension
    x.ajouter(
        "pension",
        f"Pension : traitement × {_pct(taux)} × {_fr(round(float(coefficient), 6))} = {_fr_euros(_euros(pension, liq))} € "
        "par an",
        _euros(pension, liq),
        valeur("pourcentage_maximum", liq),
    )

    minimum = _minimum_garanti(
        cas, services.trimestres, requis, duree_assurance, date_ouverture, date_annulation, liq, x
    )
    minimum_applique = minimum is not None and minimum > pension
    if minimum_applique:
        pension = minimum  # type: ignore[assignment]

    majoration = _majoration_enfants(cas, pension, limite, liq, x)
    annuelle = _euros(pension + majoration, liq)
    mensuelle = _euros(Decimal(str(annuelle)) / 12, liq)
    x.ajouter(
        "arrondi",
        f"Montants arrondis au centime : {_fr_euros(annuelle)} € par an, {_fr_euros(mensuelle)} € par mois",
        {"annuelle": annuelle, "mensuelle": mensuelle},
        valeur("arrondi_euros", liq),
    )
    plafond_cumul = _plafond_cumul(annuelle, liq, x)

    return ResultatPension(
        date_de_liquidation=liq,
        categorie_retenue=categorie,
        date_ouverture_droits=date_ouverture,
        age_ouverture_droits=_age(aod.valeur),
        depart_anticipe=depart_anticipe,
        age_annulation_decote=_age(age_annulation),
        date_annulation_decote=date_annulation,
        limite_age=_age(la.valeur),
        trimestres_requis=requis,
        trimestres_services=services.trimestres,
        trimestres_bonifications=bonifications,
        trimestres_liquidables=base_services + bonifications,
        duree_assurance_tous_regimes=duree_assurance,
        taux_de_liquidation=round(float(taux), 6),
        decote_trimestres=decote,
        taux_decote=round(float(taux_decote), 6),
        surcote_trimestres=surcote,
        surcote_parentale_trimestres=parentale,
        taux_surcote=round(float(taux_surcote), 6),
        coefficient=round(float(coefficient), 6),
        traitement_de_reference_annuel=_euros(traitement, liq),
        pension_avant_minimum=_euros(avant_minimum, liq),
        minimum_garanti=_euros(minimum, liq) if minimum is not None else None,
        minimum_garanti_applique=minimum_applique,
        majoration_enfants=_euros(majoration, liq),
        pension_brute_annuelle=annuelle,
        pension_brute_mensuelle=mensuelle,
        plafond_cumul_emploi_retraite_annuel=plafond_cumul,
        explication=list(x),
    )


def _surcote_parentale(
    naissance: date,
    date_aod: date,
    aod: Duree,
    fin_activite: date,
    duree_assurance: int,
    requis: int,
    enfants: Enfants,
    le: date,
    x: Explication,
) -> tuple[int, Decimal]:
    """Trimestres accomplished between the minimum age (63) and the legal age, the requirement already met
    then, for a parent with at least one trimestre of bonification or majoration for children."""
    try:
        taux = valeur("surcote_parentale_taux", le)
    except ParametreNonCouvert:
        return 0, ZERO
    age_minimum = valeur("surcote_parentale_age_minimum", le)
    if enfants.bonification + enfants.majoration_duree < 1 or aod < age_minimum.valeur:
        return 0, ZERO
    debut = date_age(naissance, age_minimum.valeur)
    fin = min(date_aod, fin_activite)
    if fin <= debut:
        return 0, ZERO
    accomplis_depuis = mois_entiers(debut, fin_activite)[0] // 3
    if duree_assurance - accomplis_depuis < requis:
        x.ajouter(
            "surcote_parentale",
            f"Surcote parentale : durée requise ({requis}) non atteinte à {age_minimum.valeur}",
            0,
            taux,
        )
        return 0, ZERO
    plafond = valeur("surcote_parentale_plafond_trimestres", le)
    n = min(mois_entiers(debut, fin)[0] // 3, plafond.valeur)
    x.ajouter(
        "surcote_parentale",
        f"Surcote parentale : {n} trimestre(s) accompli(s) entre {age_minimum.valeur} et "
        f"l'âge légal, durée requise atteinte, × {_pct(Decimal(str(taux.valeur)))} (au plus {plafond.valeur})",
        n,
        taux,
    )
    return n, Decimal(str(taux.valeur)) * n


def _minimum_garanti(
    cas: CasPension,
    services: int,
    requis: int,
    duree_assurance: int,
    date_ouverture: date,
    date_annulation: date,
    le: date,
    x: Explication,
) -> Decimal | None:
    """The annual minimum garanti (art. 22 and 65-V), or ``None`` when its conditions are not met."""
    valeur("minimum_garanti_mg100", le)  # an uncovered date is reported on the MG100 first
    try:
        conditions = valeur("minimum_garanti_conditions_depuis", le)
    except ParametreNonCouvert:
        conditions = None
    if conditions is not None and date_ouverture >= conditions.valeur:
        eligible = cas.invalidite or cas.handicap or duree_assurance >= requis or le >= date_annulation
        if not eligible:
            x.ajouter(
                "minimum_garanti",
                "Minimum garanti : non ouvert (durée d'assurance inférieure au nombre requis "
                "et départ avant l'âge d'annulation de la décote, hors invalidité ou handicap)",
                None,
                conditions,
            )
            return None
    return _montant_minimum_garanti(services, requis, le, x)


def _montant_minimum_garanti(services: int, requis: int, le: date, x: Explication) -> Decimal:
    """The amount once the conditions are met: a function of the services, the requirement and the versions in
    force on ``le`` only (the batch path computes it once per distinct key)."""
    mg100 = valeur("minimum_garanti_mg100", le)
    b = valeur("minimum_garanti_bareme", le)
    v = b.valeur
    annees = Decimal(services) / 4
    if annees < v["annees_minimum"]:
        taux = Decimal(services) / requis
        detail = f"{services} trimestres / {requis}"
    else:
        taux = (
            Decimal(str(v["taux_15_ans"]))
            + Decimal(str(v["points_palier_1"]))
            * (min(annees, Decimal(str(v["fin_palier_1_annees"]))) - v["annees_minimum"])
            + Decimal(str(v["points_palier_2"]))
            * max(min(annees, Decimal(v["annees_taux_plein"])) - Decimal(str(v["fin_palier_1_annees"])), ZERO)
        )
        taux = min(taux, Decimal(str(v["taux_maximum"])))
        detail = f"{_fr(annees)} années de services"
    base = Decimal(str(mg100.valeur)) * 12 * v["indice"] / v["indice_reference"]
    montant = base * taux
    x.ajouter(
        "minimum_garanti",
        f"Minimum garanti : {_fr(mg100.valeur)} € par mois (indice {v['indice_reference']}) × "
        f"{v['indice']}/{v['indice_reference']} × 12 × {_pct(taux)} ({detail}) = {_fr_euros(_euros(montant, le))} € par an, "
        "sans décote ni surcote",
        _euros(montant, le),
        b,
    )
    return montant


def _majoration_enfants(cas: CasPension, pension: Decimal, limite: Decimal, le: date, x: Explication) -> Decimal:
    minimum = valeur("majoration_enfants_nombre_minimum", le)
    duree = valeur("majoration_enfants_duree_education", le)
    if cas.nombre_enfants is not None:
        nombre = cas.nombre_enfants
    else:
        nombre = sum(1 for e in cas.enfants if e.eleve and date_age(e.date_de_naissance, duree.valeur) <= le)
    if nombre < minimum.valeur:
        return ZERO
    trois, supplement = (
        valeur("majoration_enfants_taux_trois", le),
        valeur("majoration_enfants_taux_supplementaire", le),
    )
    taux = Decimal(str(trois.valeur)) + Decimal(str(supplement.valeur)) * (nombre - minimum.valeur)
    majoration = min(pension * taux, max(limite - pension, ZERO))
    x.ajouter(
        "majoration_enfants",
        f"Majoration pour {nombre} enfants élevés au moins {duree.valeur} : {_pct(taux)}, "
        f"pension majorée plafonnée au traitement = {_fr_euros(_euros(majoration, le))} € par an",
        _euros(majoration, le),
        trois,
    )
    return majoration


def _plafond_cumul(annuelle: float, le: date, x: Explication) -> float | None:
    try:
        abattement = valeur("cumul_emploi_retraite_abattement", le)
    except ParametreNonCouvert:
        return None
    fraction = valeur("cumul_emploi_retraite_fraction_pension", le)
    plafond = Decimal(str(annuelle)) * Decimal(str(fraction.valeur)) + Decimal(str(abattement.valeur))
    montant = _euros(plafond, le)
    x.ajouter(
        "cumul_emploi_retraite",
        f"Cumul emploi-retraite plafonné : revenus d'activité jusqu'à un tiers de la "
        f"pension + {_fr(abattement.valeur)} € = {_fr_euros(montant)} € par année civile (au-delà, écrêtement)",
        montant,
        abattement,
    )
    return montant
