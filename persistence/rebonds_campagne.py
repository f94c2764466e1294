"""Campaign mails that came back after they were sent (``domain.campagne_rebonds``): finding them by Message-ID, the
agent and document behind each (or the employer, ``domain.campagne.mail_d_employeur``), marking them bounced once,
and what the delivery page reads of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.campagne import mail_d_agent, mail_d_employeur
from domain.etats import EtatMail
from persistence.depots_campagne import _executer
from persistence.models import Mail
from persistence.models_campagne import CampagneTable, CibleCampagne, RenvoiCampagne
from persistence.types import UtcDateTime

_MARQUER = text(
    "UPDATE mail SET etat = :rebondi, rebondi_le = :le, motif_rebond = :motif WHERE id = :id AND etat = :envoye "
    "RETURNING id"
).bindparams(bindparam("le", type_=UtcDateTime()))


async def mails_par_message_id(session: AsyncSession, workflow_id: str, message_ids: Sequence[str]) -> dict[str, Mail]:
    """The mails of process ``workflow_id`` among these Message-IDs, by Message-ID."""
    if not message_ids:
        return {}
    requete = select(Mail).where(col(Mail.message_id).in_(list(message_ids)), Mail.processus_id == workflow_id)
    return {mail.message_id: mail for mail in (await session.exec(requete)).all()}


async def mails_a(session: AsyncSession, workflow_id: str, adresse: str) -> list[Mail]:
    """The campaign's mails to an agent's or an employer's address that the server accepted (or that came back
    already), the latest first: a notification that does not name its mail names its recipient."""
    requete = (
        select(Mail)
        .where(
            Mail.processus_id == workflow_id,
            func.lower(Mail.destinataire) == adresse.strip().lower(),
            col(Mail.etat).in_([EtatMail.envoye.value, EtatMail.rebondi.value]),
        )
        .order_by(col(Mail.id).desc())
    )
    return [
        mail
        for mail in (await session.exec(requete)).all()
        if mail_d_agent(workflow_id, mail.cle) is not None or mail_d_employeur(workflow_id, mail.cle) is not None
    ]


@dataclass
class CourrielDAgent:
    """The agent's campaign target behind a mail, and the re-send when the mail announced one."""

    cible: CibleCampagne
    renvoi: RenvoiCampagne | None = None


async def courriel_d_agent(session: AsyncSession, campagne: CampagneTable, mail: Mail) -> CourrielDAgent | None:
    """The target (agent, cohort, current document) a campaign mail announced to; ``None`` for another mail (an
    employer's)."""
    annonce = mail_d_agent(campagne.workflow_id, mail.cle)
    if annonce is None:
        return None
    if annonce.document_remplace_id is not None:
        renvoi = (
            await session.exec(
                select(RenvoiCampagne).where(RenvoiCampagne.document_remplace_id == annonce.document_remplace_id)
            )
        ).first()
        cible = await session.get(CibleCampagne, renvoi.cible_id) if renvoi is not None else None
        return CourrielDAgent(cible, renvoi) if cible is not None else None
    requete = select(CibleCampagne).where(
        CibleCampagne.campagne_id == campagne.id,
        CibleCampagne.affilie_id == annonce.affilie_id,
        CibleCampagne.cohorte == annonce.cohorte,
    )
    cible = (await session.exec(requete)).first()
    return CourrielDAgent(cible) if cible is not None else None


async def marquer_rebondi(session: AsyncSession, mail_id: int, le: datetime, motif: str) -> bool:
    """The mail marked bounced if it is still ``envoye``; whether this call marked it (the one statement that decides:
    the same bounce reported twice at once is taken once)."""
    ligne = await _executer(
        session,
        _MARQUER,
        {
            "id": mail_id,
            "le": le,
            "motif": motif,
            "rebondi": EtatMail.rebondi.value,
            "envoye": EtatMail.envoye.value,
        },
    )
    return ligne.first() is not None


async def rebonds_des_mails(session: AsyncSession, cles: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Among these outbox keys, the mails that came back: when it was reported, and why."""
    if not cles:
        return {}
    requete = select(Mail).where(col(Mail.cle).in_(list(cles)), Mail.etat == EtatMail.rebondi.value)
    return {
        mail.cle: {"le": mail.rebondi_le, "motif": mail.motif_rebond} for mail in (await session.exec(requete)).all()
    }
