"""What every use case shares: who may see an agent's file, the public history of a process, today's date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.erreurs import Interdit, Introuvable, Refus
from domain.etats import Role
from domain.identifiants import erreur_nir, normaliser
from persistence import depots
from persistence.models import Affilie, Compte

PARIS = ZoneInfo("Europe/Paris")


def aujourd_hui() -> date:
    """The service's date: Paris time (a request filed at 00:30 in Paris is of that day)."""
    return datetime.now(PARIS).date()


class _DeLAgent(Protocol):
    affilie_id: int


A = TypeVar("A", bound=SQLModel)


async def affaire_de_l_agent(session: AsyncSession, compte: Compte, table: type[A], numero: int, introuvable: str) -> A:
    """The row of ``table`` (a request, dossier or document bound to an agent by ``affilie_id``) if this account
    may see it: the agent it belongs to, or a supervisor. Otherwise ``Introuvable``: another person's file is not
    revealed to exist."""
    ligne = await session.get(table, numero)
    if ligne is None or not (
        compte.role == Role.superviseur.value
        or (compte.role == Role.affilie.value and compte.affilie_id == getattr(ligne, "affilie_id", None))
    ):
        raise Introuvable(introuvable)
    return ligne


async def agent_par_nir(
    session: AsyncSession, nir: str | None, consigne: str = "indiquez le NIR de l'agent."
) -> Affilie:
    """The agent a supervisor names by NIR: the NIR required (``consigne`` says why), well formed, known."""
    if not nir:
        raise Refus(f"nir : {consigne}", "nir", "obligatoire")
    if (erreur := erreur_nir(nir)) is not None:
        raise Refus(f"nir : {erreur}", "nir", "format")
    affilie = await depots.affilie_par_nir(session, normaliser(nir))
    if affilie is None:
        raise Introuvable(f"Aucun agent de NIR {normaliser(nir)}.")
    return affilie


def nom_du_compte(compte: Compte | None) -> str | None:
    """A person's name as the pages show it (their identifier when they gave none)."""
    if compte is None:
        return None
    return " ".join(p for p in (compte.prenom, compte.nom) if p) or compte.identifiant


def exiger_l_agent(compte: Compte, ligne: _DeLAgent, message: str) -> None:
    """Only the agent the file belongs to may answer for it."""
    if compte.role != Role.affilie.value or compte.affilie_id != ligne.affilie_id:
        raise Interdit(message)


def exiger_role(compte: Compte, *roles: Role) -> None:
    if compte.role not in {role.value for role in roles}:
        raise Interdit("Accès refusé : cette action est réservée à un autre profil.")


class EvenementPublic(BaseModel):
    type: str
    acteur: str
    horodatage: datetime
    details: dict[str, Any]


async def historique(session: AsyncSession, workflow_id: str) -> list[EvenementPublic]:
    """The history of a process as its owner and supervisors read it, oldest first."""
    return [
        EvenementPublic(type=e.type, acteur=e.acteur, horodatage=e.horodatage, details=e.details)
        for e in await depots.historique(session, workflow_id)
    ]


class _LigneDeProcessus(Protocol):
    id: int | None
    workflow_id: str

    def model_dump(self) -> dict[str, Any]: ...


V = TypeVar("V", bound=BaseModel)


async def vue_publique(session: AsyncSession, vue: type[V], ligne: _LigneDeProcessus, prefixe: str) -> V:
    """A process's row as its owner and supervisors read it: its fields, its reference (``prefixe-id``) and its
    history."""
    return vue.model_validate(
        {
            **ligne.model_dump(),
            "reference": f"{prefixe}-{ligne.id}",
            "historique": await historique(session, ligne.workflow_id),
        }
    )


def agent_vu(compte: Compte) -> int | None:
    """Whose files a list shows: the agent's own, or every agent's (``None``) for a supervisor."""
    return compte.affilie_id if compte.role == Role.affilie.value else None


def numero(ligne: SQLModel) -> int:
    """The id of a stored row (a row read from the database always has one)."""
    valeur = getattr(ligne, "id", None)
    if not isinstance(valeur, int):
        raise ValueError(f"{type(ligne).__name__} sans numéro : la ligne n'est pas enregistrée")
    return valeur
