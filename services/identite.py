"""Who a signed-in account is, as the pages' header names them: the person's first and last name (an agent's on
their ``Affilie``, an employer's or a supervisor's on the account), never the login identifier."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.etats import Role
from persistence.models import Affilie, Compte

# When an account holds no name (an account created before names were asked for): what the person is.
_SANS_NOM = {Role.affilie: "Agent", Role.employeur: "Gestionnaire employeur", Role.superviseur: "Superviseur CNRACL"}


def _nom(prenom: str | None, nom: str | None) -> str:
    return " ".join(partie.strip() for partie in (prenom, nom) if partie and partie.strip())


async def nom_affiche(session: AsyncSession, compte: Compte) -> str:
    if compte.role == Role.affilie and compte.affilie_id is not None:
        affilie = await session.get(Affilie, compte.affilie_id)
        if affilie is not None and (nom := _nom(affilie.prenom, affilie.nom)):
            return nom
    return _nom(compte.prenom, compte.nom) or _SANS_NOM.get(Role(compte.role), "Utilisateur")
