"""The refusals of the use cases, typed: each says in French what went wrong and, where it can, which field and
which rule, and what to do. They are raised by ``services`` (and returned by the pure rules of ``domain``);
``api/erreurs.py`` maps each type to its HTTP answer, JSON or page, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErreurChamp:
    """One field in error: its name, the rule it breaks, and the French sentence (what to do)."""

    champ: str
    regle: str
    message: str
    attendu: str | None = None  # the value the rule expects, when one can be named (an amount)

    def en_dict(self) -> dict[str, str]:
        sortie = {"champ": self.champ, "regle": self.regle, "message": self.message}
        if self.attendu is not None:
            sortie["attendu"] = self.attendu
        return sortie


class ErreurMetier(Exception):
    """A refusal a person can read. ``erreurs``: the fields in error, when the refusal is about fields; ``champ``
    and ``regle`` name the one field (the message then starts with « champ : »)."""

    def __init__(
        self, message: str, champ: str | None = None, regle: str = "", erreurs: list[ErreurChamp] | None = None
    ) -> None:
        super().__init__(message)
        if champ is not None and erreurs is None:
            erreurs = [ErreurChamp(champ, regle or champ, message.removeprefix(f"{champ} : "))]
        self.message = message
        self.erreurs = erreurs or []

    @property
    def champ(self) -> str | None:
        """The field in error when there is exactly one."""
        return self.erreurs[0].champ if len(self.erreurs) == 1 else None


class Refus(ErreurMetier):
    """The data break a rule (an invalid field, an ineligible request): the person corrects and sends again."""


class DemandeIncorrecte(ErreurMetier):
    """The request cannot be served as it is, without saying which part is wrong (a lost-code form)."""


class NonAuthentifie(ErreurMetier):
    """Nobody known is asking: sign in again."""


class Interdit(ErreurMetier):
    """This person's profile may not do this."""


class Introuvable(ErreurMetier):
    """Nothing of this number in the person's reach: another person's file is not revealed to exist."""


class Conflit(ErreurMetier):
    """The state of the file or process forbids it now (already open, already answered, closed)."""


class Verrouille(ErreurMetier):
    """The account is locked for a while."""


class Indisponible(ErreurMetier):
    """A component the service needs is down for now: try again later."""


class PriseEnCompteNonRelue(Indisponible):
    """The process took the change, and the database did not answer when its new state was read back."""

    MESSAGE = (
        "Votre demande a bien été prise en compte, mais la base de données ne répond pas pour vous en montrer le "
        "résultat : rechargez la page dans un instant, sans renvoyer la demande."
    )

    def __init__(self, message: str = MESSAGE) -> None:
        super().__init__(message)


class MoteurIndisponible(Indisponible):
    """The process engine cannot be reached."""

    MESSAGE = "Le moteur des processus est momentanément indisponible : réessayez dans quelques minutes."

    def __init__(self, message: str = MESSAGE) -> None:
        super().__init__(message)
