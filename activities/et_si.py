"""« Et si… » : the other choices the entretien presents (loi 2010-1330 art. 6, CSS L161-17: combining work and
pension, the ways to improve the pension, the effect of career choices), each one entry computed by a call to the
pension module on the agent's own case.

``SCENARIOS`` is the one list to extend. An entry whose input the pension module does not take yet (``attend``: a
field of ``pension.CasPension``) is shown as a description without figures until the module takes it; then its
``variante`` is computed like the others, with nothing else to change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pension
from activities.explication import resume
from domain.montants import euros
from pension.dates import date_age
from pension.estimation import poursuivre
from pension.parametres import Duree

Resultat = dict[str, Any]

# The hypotheses the bilan illustrates (choices of the example, not legal values): the buying back of one year of
# studies, work resumed at the end-of-career salary, the services to come at 80 % part time.
_TRIMESTRES_RACHETES = 4
_OPTION_RACHAT = 3  # « constitution, liquidation et durée d'assurance »
_QUOTITE_TEMPS_PARTIEL = 80


@dataclass(frozen=True)
class Contexte:
    """The agent's case and the reference departure the scenarios are compared with: the bilan's first simulated
    departure (the earliest), the services continued to it."""

    cas: pension.CasPension
    situation: date
    reference: Resultat

    def au(self, depart: date, **changements: Any) -> pension.CasPension:
        """The case departing on ``depart`` (services continued to it), with ``changements`` validated as input."""
        poursuivi = poursuivre(self.cas, self.situation, depart)
        if not changements:
            return poursuivi
        return pension.CasPension.model_validate(poursuivi.model_dump(exclude_none=True) | changements)


@dataclass(frozen=True)
class Scenario:
    cle: str
    titre: str
    description: str
    attend: str | None
    # The case to simulate (None: the scenario does not apply to this agent); then its figures from the result.
    variante: Callable[[Contexte], pension.CasPension | None]
    chiffres: Callable[[Contexte, Resultat], list[dict[str, str]]]

    @property
    def disponible(self) -> bool:
        return self.attend is None or self.attend in pension.CasPension.model_fields


def _chiffre(intitule: str, valeur: str) -> dict[str, str]:
    return {"intitule": intitule, "valeur": valeur}


def _mensuel(resultat: Resultat) -> str:
    return f"{euros(resultat['pension_brute_mensuelle'])} brut par mois"


def _comparaison(contexte: Contexte, resultat: Resultat) -> dict[str, str]:
    ecart = resultat["pension_brute_mensuelle"] - contexte.reference["pension_brute_mensuelle"]
    sens = "de plus" if ecart >= 0 else "de moins"
    return _chiffre(
        "Par rapport au départ de référence",
        f"{euros(abs(ecart))} brut par mois {sens} qu'un départ le "
        f"{date.fromisoformat(contexte.reference['date_de_liquidation']):%d/%m/%Y} "
        f"({_mensuel(contexte.reference)})",
    )


# --- partir plus tard (surcote) ---


def _plus_tard(contexte: Contexte) -> pension.CasPension | None:
    """Working on to the limit age, the latest departure: the décote gone, a surcote for the trimestres beyond."""
    reference = contexte.reference
    limite = date_age(
        contexte.cas.date_de_naissance, Duree(reference["limite_age"]["ans"], reference["limite_age"]["mois"])
    )
    if limite <= date.fromisoformat(reference["date_de_liquidation"]):
        return None
    return contexte.au(limite)


def _chiffres_plus_tard(contexte: Contexte, resultat: Resultat) -> list[dict[str, str]]:
    surcote = resultat["surcote_trimestres"] + resultat["surcote_parentale_trimestres"]
    return [
        _chiffre("Départ", f"le {date.fromisoformat(resultat['date_de_liquidation']):%d/%m/%Y}"),
        _chiffre("Surcote", f"{surcote} trimestre{'s' if surcote > 1 else ''}" if surcote else "aucune"),
        _chiffre("Pension", _mensuel(resultat)),
        _comparaison(contexte, resultat),
        _chiffre("Détail du calcul", resume(resultat)),
    ]


# --- cumul emploi-retraite ---


def _cumul(contexte: Contexte) -> pension.CasPension | None:
    depart = date.fromisoformat(contexte.reference["date_de_liquidation"])
    if "revenus_activite_annuels" in pension.CasPension.model_fields:
        # Work resumed at the end-of-career salary: does the pension stay whole, or how much is withheld?
        return contexte.au(depart, revenus_activite_annuels=contexte.reference["traitement_de_reference_annuel"])
    return contexte.au(depart)


def _chiffres_cumul(contexte: Contexte, resultat: Resultat) -> list[dict[str, str]]:
    chiffres = [_chiffre("Pension au départ de référence", _mensuel(resultat))]
    plafond = resultat.get("plafond_cumul_emploi_retraite_annuel")
    if plafond is not None:
        chiffres.append(_chiffre("Revenus d'activité cumulables sans réduction", f"jusqu'à {euros(plafond)} par an"))
    if "cumul_libre" in resultat:
        revenus = euros(resultat["traitement_de_reference_annuel"])
        if resultat["cumul_libre"]:
            chiffres.append(_chiffre(f"Avec {revenus} de revenus par an", "cumul libre, pension versée en entier"))
        else:
            ecretement = euros(resultat.get("ecretement_annuel") or 0)
            chiffres.append(_chiffre(f"Avec {revenus} de revenus par an", f"pension réduite de {ecretement} par an"))
    return chiffres


# --- rachat d'études ---


def _rachat(contexte: Contexte) -> pension.CasPension | None:
    return contexte.au(
        date.fromisoformat(contexte.reference["date_de_liquidation"]),
        rachat_etudes={"trimestres": _TRIMESTRES_RACHETES, "option": _OPTION_RACHAT},
    )


def _chiffres_rachat(contexte: Contexte, resultat: Resultat) -> list[dict[str, str]]:
    return [
        _chiffre("Trimestres rachetés", f"{_TRIMESTRES_RACHETES} trimestres"),
        _chiffre("Coût du rachat", euros(resultat.get("cout_rachat_etudes") or 0)),
        _chiffre("Pension", _mensuel(resultat)),
        _comparaison(contexte, resultat),
    ]


# --- temps partiel surcotisé ---


def _a_temps_partiel(contexte: Contexte, surcotise: bool) -> pension.CasPension | None:
    """The services still to come (after the date de situation, to the reference departure) at
    ``_QUOTITE_TEMPS_PARTIEL`` %, surcotisés or not; None for an agent whose services are not given as periods."""
    depart = date.fromisoformat(contexte.reference["date_de_liquidation"])
    poursuivi = contexte.au(depart)
    if not poursuivi.periodes or depart <= contexte.situation:
        return None
    periodes = [
        periode.model_copy(update={"quotite": _QUOTITE_TEMPS_PARTIEL, "surcotisation": surcotise})
        if periode.debut >= contexte.situation
        else periode
        for periode in poursuivi.periodes
    ]
    return poursuivi.model_copy(update={"periodes": periodes})


def _surcotise(contexte: Contexte) -> pension.CasPension | None:
    return _a_temps_partiel(contexte, surcotise=True)


def _chiffres_surcotise(contexte: Contexte, resultat: Resultat) -> list[dict[str, str]]:
    sans = _a_temps_partiel(contexte, surcotise=False)
    chiffres = [_chiffre(f"À {_QUOTITE_TEMPS_PARTIEL} % en cotisant à temps plein", _mensuel(resultat))]
    if sans is not None:
        chiffres.append(
            _chiffre(
                f"À {_QUOTITE_TEMPS_PARTIEL} % sans surcotiser",
                _mensuel(pension.simuler(sans).model_dump(mode="json")),
            )
        )
    return [*chiffres, _comparaison(contexte, resultat)]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "depart_plus_tard",
        "Et si je partais plus tard ?",
        "Travailler jusqu'à la limite d'âge plutôt que partir au plus tôt : des trimestres de services en plus, la "
        "décote effacée et, au-delà de l'âge légal et du nombre de trimestres requis, une surcote pour chaque trimestre.",
        None,
        _plus_tard,
        _chiffres_plus_tard,
    ),
    Scenario(
        "cumul_emploi_retraite",
        "Et si je reprenais une activité après mon départ ?",
        "Le cumul emploi-retraite : une fois la pension versée, vous pouvez reprendre une activité. Le cumul est "
        "libre quand vous avez toutes vos pensions et le taux plein ; sinon vos revenus d'activité sont plafonnés "
        "et la pension est réduite de ce qui dépasse. Reprendre un emploi de fonctionnaire titulaire ou stagiaire "
        "n'est pas permis.",
        None,
        _cumul,
        _chiffres_cumul,
    ),
    Scenario(
        "rachat_etudes",
        "Et si je rachetais des années d'études ?",
        "Le rachat d'études supérieures : des trimestres d'études rachetés pour le taux, la durée d'assurance ou les "
        f"deux. Exemple chiffré : {_TRIMESTRES_RACHETES} trimestres rachetés pour le taux et la durée d'assurance.",
        "rachat_etudes",
        _rachat,
        _chiffres_rachat,
    ),
    Scenario(
        "temps_partiel_surcotise",
        "Et si je travaillais à temps partiel en cotisant à temps plein ?",
        "Le temps partiel surcotisé : en cotisant sur la base d'un temps plein, vos périodes de temps partiel "
        "comptent comme du temps plein pour le calcul de la pension, dans une limite de trimestres fixée par la loi "
        f"(plus élevée pour un agent handicapé). Exemple chiffré : vos services jusqu'au départ à "
        f"{_QUOTITE_TEMPS_PARTIEL} %.",
        None,
        _surcotise,
        _chiffres_surcotise,
    ),
)

_NON_CHIFFRE = (
    "Ce bilan ne le chiffre pas encore : la CNRACL peut vous en faire une étude sur demande, depuis votre espace."
)


def scenarios_et_si(cas: dict[str, Any], estimation: pension.Estimation) -> list[dict[str, Any]]:
    """One entry per scenario of ``SCENARIOS``: its title, its description and its figures from the pension module
    (none, with a sentence saying so, for a scenario the module cannot compute yet; left out when it does not apply
    to the agent)."""
    lu = pension.CasPension.model_validate(cas)
    situation = estimation.date_de_situation
    depart = estimation.points[0].date_de_liquidation
    contexte = Contexte(lu, situation, pension.simuler(poursuivre(lu, situation, depart)).model_dump(mode="json"))
    entrees = []
    for scenario in SCENARIOS:
        entree: dict[str, Any] = {"cle": scenario.cle, "titre": scenario.titre, "description": scenario.description}
        if not scenario.disponible:
            entrees.append(entree | {"chiffres": [], "remarque": _NON_CHIFFRE})
            continue
        variante = scenario.variante(contexte)
        if variante is None:
            continue
        try:
            resultat = pension.simuler(variante).model_dump(mode="json")
        except pension.ErreurCas as erreur:
            # The bilan's own simulations went through: a choice the rules refuse for this agent is said so, and
            # does not hold the bilan back.
            motifs = " ".join(detail["message"] for detail in erreur.erreurs)
            entrees.append(entree | {"chiffres": [], "remarque": f"Non chiffré pour votre dossier : {motifs}"})
            continue
        entrees.append(entree | {"chiffres": scenario.chiffres(contexte, resultat), "remarque": ""})
    return entrees
