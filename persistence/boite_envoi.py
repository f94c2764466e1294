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
from persistence.comptes import annuler_regeneration
from persistence.models import Compte, Mail

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


async def mails_a_reprendre(
    session: AsyncSession, cree_avant: datetime, maintenant: datetime, limite: int
) -> list[int]:
    """The rows the sweeper resends: still to send since before ``cree_avant``, sent by no process (a process's
    mails are retried by its own activity, and become its incident), due (their backoff over) and not held by a
    live sender; oldest first."""
    return [
        mail_id
        for mail_id in (
            await session.exec(
                select(Mail.id)
                .where(
                    col(Mail.etat) == EtatMail.a_envoyer.value,
                    col(Mail.processus_id).is_(None),
                    col(Mail.cree_le) < cree_avant,
                    or_(col(Mail.prochain_essai_le).is_(None), col(Mail.prochain_essai_le) <= maintenant),
                    or_(col(Mail.pris_le).is_(None), col(Mail.pris_le) < maintenant - DELAI_REPRISE_MAIL),
                )
                .order_by(col(Mail.id))
                .limit(limite)
            )
        ).all()
        if mail_id is not None
    ]


async def compter_echec(
    session: AsyncSession, mail_id: int, pris_le: datetime, maintenant: datetime, intervalle: timedelta, bornes: int
) -> Mail | None:
    """A failed send of the sweeper (holding the claim ``pris_le``): one more attempt counted, the next one after
    ``intervalle`` doubled at each attempt, the claim given back. At the ``bornes``-th attempt the row is no longer
    sent: its state becomes ``incident``, and the row is returned (else ``None``)."""
    tentatives = (await session.exec(select(Mail.tentatives).where(col(Mail.id) == mail_id))).first() or 0
    incident = tentatives + 1 >= bornes
    compte = await session.exec(
        update(Mail)
        .where(
            col(Mail.id) == mail_id,
            col(Mail.etat) == EtatMail.a_envoyer.value,
            col(Mail.pris_le) == pris_le,
            col(Mail.tentatives) == tentatives,
        )
        .values(
            tentatives=tentatives + 1,
            prochain_essai_le=maintenant + intervalle * 2**tentatives,
            pris_le=None,
            etat=EtatMail.incident.value if incident else EtatMail.a_envoyer.value,
        )
    )
    if cast(CursorResult[Any], compte).rowcount != 1 or not incident:
        return None  # counted, or taken over meanwhile (our claim lapsed: its new holder counts)
    return await session.get(Mail, mail_id)


async def annuler_code(session: AsyncSession, compte_id: int, regeneration: int | None) -> None:
    """The code a mail abandoned in incident carried stops working: the account's provisional code (of the
    regeneration ``regeneration``, if no later one replaced it; ``None``: the initial code of a new account) is
    replaced by the hash of a code nobody knows, its certification cancelled. Not committed here."""
    compte = await session.get(Compte, compte_id)
    if compte is None or (regeneration is not None and compte.regenerations != regeneration):
        return
    annuler_regeneration(compte)
    session.add(compte)
