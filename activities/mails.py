"""Sending a mail exactly once: render, store in the outbox under its key, send, mark sent."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.exceptions import ApplicationError

from domain.etats import Acteur, EtatMail
from notifications.rendu import Gabarits, MessageRendu
from notifications.transport import TransportSmtp
from observabilite.compteurs import compter_echec_envoi
from persistence import boite_envoi, depots
from persistence.boite_envoi import Prise
from persistence.db import SessionFactory, transaction
from persistence.models import Affilie, Employeur, Mail, Tache

Ecriture = Callable[[Any], Awaitable[object]]  # a write in a given session


@dataclass(frozen=True)
class Courrier:
    """One mail to send once: its outbox key, its template (the event), where, what it says, whose process."""

    cle: str
    evenement: str
    destinataire: str
    contexte: dict[str, Any]
    processus_id: str | None
    horodatage: datetime


@dataclass(frozen=True)
class MailReserve:
    """A mail stored in the outbox, not sent yet: what ``ExpediteurMails.expedier`` needs to send it."""

    mail_id: int
    message_id: str
    adresse: str
    horodatage: datetime
    message: MessageRendu


class ExpediteurMails:
    def __init__(self, sessions: SessionFactory, gabarits: Gabarits, transport: TransportSmtp) -> None:
        self._sessions = sessions
        self._gabarits = gabarits
        self._transport = transport

    async def envoyer_une_fois(self, courrier: Courrier) -> bool:
        """``True`` when sent now, ``False`` when its key was already sent.

        The outbox row is written (and committed) before sending: persist first, notify after. A
        retry after a failed send finds the row still ``a_envoyer`` and sends it; a retry after a
        successful send finds it ``envoye`` and does nothing.
        """
        async with transaction(self._sessions) as session:
            reserve = await self.reserver(session, courrier)
        return await self.expedier(reserve)

    async def reserver(self, session: AsyncSession, courrier: Courrier) -> MailReserve | None:
        """The first half of ``envoyer_une_fois``, in the caller's transaction (the activity that builds the
        mail's context in the same one): the mail rendered and stored in the outbox under its key. ``None``
        when this key was already sent. Commit, then ``expedier``."""
        cle, evenement, horodatage = courrier.cle, courrier.evenement, courrier.horodatage
        rendu = self._gabarits.rendre(evenement, courrier.contexte)
        mail = await depots.reserver_mail(
            session,
            cle,
            evenement,
            courrier.destinataire,
            rendu,
            self._transport.expediteur,
            horodatage,
            courrier.processus_id,
        )
        if mail.etat == EtatMail.envoye.value:
            return None
        if mail.id is None:
            raise ApplicationError("mail réservé sans numéro", type="MailSansNumero")
        return MailReserve(
            mail.id,
            mail.message_id,
            mail.destinataire,
            horodatage,
            MessageRendu(sujet=mail.sujet, texte=mail.corps_texte, html=mail.corps_html),
        )

    async def expedier(self, reserve: MailReserve | None, ensuite: Ecriture | None = None) -> bool:
        """The second half: send a reserved mail (committed), then mark it sent. ``False`` for ``None`` (sent
        before). ``ensuite``: a write of the caller's, done once the mail has left and is marked sent, in a
        transaction of its own (whatever becomes of it, the mail stays marked: a retry finds it sent and does
        the write alone); it must be idempotent."""
        envoye = reserve is not None and await self._envoyer(reserve)
        if ensuite is not None:
            async with transaction(self._sessions) as session:
                await ensuite(session)
        return envoye

    async def _envoyer(self, reserve: MailReserve) -> bool:
        """Claim the row, send it, mark it sent; ``False`` when it was sent meanwhile. Held by another sender (an
        attempt of this activity still running, or dead less than ``DELAI_REPRISE_MAIL`` ago): a retryable error,
        so the activity's next attempt finds the row sent, or takes it over."""
        pris_le = datetime.now(UTC)
        async with transaction(self._sessions) as session:
            prise = await boite_envoi.prendre_mail(session, reserve.mail_id, pris_le)
        if prise is Prise.envoye:
            return False
        if prise is Prise.en_cours:
            raise ApplicationError(
                f"mail {reserve.mail_id} en cours d'envoi par un autre essai : repris après son délai",
                type="MailEnCoursEnvoi",
            )
        try:
            await self._transport.envoyer(reserve.adresse, reserve.message, reserve.message_id)
        except Exception:
            compter_echec_envoi("processus")
            with contextlib.suppress(Exception):  # the database down too: the claim lapses by itself
                async with transaction(self._sessions) as session:
                    await boite_envoi.rendre_mail(session, reserve.mail_id, pris_le)
            raise
        await self._marquer_envoye(reserve.mail_id, reserve.horodatage)
        return True

    async def _marquer_envoye(self, mail_id: int, horodatage: datetime) -> None:
        """Record the send. The mail has left: a database unreachable for a moment (a restart) is waited
        for here, about 20 s, rather than failing the activity, whose retry would send it a second time."""
        for pause in (0.5, 1, 2, 4, 4, 4, 4, None):
            try:
                async with transaction(self._sessions) as session:
                    await session.exec(
                        update(Mail)
                        .where(col(Mail.id) == mail_id)
                        .values(etat=EtatMail.envoye.value, envoye_le=horodatage)
                    )
                return
            except (DBAPIError, OSError):
                if pause is None:
                    raise
                await asyncio.sleep(pause)


def adresse_de(acteur: Acteur, affilie: Affilie, employeur: Employeur | None, mail_superviseurs: str) -> str:
    """The address of the recipient of a process mail: the agent, their employer, or the supervisors."""
    if acteur is Acteur.affilie:
        return affilie.email
    if acteur is Acteur.employeur:
        if employeur is None:
            raise ApplicationError("aucun employeur destinataire", type="SansEmployeur", non_retryable=True)
        return employeur.email
    return mail_superviseurs


async def contexte_tache(session: AsyncSession, tache_id: int | None) -> dict[str, Any]:
    """The ``tache`` part of a mail context (empty without a task)."""
    if tache_id is None:
        return {}
    tache = await session.get(Tache, tache_id)
    if tache is None:
        raise ApplicationError(f"tâche {tache_id} inconnue", type="TacheInconnue", non_retryable=True)
    return {
        "tache": {
            "id": tache.id,
            "echeance": tache.echeance.isoformat() if tache.echeance else None,
            "annees": ", ".join(str(a) for a in tache.details.get("annees", [])),
            "motif": (tache.reponse or {}).get("motif") or "",  # a rectification answered « aucune erreur »
            # a validation's certificates task: the periods done at this employer
            "periodes": [(p["debut"], p["fin"]) for p in tache.details.get("periodes_a_certifier", [])],
        }
    }
