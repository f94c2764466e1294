"""The content of the documents an EIR produces: the RIS (relevé individuel de situation) and the
bilan personnalisé (rights + simulations from the calculation module)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from temporalio.exceptions import ApplicationError

import pension
from activities.et_si import scenarios_et_si
from activities.explication import explication_du_bilan
from domain.eir import duree_assurance_autres_regimes
from domain.processus import DONNEES_INVALIDES
from observabilite.compteurs import compter_calcul
from persistence.depots import valeurs_periode
from persistence.models import Affilie, Enfant, LigneCirTable

LignesCir = Sequence[LigneCirTable]
Enfants = Sequence[Enfant]
AutresRegimes = Sequence[dict[str, Any]]


# What a RIS covers: the CNRACL keeps the careers of its own affiliates; the other schemes' periods reach the agent
# in the inter-scheme document composed by the GIP Info Retraite.
PERIMETRE_RIS = (
    "Ce relevé porte sur vos périodes de services à la CNRACL. Vos périodes dans les autres régimes (régime général, "
    "MSA, fonction publique de l'État, …) figurent dans le relevé inter-régimes, consultable sur info-retraite.fr."
)
# What an EIG covers: the CNRACL estimates its own pension only; the estimate in every scheme is the GIP's.
PERIMETRE_EIG = (
    "Cette estimation porte sur votre seule pension de la CNRACL. Vos pensions des autres régimes (régime général, "
    "MSA, régimes complémentaires, …) n'y figurent pas : leur estimation, avec celle de la CNRACL, est consultable "
    "sur info-retraite.fr."
)


def _periodes_du_cas(lignes: LignesCir) -> list[dict[str, Any]]:
    """The CIR lines as the calculation's periods (one period per line, in order)."""
    return [
        {
            "debut": ligne.date_debut.isoformat(),
            "fin": ligne.date_fin.isoformat(),
            "quotite": ligne.quotite,
            "nature": ligne.nature,
        }
        for ligne in lignes
    ]


def contenu_ris(
    affilie: Affilie,
    lignes: Sequence[LigneCirTable],
    le: date,
    autres: AutresRegimes | None = None,
    enfants: Enfants = (),
) -> dict[str, Any]:
    """The RIS: the CNRACL periods and their trimestres, counted by the pension's own decompte (with the agent's
    children: a part time for a child born from 2004 counts free). ``autres``: the agent's durations in the other
    schemes (:func:`domain.eir.autres_regimes`), shown with the CNRACL's on an EIR's RIS, which sums up the rights
    in every scheme (None: a document without that section)."""
    try:
        decompte = pension.decompter_services(_periodes_du_cas(lignes), le, _enfants_du_cas(enfants))
    except pension.ErreurCas as erreur:
        raise donnees_invalides(erreur, lignes, "relevé individuel de situation") from None
    return {
        "titre": "Relevé individuel de situation",
        "etabli_le": le.isoformat(),
        "date_de_naissance": affilie.date_de_naissance.isoformat(),
        "regime": "CNRACL",
        "perimetre": PERIMETRE_RIS,
        "nb_periodes": len(lignes),
        "trimestres": decompte.trimestres,
        "trimestres_assurance": decompte.trimestres_assurance,
        "periodes": [{"annee": ligne.annee, **valeurs_periode(ligne)} for ligne in lignes],
        "reference_decompte": decompte.reference,
        **({} if autres is None else {"autres_regimes": list(autres)}),
    }


def _enfants_du_cas(enfants: Enfants) -> list[dict[str, Any]]:
    return [{"date_de_naissance": enfant.date_de_naissance.isoformat()} for enfant in enfants]


def indice_du_cir(lignes: LignesCir) -> int | None:
    """The index the employer last set in the CIR: the latest line (by its start) that carries one."""
    avec_indice = [ligne for ligne in lignes if ligne.indice_majore is not None]
    return max(avec_indice, key=lambda ligne: ligne.date_debut).indice_majore if avec_indice else None


def cas_pension(
    affilie: Affilie, lignes: LignesCir, enfants: Enfants, indice: int | None, le: date, autres: AutresRegimes = ()
) -> dict[str, Any]:
    """The calculation case of an affiliate from the CIR (DESIGN §5 input). The index: the one chosen (an EIR's
    end-of-career index), else the last one the employer set in the CIR; the affiliate's record only when the CIR
    has none. The trimestres of ``autres``, the agent's other schemes, are its durée d'assurance in the other
    schemes."""
    cas: dict[str, Any] = {
        "date_de_naissance": affilie.date_de_naissance.isoformat(),
        "date_de_liquidation": le.isoformat(),
        "categorie": affilie.categorie,
        "periodes": _periodes_du_cas(lignes),
        "indice_majore": indice or indice_du_cir(lignes) or affilie.indice_majore,
        "enfants": _enfants_du_cas(enfants),
        "duree_assurance_autres_regimes": duree_assurance_autres_regimes(autres),
    }
    return cas


