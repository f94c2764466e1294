"""Mails of a campaign, many at a time, each exactly once — the outbox of ``ExpediteurMails``, in bulk.

Same table, same keys, same rule: the outbox rows are written (and committed) before sending,
in one ``INSERT … ON CONFLICT DO NOTHING``; then the rows still ``a_envoyer`` are claimed (one ``UPDATE …
RETURNING``), sent over one SMTP connection, each marked sent as soon as the server accepted it. Rows another attempt holds are
left to it, and this attempt fails to be retried. A retried packet finds its mails already
sent and sends nothing; the Message-ID is derived from the key, so a relay can tell a repeat.

A recipient the server refuses affects that recipient only: the others of the packet are sent. A permanent refusal
(5xx) marks the row ``refuse`` at once; a temporary one (4xx) counts an attempt and the packet is retried, until
``essais_destinataire`` attempts, after which the row is ``refuse`` too. The caller reads the refused rows back
(``refuses``) and takes them another way (a campaign: on paper). The server itself out of reach is not a
recipient's failure: the packet is retried whole, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiosmtplib
from sqlalchemy import bindparam, text
from temporalio.exceptions import ApplicationError

from activities.concurrence import ensemble
from domain.etats import EtatMail
from notifications.rendu import Gabarits, MessageRendu
from notifications.transport import TransportSmtp
from observabilite.compteurs import compter_echec_envoi
from persistence.boite_envoi import DELAI_REPRISE_MAIL
from persistence.db import SessionFactory, moteur_de, transaction
from persistence.depots_campagne import _executer, _inserer_sans_doublon
from persistence.models import Mail
from persistence.types import UtcDateTime

# The packet's rows still to send, claimed in one statement (``persistence.boite_envoi``: one sender at a time; a
# dead sender's claim lapses after ``DELAI_REPRISE_MAIL``); a failed send gives back the claims not yet sent.
_A_ENVOYER = {"etat": EtatMail.a_envoyer.value}
_PRENDRE = text(
    "UPDATE mail SET pris_le = :pris_le WHERE cle IN :cles AND etat = :etat AND (pris_le IS NULL OR pris_le < :limite) "
    "RETURNING id, destinataire, sujet, corps_texte, corps_html, message_id, tentatives"
).bindparams(
    bindparam("cles", expanding=True),
    bindparam("pris_le", type_=UtcDateTime()),
    bindparam("limite", type_=UtcDateTime()),
)
_RENDRE = text("UPDATE mail SET pris_le = NULL WHERE cle IN :cles AND etat = :etat AND pris_le = :pris_le").bindparams(
    bindparam("cles", expanding=True), bindparam("pris_le", type_=UtcDateTime())
)
_REFUSES = text("SELECT cle FROM mail WHERE cle IN :cles AND etat = :etat").bindparams(
    bindparam("cles", expanding=True)
)
_MARQUER = text("UPDATE mail SET etat = :etat, envoye_le = :h WHERE id = :id").bindparams(
    bindparam("h", type_=UtcDateTime())
)
_TENUS = text("SELECT COUNT(*) FROM mail WHERE cle IN :cles AND etat = :etat").bindparams(
    bindparam("cles", expanding=True)
)


@dataclass
class MailCampagne:
    cle: str
    evenement: str
    destinataire: str
    contexte: dict[str, Any]


class ExpediteurGroupe:
    def __init__(
        self,
        sessions: SessionFactory,
        gabarits: Gabarits,
        transport: TransportSmtp,
        paquet_smtp: int = 50,  # mails between two heartbeats
        essais_destinataire: int = 5,  # temporary refusals of one recipient before it counts as refused
        connexions: int = 4,  # SMTP connections a packet is sent over at once
    ) -> None:
        self._sessions = sessions
        self._gabarits = gabarits
        self._transport = transport
        self._paquet = max(1, paquet_smtp)
        self._essais = max(1, essais_destinataire)
        self._connexions = max(1, connexions)

    async def envoyer(
        self, mails: Sequence[MailCampagne], processus_id: str, horodatage: datetime, battement=None
    ) -> int:
        """Send each mail once; return how many of them are (now or already) sent."""
        if not mails:
            return 0
        cles = [m.cle for m in mails]
        async with transaction(self._sessions) as session:
            connues = {
                c
                for (c,) in (
                    await _executer(
                        session,
                        text("SELECT cle FROM mail WHERE cle IN :cles").bindparams(bindparam("cles", expanding=True)),
                        {"cles": cles},
                    )
                ).all()
            }
            domaine = self._transport.expediteur.rsplit("@", 1)[-1].rstrip(">")
            nouvelles = []
            for m in mails:
                if m.cle in connues:
                    continue
                rendu = self._gabarits.rendre(m.evenement, m.contexte)
                nouvelles.append(
                    {
                        "cle": m.cle,
                        "evenement": m.evenement,
                        "processus_id": processus_id,
                        "destinataire": m.destinataire,
                        "sujet": rendu.sujet,
                        "corps_texte": rendu.texte,
                        "corps_html": rendu.html,
                        "message_id": f"<{hashlib.sha256(m.cle.encode()).hexdigest()[:32]}@{domaine}>",
                        "etat": EtatMail.a_envoyer.value,
                        "cree_le": horodatage,
                        "envoye_le": None,
                    }
                )
            if nouvelles:
                await _executer(session, _inserer_sans_doublon(session, Mail.__table__, ["cle"]), nouvelles)  # type: ignore[attr-defined]
        pris_le = datetime.now(UTC)
        async with transaction(self._sessions) as session:
            a_envoyer = sorted(
                (await _executer(session, _PRENDRE, self._prise(cles, pris_le))).all(), key=lambda ligne: ligne.id
            )
        differes = 0
        if a_envoyer:
            try:
                differes = await self._expedier(a_envoyer, horodatage, battement)
            except Exception:
                compter_echec_envoi("campagne")
                with contextlib.suppress(Exception):  # the database down too: the claims lapse by themselves
                    async with transaction(self._sessions) as session:
                        await _executer(session, _RENDRE, {"cles": cles, "pris_le": pris_le, **_A_ENVOYER})
                raise
        async with self._sessions() as session:
            tenus = (await _executer(session, _TENUS, {"cles": cles, **_A_ENVOYER})).scalar()
        if differes:
            raise ApplicationError(
                f"{differes} destinataire(s) refusé(s) temporairement par le serveur de messagerie : paquet réessayé",
                type="DestinataireDiffere",
            )
        if tenus:
            raise ApplicationError(
                f"{tenus} mail(s) du paquet en cours d'envoi par un autre essai : repris après leur délai",
                type="MailEnCoursEnvoi",
            )
        return len(mails)

    async def refuses(self, cles: Sequence[str]) -> set[str]:
        """The keys, among ``cles``, whose recipient the mail server refused for good."""
        if not cles:
            return set()
        async with self._sessions() as session:
            lignes = await _executer(session, _REFUSES, {"cles": list(cles), "etat": EtatMail.refuse.value})
            return {cle for (cle,) in lignes.all()}

    @staticmethod
    def _prise(cles: list[str], pris_le: datetime) -> dict[str, Any]:
        return {"cles": cles, "pris_le": pris_le, "limite": pris_le - DELAI_REPRISE_MAIL, **_A_ENVOYER}

    async def _expedier(self, lignes, horodatage: datetime, battement) -> int:
        """The packet's mails over several SMTP connections at once, each taking every n-th mail: one connection
        spends most of its time waiting for the relay's replies and for the database's, and a campaign's rate
        is then that wait, not the processor. Each mail is marked sent as soon as the server accepted it: a
        worker killed mid-packet leaves no accepted mail ``a_envoyer``, so the retry resends none of them (at
        most one in flight per connection, whose Message-ID repeats). A connection that fails stops the others.
        Returns how many recipients were refused for now (to be tried again)."""
        connexions = min(self._connexions, len(lignes))
        envoyes = [0]

        def compter() -> None:
            envoyes[0] += 1
            if battement and envoyes[0] % self._paquet == 0:
                battement()

        differes = await ensemble(
            *(
                self._expedier_sur_une_connexion(lignes[rang::connexions], horodatage, compter)
                for rang in range(connexions)
            )
        )
        return sum(differes)

    async def _expedier_sur_une_connexion(self, lignes, horodatage: datetime, compter) -> int:
        client = await self._transport.ouvrir()
        differes = 0
        try:
            # One database connection beside the SMTP one, in autocommit: each mail marked by one statement that
            # commits by itself (no BEGIN and COMMIT around it, a round trip each).
            async with moteur_de(self._sessions).connect() as connexion:
                base = await connexion.execution_options(isolation_level="AUTOCOMMIT")
                for ligne in lignes:
                    try:
                        await self._transport.deposer(
                            client,
                            ligne.destinataire,
                            MessageRendu(ligne.sujet, ligne.corps_texte, ligne.corps_html),
                            ligne.message_id,
                        )
                    except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPDataError) as refus:
                        if await self._refuser(ligne, _code(refus)):
                            differes += 1
                        continue
                    await base.execute(_MARQUER, {"etat": EtatMail.envoye.value, "h": horodatage, "id": ligne.id})
                    compter()
        finally:
            with contextlib.suppress(aiosmtplib.SMTPException):
                await client.quit()
        return differes

    async def _refuser(self, ligne, code: int) -> bool:
        """One recipient refused: for good (``refuse``), or for now (an attempt counted, the claim given back).
        Returns whether it is to be tried again."""
        tentatives = ligne.tentatives + 1
        definitif = code >= 500 or tentatives >= self._essais
        compter_echec_envoi("campagne")
        async with transaction(self._sessions) as session:
            await _executer(
                session,
                text("UPDATE mail SET etat = :etat, tentatives = :tentatives, pris_le = NULL WHERE id = :id"),
                {
                    "etat": (EtatMail.refuse if definitif else EtatMail.a_envoyer).value,
                    "tentatives": tentatives,
                    "id": ligne.id,
                },
            )
        return not definitif


def _code(refus: aiosmtplib.SMTPException) -> int:
    """The SMTP reply code of a refusal; of the envelope's recipients, the lowest (a temporary refusal: try again)."""
    if isinstance(refus, aiosmtplib.SMTPRecipientsRefused):
        return min((r.code for r in refus.recipients), default=550)
    return int(getattr(refus, "code", 550))
