"""A CIR line the entry checks refuse (1800, before the agent's birth), written straight into the database: it
stands for data stored before those checks existed, which the bilan's calculation then refuses (an incident)."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, delete

from persistence.db import SessionFactory, transaction
from persistence.fabrique import identifiant
from persistence.models import Affilie, Employeur, LigneCirTable

ANNEE_FAUSSE = 1800


async def inserer_ligne_de_1800(sessions: SessionFactory, affilie: Affilie, employeur: Employeur | None) -> None:
    async with transaction(sessions) as session:
        session.add(
            LigneCirTable(
                affilie_id=identifiant(affilie),
                employeur_id=employeur.id if employeur else None,
                annee=ANNEE_FAUSSE,
                date_debut=date(ANNEE_FAUSSE, 1, 1),
                date_fin=date(ANNEE_FAUSSE, 12, 31),
            )
        )


async def supprimer_ligne_de_1800(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        await session.exec(delete(LigneCirTable).where(col(LigneCirTable.annee) == ANNEE_FAUSSE))
