"""Sending a mail exactly once: render, store in the outbox under its key, send, mark sent."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError

from persistence import depots
from persistence.db import SessionFactory, transaction
from temporalio.exceptions import ApplicationError

from domain.etats import Acteur, EtatMail
from persistence.models import Affilie, Employeur, Mail, Tache
from notifications.rendu import Gabarits, MessageRendu
from notifications.transport import TransportSmtp
from observabilite.compteurs import compter_echec_envoi


class ExpediteurMails:
    def __init__(self, sessions: SessionFactory, gabarits: Gabarits, transport: TransportSmtp) -> None:
        self._sessions = sessions
        self._gabarits = gabarits
        self._transport = transport

    async def envoyer_une_fois(
        self,
        cle: str,
        evenement: str,
        destinataire: str,
        contexte: dict[str, Any],
        processus_id: str | None,
        horodatage: datetime,
    ) -> bool:
        """``True`` when sent now, ``False`` when this key was already sent.

        The outbox row is written (and committed) before sending: persist first, notify after. A
        retry after a failed send finds the row still ``a_envoyer`` and sends it; a retry after a
        successful send finds it ``envoye`` and does nothing.
        """
        rendu = self._gabarits.rendre(evenement, contexte)
        domaine = self._transport.expediteur.rsplit("@", 1)[-1].rstrip(">")
        async with transaction(self._sessions) as session:
            mail, _ = await depots.reserver_mail(
                session,
                Mail(
                    cle=cle,
                    evenement=evenement,
                    processus_id=processus_id,
                    destinataire=destinataire,
                    sujet=rendu.sujet,
                    corps_texte=rendu.texte,
                    corps_html=rendu.html,
                    message_id=f"<{_id_message(cle)}@{domaine}>",
                    etat=EtatMail.a_envoyer.value,
                    cree_le=horodatage,
                ),
            )
            if mail.etat == EtatMail.envoye.value:
                return False
            mail_id, message_id = mail.id, mail.message_id
            stocke = MessageRendu(sujet=mail.sujet, texte=mail.corps_texte, html=mail.corps_html)
            adresse = mail.destinataire
        try:
            await self._transport.envoyer(adresse, stocke, message_id)
        except Exception:
            compter_echec_envoi("processus")
            raise
        await self._marquer_envoye(mail_id, horodatage)
        return True

    async def _marquer_envoye(self, mail_id: int, horodatage: datetime) -> None:
        """Record the send. The mail has left: a database unreachable for a moment (a restart) is waited
        for here, about 20 s, rather than failing the activity, whose retry would send it a second time."""
        for pause in (0.5, 1, 2, 4, 4, 4, 4, None):
            try:
                async with transaction(self._sessions) as session:
                    envoye = await session.get(Mail, mail_id)
                    assert envoye is not None
                    envoye.etat = EtatMail.envoye.value
                    envoye.envoye_le = horodatage
                    session.add(envoye)
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


async def contexte_tache(session, tache_id: int | None) -> dict[str, Any]:
    """The ``tache`` part of a mail context (empty without a task)."""
    if tache_id is None:
        return {}
    tache = await session.get(Tache, tache_id)
    assert tache is not None
    return {"tache": {"id": tache.id, "echeance": tache.echeance.isoformat() if tache.echeance else None,
                      "annees": ", ".join(str(a) for a in tache.details.get("annees", []))}}


def _id_message(cle: str) -> str:
    import hashlib

    return hashlib.sha256(cle.encode()).hexdigest()[:32]
