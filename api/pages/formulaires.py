"""From a submitted form to the JSON routes' models, with the French message of each field in error."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from api.erreurs import erreurs_francaises
from api.pages.libelles import champ_fr

M = TypeVar("M", bound=BaseModel)


class FormulaireInvalide(Exception):
    def __init__(self, erreurs: dict[str, str]) -> None:
        self.erreurs = erreurs
        super().__init__("; ".join(f"{c} : {m}" for c, m in erreurs.items()))

    @property
    def resume(self) -> str:
        return "Le formulaire contient des erreurs. " + " ; ".join(
            f"{champ_fr(champ)} : {message}" for champ, message in self.erreurs.items()
        )


def par_champ(exc: ValidationError) -> dict[str, str]:
    erreurs: dict[str, str] = {}
    for erreur in erreurs_francaises(exc.errors()):
        champ, message = erreur["champ"], erreur["message"]
        if champ == "corps" and " : " in message:  # a rule on the whole form names its field first
            champ, message = message.split(" : ", 1)
        erreurs.setdefault(champ, message)
    return erreurs


def construire(modele: type[M], donnees: dict[str, Any]) -> M:
    """The model from the form's fields (empty fields are absent); ``FormulaireInvalide`` otherwise."""
    try:
        return modele.model_validate({k: v for k, v in donnees.items() if v not in ("", None)})
    except ValidationError as exc:
        raise FormulaireInvalide(par_champ(exc)) from exc


def retour_du_formulaire(
    erreur: str | None, erreurs: dict[str, str] | None, saisie: dict[str, Any] | None, message: str | None
) -> dict[str, Any]:
    """What a page with a form shows besides its own content: the refusal above the form, each field's error, what
    was typed (kept), and the confirmation of what was done."""
    return {"erreur": erreur, "erreurs": erreurs or {}, "saisie": saisie or {}, "message": message}
