"""Documents as the worker stores them, built by the activities' own functions from what the database holds of an
agent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlmodel.ext.asyncio.session import AsyncSession

from persistence import depots
from persistence.fabrique import identifiant
from persistence.models import Affilie, Document, Enfant, LigneCirTable


class DossierAgent(NamedTuple):
    """What the documents are built from."""

    affilie: Affilie
    lignes: Sequence[LigneCirTable]
    enfants: Sequence[Enfant]


async def dossier_agent(session: AsyncSession, affilie_id: int | None) -> DossierAgent:
    affilie = await session.get(Affilie, affilie_id)
    assert affilie is not None and affilie.id is not None
    return DossierAgent(
        affilie, await depots.lignes_cir(session, affilie.id), await depots.enfants(session, affilie.id)
    )


async def stocker_document(
    session: AsyncSession,
    nom: str,
    type: str,
    affilie: Affilie,
    contenu: dict[str, Any],
    demande_id: int | None,
    cree_le: datetime,
) -> Document:
    """The document ``nom`` (its key ``test:nom``), of an EIR request (``demande_id``) or of none."""
    document, _ = await depots.enregistrer_document(
        session,
        Document(
            cle=f"test:{nom}",
            type=type,
            affilie_id=identifiant(affilie),
            demande_id=demande_id,
            cree_le=cree_le,
            contenu=contenu,
        ),
    )
    return document
