"""What the worker's reconciler reads and writes: the requests whose process was never confirmed started.

A request row is committed first, then its process is started under the row's business id; the start, once
confirmed, is written (``processus_demarre_le``). A row committed long enough ago without it is one whose starter
died (or whose engine was out of reach): the reconciler starts it again, the business id making a second start a
no-op, and writes the confirmation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from persistence.models import DemandeEirTable, DossierValidationTable, RectificationTable

Projection = TypeVar("Projection", DemandeEirTable, RectificationTable, DossierValidationTable)
TableDeDemande = type[DemandeEirTable] | type[RectificationTable] | type[DossierValidationTable]


async def sans_processus_confirme(
    session: AsyncSession, table: type[Projection], avant: datetime, limite: int
) -> Sequence[Projection]:
    """The rows of ``table`` committed before ``avant`` whose process start was never confirmed, oldest first."""
    return (
        await session.exec(
            select(table)
            .where(col(table.processus_demarre_le).is_(None), col(table.creee_le) < avant)
            .order_by(col(table.id))
            .limit(limite)
        )
    ).all()


async def confirmer_demarrage(
    session: AsyncSession, table: TableDeDemande, ids: Sequence[int], maintenant: datetime
) -> None:
    """The processes of these rows are known started (not committed here)."""
    if ids:
        await session.exec(
            update(table)
            .where(col(table.id).in_(ids), col(table.processus_demarre_le).is_(None))
            .values(processus_demarre_le=maintenant)
        )
