"""The calculation of DESIGN §5 (``pension.simuler``) as employers and supervisors ask it over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

import pension
from domain.erreurs import ErreurChamp, Refus


def _en_json(calcul: Callable[[dict[str, Any]], BaseModel], donnees: dict[str, Any]) -> dict[str, Any]:
    """The result as JSON; invalid data are refused field by field, each sentence starting with its field's code,
    which the API names by its label."""
    try:
        resultat = calcul(donnees)
    except pension.ErreurCas as erreur:
        resume = " ; ".join(f"{e['champ']} : {e['message']}" for e in erreur.erreurs)
        champs = [ErreurChamp(e["champ"], e.get("regle", ""), e["message"]) for e in erreur.erreurs]
        raise Refus(resume, erreurs=champs) from erreur
    return resultat.model_dump(mode="json")


def simuler(cas: dict[str, Any]) -> dict[str, Any]:
    """The result of one case."""
    return _en_json(pension.simuler, cas)


def coter_rachat(demande: dict[str, Any]) -> dict[str, Any]:
    """The quote of a rachat d'études (cost by age and option, from the dated scale)."""
    return _en_json(pension.coter_rachat, demande)
