"""The calculation of DESIGN §5 (``pension.simuler``) as employers and supervisors ask it over HTTP."""

from __future__ import annotations

from typing import Any

import pension
from domain.erreurs import ErreurChamp, Refus


def simuler(cas: dict[str, Any]) -> dict[str, Any]:
    """The result of one case, as JSON; an invalid case is refused field by field."""
    try:
        resultat = pension.simuler(cas)
    except pension.ErreurCas as erreur:
        resume = " ; ".join(f"{e['champ']} : {e['message']}" for e in erreur.erreurs)
        champs = [ErreurChamp(e["champ"], e.get("regle", ""), e["message"]) for e in erreur.erreurs]
        raise Refus(f"Cas de calcul invalide — {resume}", erreurs=champs) from erreur
    return resultat.model_dump(mode="json")
