"""Claiming an outbox row before sending it: one sender at a time, whatever races.

Rows are written by ``depots.reserver_mail`` (one per idempotency key). Two requests asking the same key (a
double click on « identifiant oublié »), or two attempts of one activity, each find the row ``a_envoyer``: each
then tries to claim it, in one conditional ``UPDATE`` committed before the send, and only the one whose update
changed the row sends it. A claim whose sender died (a killed process) is older than ``DELAI_REPRISE_MAIL``
and may be taken again — by a retry, or by a sweeper of waiting rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.etats import EtatMail
from persistence.models import Mail

# Longer than any send (the SMTP timeout, 30 s; an activity's start-to-close, 1 min): a claim this old is a dead
# sender's.
DELAI_REPRISE_MAIL = timedelta(minutes=2)


class Prise(StrEnum):
    """The outcome of a claim."""

    prise = "prise"  # this caller holds the row: send it, then mark it sent (or give it back)
    en_cours = "en_cours"  # another sender holds it, recently
    envoye = "envoye"  # sent already (or gone): nothing to send


async def prendre_mail(
    session: AsyncSession, mail_id: int, maintenant: datetime, delai: timedelta = DELAI_REPRISE_MAIL
) -> Prise:
    """Claim the row ``mail_id`` at ``maintenant`` (commit before sending). On PostgreSQL a concurrent claim
    waits for this one's commit, then finds the row claimed; on SQLite writes are serialised."""
    prise = await session.exec(
        update(Mail)
        .where(
            col(Mail.id) == mail_id,
            col(Mail.etat) == EtatMail.a_envoyer.value,
            or_(col(Mail.pris_le).is_(None), col(Mail.pris_le) < maintenant - delai),
        )
        .values(pris_le=maintenant)
    )
    if cast(CursorResult[Any], prise).rowcount == 1:
        return Prise.prise
    etat = (await session.exec(select(Mail.etat).where(col(Mail.id) == mail_id))).first()
    return Prise.en_cours if etat == EtatMail.a_envoyer.value else Prise.envoye


async def rendre_mail(session: AsyncSession, mail_id: int, pris_le: datetime) -> None:
    """Give back a claim after a failed send, so that the next try (a retry, the sweeper) may take it at once;
    only one's own claim (``pris_le``), never a later sender's."""
    await session.exec(
        update(Mail)
        .where(col(Mail.id) == mail_id, col(Mail.etat) == EtatMail.a_envoyer.value, col(Mail.pris_le) == pris_le)
        .values(pris_le=None)
    )
