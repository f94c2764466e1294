"""The calculation of DESIGN §5 (``pension.simuler``) as employers and supervisors ask it over HTTP."""

from __future__ import annotations

from typing import Any

import pension
from domain.erreurs import ErreurChamp, Refus


def _refus(erreur: pension.ErreurCas) -> Refus:
    """Each sentence starts with its field's code, which the API names by its label."""
    resume = " ; ".join(f"{e['champ']} : {e['message']}" for e in erreur.erreurs)
    champs = [ErreurChamp(e["champ"], e.get("regle", ""), e["message"]) for e in erreur.erreurs]
    return Refus(resume, erreurs=champs)


def simuler(cas: dict[str, Any]) -> dict[str, Any]:
    """The result of one case, as JSON; an invalid case is refused field by field."""
    try:
        resultat = pension.simuler(cas)
    except pension.ErreurCas as erreur:
        raise _refus(erreur) from erreur
    return resultat.model_dump(mode="json")


def coter_rachat(demande: dict[str, Any]) -> dict[str, Any]:
    """The quote of a rachat d'études (cost by age and option, from the dated scale), as JSON."""
    try:
        devis = pension.coter_rachat(demande)
    except pension.ErreurCas as erreur:
        raise _refus(erreur) from erreur
    return devis.model_dump(mode="json")
