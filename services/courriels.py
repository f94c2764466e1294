"""Mails of the synchronous account flows (seed 002), which no workflow sends: written to the outbox in the
request's own transaction (with its idempotency key), sent once the answer has gone, then marked sent.

Persist first, notify after: a crash between the commit and the send leaves the row ``a_envoyer`` (counted
by ``cnracl_mails_en_souffrance``), never a changed account without its mail; the same key asked again
(a retried identifier request within the hour, or two at once) sends the waiting row or nothing: the row is
claimed before it is sent. A mail carrying a code
keeps it in the outbox only until it has left: the stored copy is then masked.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.etats import EtatMail
from notifications.rendu import Gabarits, MessageRendu
from notifications.transport import TransportSmtp
from persistence import boite_envoi, depots
from persistence.boite_envoi import Prise
from persistence.db import SessionFactory, transaction
from persistence.models import Mail
from services.fiabilite import point_de_panne
from settings import Settings

journal = logging.getLogger("cnracl.api.courriels")
MASQUE = "(masqué après l'envoi)"
# The mails that carry a confidential code (``services.comptes``): the code never stays in the stored copy.
EVENEMENTS_A_CODE = frozenset({"code_regenere", "compte_cree"})
CORPS_MASQUE = "(contenu masqué après l'envoi : il portait un code confidentiel)"


@cache
def _gabarits() -> Gabarits:
    return Gabarits()


def transport_de(settings: Settings) -> TransportSmtp:
    return TransportSmtp.depuis(settings)


async def deposer(
    session: AsyncSession,
    settings: Settings,
    *,
    cle: str,
    evenement: str,
    destinataire: str,
    contexte: dict[str, Any],
    maintenant: datetime,
) -> int | None:
    """Write the mail in the outbox (not committed here); its id when it is still to send, else ``None``."""
    rendu = _gabarits().rendre(evenement, {"url": settings.url_publique, **contexte})
    mail = await depots.reserver_mail(
        session, cle, evenement, destinataire, rendu, settings.mail_expediteur, maintenant
    )
    return mail.id if mail.etat == EtatMail.a_envoyer.value else None


@dataclass(frozen=True)
class Essais:
    """The sweeper's bound on a row's sends (``settings.boite_envoi_*``): the first interval, doubled each time,
    and the number of sends before the row is an incident."""

    intervalle: timedelta
    bornes: int

    @classmethod
    def depuis(cls, settings: Settings) -> Essais:
        return cls(settings.boite_envoi_intervalle, settings.boite_envoi_tentatives)


async def expedier(
    sessions: SessionFactory,
    settings: Settings,
    mail_id: int,
    secret: str | None = None,
    essais: Essais | None = None,
) -> None:
    """Send a committed outbox row once and mark it sent, masking ``secret`` in the stored copy. The row is claimed
    first (``boite_envoi.prendre_mail``): requests racing on one row (the same identifier asked twice at once)
    send it once, the others leave it. A refused send gives the claim back and leaves the row waiting (logged
    without its content); sent by the sweeper (``essais``), the refusal is counted, and past the bound the row is an
    incident and the code it carries expires."""
    point_de_panne(settings, "envoi")
    pris_le = datetime.now(UTC)
    async with transaction(sessions) as session:
        if await boite_envoi.prendre_mail(session, mail_id, pris_le) is not Prise.prise:
            return  # sent already, or being sent by another request
        mail = await session.get(Mail, mail_id)
        if mail is None:
            return
        message = MessageRendu(sujet=mail.sujet, texte=mail.corps_texte, html=mail.corps_html)
        adresse, message_id = mail.destinataire, mail.message_id
    try:
        await transport_de(settings).envoyer(adresse, message, message_id)
    except Exception as exc:  # the relay is down: the row waits in the outbox
        journal.warning("courriel %s non envoyé (%s) : il reste dans la boîte d'envoi", mail_id, type(exc).__name__)
        with contextlib.suppress(Exception):  # the database down too: the claim lapses by itself
            async with transaction(sessions) as session:
                if essais is None:
                    await boite_envoi.rendre_mail(session, mail_id, pris_le)
                else:
                    await _compter_echec(session, mail_id, pris_le, essais)
        return
    async with transaction(sessions) as session:
        envoye = await session.get(Mail, mail_id)
        if envoye is None:  # removed meanwhile: nothing to mark
            return
        envoye.etat = EtatMail.envoye.value
        envoye.envoye_le = datetime.now(UTC)
        if secret:
            envoye.corps_texte = envoye.corps_texte.replace(secret, MASQUE)
            envoye.corps_html = envoye.corps_html.replace(secret, MASQUE)
        elif envoye.evenement in EVENEMENTS_A_CODE:  # resent by the sweeper, which never knew the code
            envoye.corps_texte = envoye.corps_html = CORPS_MASQUE
        session.add(envoye)


async def _compter_echec(session: AsyncSession, mail_id: int, pris_le: datetime, essais: Essais) -> None:
    incident = await boite_envoi.compter_echec(
        session, mail_id, pris_le, datetime.now(UTC), essais.intervalle, essais.bornes
    )
    if incident is None:
        return
    journal.error(
        "courriel %s (%s) non envoyé après %d essais : incident, son code éventuel est annulé",
        mail_id,
        incident.evenement,
        incident.tentatives,
    )
    if incident.evenement in EVENEMENTS_A_CODE:
        compte_id, regeneration = _compte_du_code(incident.cle)
        if compte_id is not None:
            await boite_envoi.annuler_code(session, compte_id, regeneration)


def _compte_du_code(cle: str) -> tuple[int | None, int | None]:
    """The account and regeneration number of a code mail's key (``compte-{id}:code_regenere:{n}``, or
    ``compte-{id}:compte_cree`` for a new account's initial code)."""
    morceaux = cle.split(":")
    compte, tour = morceaux[0].removeprefix("compte-"), morceaux[2] if len(morceaux) > 2 else ""
    return (int(compte) if compte.isdigit() else None), (int(tour) if tour.isdigit() else None)