def donnees_invalides(erreur: pension.ErreurCas, lignes: LignesCir, document: str) -> ApplicationError:
    """The calculation's refusal of the agent's data, as the non-retryable error of a business incident: what is
    wrong, in French, and who must act. A refused period is named by its CIR line (the case's ``periodes`` are
    the lines, in order)."""
    motifs = []
    for detail in erreur.erreurs:
        partie = detail["champ"].split(".")
        if partie[0] == "periodes" and len(partie) > 1 and partie[1].isdigit() and int(partie[1]) < len(lignes):
            ligne = lignes[int(partie[1])]
            motifs.append(
                f"La ligne de carrière (CIR) de {ligne.annee}, du {ligne.date_debut:%d/%m/%Y} au "
                f"{ligne.date_fin:%d/%m/%Y}, est refusée par le calcul du {document} : {detail['message']} "
                "L'employeur de cette période doit corriger ou supprimer la ligne : le processus reprend alors "
                "de lui-même (un superviseur peut aussi le relancer)."
            )
        else:
            motifs.append(
                f"Le calcul du {document} refuse les données de l'agent : {detail['message']} Un superviseur doit "
                "faire corriger le dossier de l'agent : une correction de son compte individuel retraite relance le "
                "processus, sinon le superviseur le relance."
            )
    return ApplicationError(" ".join(motifs), type=DONNEES_INVALIDES, non_retryable=True)


def _estimer(cas: dict[str, Any], lignes: LignesCir, document: str) -> pension.Estimation:
    try:
        return pension.estimer(cas)
    except pension.ErreurCas as erreur:
        raise donnees_invalides(erreur, lignes, document) from None


def contenu_bilan(
    affilie: Affilie, lignes: LignesCir, enfants: Enfants, indice: int | None, le: date, autres: AutresRegimes = ()
) -> dict[str, Any]:
    """The bilan personnalisé: the rights in every scheme, the simulations at the key ages, how the first one is
    computed, and « et si… » (the other choices the entretien presents, each computed by the pension module)."""
    cas = cas_pension(affilie, lignes, enfants, indice, le, autres)
    estimation = _estimer(cas, lignes, "bilan personnalisé")
    try:
        explication, resumes = explication_du_bilan(cas, estimation)
    except pension.ErreurCas as erreur:
        raise donnees_invalides(erreur, lignes, "bilan personnalisé") from None
    compter_calcul("bilan")
    donnees = estimation.model_dump(mode="json")
    return {
        "titre": "Bilan personnalisé retraite",
        "etabli_le": le.isoformat(),
        "indice_fin_de_carriere": cas["indice_majore"],
        "cas": cas,
        "estimation": donnees,
        "points": [
            {
                "libelle": point["libelle"],
                "age": point["age"],
                "date_de_liquidation": point["date_de_liquidation"],
                "pension_brute_mensuelle": point["pension_brute_mensuelle"],
                "pension_brute_annuelle": point["pension_brute_annuelle"],
                "explication": resume,
            }
            for point, resume in zip(donnees["points"], resumes, strict=True)
        ],
        "explication": explication,
        "autres_regimes": list(autres),
        "et_si": scenarios_et_si(cas, estimation),
    }


def contenu_eig(affilie: Affilie, lignes: LignesCir, enfants: Enfants, le: date) -> dict[str, Any]:
    """The EIG (estimation indicative globale): the amounts of ``pension.estimer`` at the key ages."""
    cas = cas_pension(affilie, lignes, enfants, None, le)
    donnees = _estimer(cas, lignes, "document d'information").model_dump(mode="json")
    compter_calcul("eig")
    return {
        "titre": "Estimation indicative globale",
        "etabli_le": le.isoformat(),
        "regime": "CNRACL",
        "perimetre": PERIMETRE_EIG,
        "cas": cas,
        "estimation": donnees,
        "points": [
            {
                k: point[k]
                for k in ("libelle", "age", "date_de_liquidation", "pension_brute_mensuelle", "pension_brute_annuelle")
            }
            for point in donnees["points"]
        ],
    }
