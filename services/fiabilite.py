"""The two windows where a committed write waits for another component (issue 28, docs/fiabilite.md): a request
committed whose process is not yet started, an account mail committed not yet sent. What the starter writes once
the start is confirmed, and the fault points that open each window in tests (``CNRACL_PANNE_APRES_ECRITURE``,
empty in production: the process exits at once, as when it is killed)."""

from __future__ import annotations

import contextlib
import logging
import os
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from persistence import reconciliation
from persistence.models import DemandeEirTable, RectificationTable
from settings import Settings

journal = logging.getLogger("cnracl.services.fiabilite")


def point_de_panne(settings: Settings, point: str) -> None:
    """Exit the process now if the setting names ``point`` (``demarrage``: a request committed, its process not
    started; ``envoi``: an account mail committed, not sent)."""
    if settings.panne_apres_ecriture == point:
        journal.warning("panne injectée après l'écriture (%s) : le processus s'arrête", point)
        os._exit(70)


async def confirmer_demarrage(session: AsyncSession, ligne: DemandeEirTable | RectificationTable) -> None:
    """The request's process is started: written, so the reconciler leaves it. Not written (the database gone
    meanwhile), the reconciler's start finds the process there and writes it then."""
    table, ident, workflow_id = type(ligne), ligne.id or 0, ligne.workflow_id
    try:
        await reconciliation.confirmer_demarrage(session, table, [ident], datetime.now(UTC))
        await session.commit()
    except Exception as exc:
        journal.warning("démarrage de %s non inscrit (%s) : le réconciliateur l'inscrira", workflow_id, exc)
        with contextlib.suppress(Exception):
            await session.rollback()
