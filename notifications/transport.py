"""Mail transport: one message through any SMTP relay (aiosmtplib)."""

from __future__ import annotations

import asyncio
import binascii
import functools
import hashlib
import socket
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from typing import Any, Protocol

import aiosmtplib

from notifications.rendu import MessageRendu

_nom_local: str | None = None


@functools.lru_cache(maxsize=1024)
def _sujet(sujet: str) -> str:
    """The subject as RFC 2047 encoded words (the ``email`` package's), folded, computed once per distinct
    subject: a campaign sends one subject to hundreds of thousands of people."""
    encode = sujet if sujet.isascii() else Header(sujet, "utf-8", header_name="Subject").encode()
    return encode.replace("\n", "\r\n")


@functools.lru_cache(maxsize=16)
def _adresse(adresse: str) -> str:
    """``Nom <adresse>`` with a display name in any language, the address part left as is."""
    return adresse if adresse.isascii() else formataddr(parseaddr(adresse), charset="utf-8")


def _qp(corps: str) -> str:
    """A body in UTF-8, quoted-printable (the C encoder of ``binascii``): 7-bit safe through any relay, lines of at
    most 76 characters, readable in the raw file."""
    return binascii.b2a_qp(corps.encode("utf-8"), istext=True).decode("ascii").replace("\n", "\r\n")


async def nom_local() -> str:
    """The name this machine gives at EHLO, looked up once per process (in a thread: it may ask the resolver);
    aiosmtplib would otherwise look it up at each connection."""
    global _nom_local  # noqa: PLW0603 (looked up once per process)
    if _nom_local is None:
        _nom_local = await asyncio.to_thread(socket.getfqdn)
    return _nom_local


class ReglagesSmtp(Protocol):
    """The service's SMTP settings (``settings.Settings`` has them: ``CNRACL_SMTP_*``, ``CNRACL_MAIL_EXPEDITEUR``)."""

    @property
    def smtp_host(self) -> str: ...
    @property
    def smtp_port(self) -> int: ...
    @property
    def mail_expediteur(self) -> str: ...
    @property
    def smtp_user(self) -> str: ...
    @property
    def smtp_password(self) -> str: ...
    @property
    def smtp_starttls(self) -> bool: ...


class TransportSmtp:
    def __init__(
        self,
        hote: str,
        port: int,
        expediteur: str,
        utilisateur: str = "",
        mot_de_passe: str = "",
        starttls: bool = False,
        delai: float = 30.0,
    ) -> None:
        self.hote, self.port, self.expediteur = hote, port, expediteur
        self._utilisateur, self._mot_de_passe = utilisateur or None, mot_de_passe or None
        self._starttls, self._delai = starttls, delai
        self._enveloppe = parseaddr(expediteur)[1] or expediteur  # the envelope's sender: the address alone

    @classmethod
    def depuis(cls, reglages: ReglagesSmtp) -> TransportSmtp:
        return cls(
            reglages.smtp_host,
            reglages.smtp_port,
            reglages.mail_expediteur,
            reglages.smtp_user,
            reglages.smtp_password,
            reglages.smtp_starttls,
        )

    def construire(self, destinataire: str, message: MessageRendu, message_id: str) -> bytes:
        """The message as sent: the text and its HTML alternative, in UTF-8. Written from a fixed layout rather
        than through the ``email`` package's message objects, whose header folding and generator cost about
        a millisecond a message — more than the whole rest of a send in a campaign; what is encoded (the subject's
        encoded words, the quoted-printable bodies) is still encoded by the standard library."""
        if any(fin in valeur for valeur in (destinataire, message_id) for fin in "\r\n"):
            raise ValueError("adresse ou identifiant de message sur plusieurs lignes")
        # The boundary starts with « =_ », which a quoted-printable body can never contain; derived from the
        # Message-ID rather than drawn at random, it needs no search of the bodies for a collision.
        limite = "=_" + hashlib.sha256(message_id.encode()).hexdigest()[:24]
        parties = "".join(
            f"--{limite}\r\n"
            f'Content-Type: text/{sous_type}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            f"{_qp(corps)}\r\n"
            for sous_type, corps in (("plain", message.texte), ("html", message.html))
        )
        return (
            f"From: {_adresse(self.expediteur)}\r\n"
            f"To: {destinataire}\r\n"
            f"Subject: {_sujet(message.sujet)}\r\n"
            f"Date: {formatdate(localtime=False)}\r\n"
            # A stable Message-ID derived from the idempotency key: a relay or a client that sees the same message
            # twice (a retried send) can tell it is the same one.
            f"Message-ID: {message_id}\r\n"
            "MIME-Version: 1.0\r\n"
            f'Content-Type: multipart/alternative; boundary="{limite}"\r\n\r\n'
            f"{parties}--{limite}--\r\n"
        ).encode("ascii")

    async def deposer(self, client: aiosmtplib.SMTP, destinataire: str, message: MessageRendu, message_id: str) -> None:
        """One message on a connection already open (``ouvrir``)."""
        await client.sendmail(self._enveloppe, [destinataire], self.construire(destinataire, message, message_id))

    async def envoyer(self, destinataire: str, message: MessageRendu, message_id: str) -> None:
        await aiosmtplib.send(
            self.construire(destinataire, message, message_id),
            sender=self._enveloppe,
            recipients=[destinataire],
            **await self._connexion(),
        )

    async def ouvrir(self) -> aiosmtplib.SMTP:
        """A connection open to the relay, to send many messages on it (a campaign's packets); quit it after."""
        client = aiosmtplib.SMTP(**await self._connexion())
        await client.connect()
        return client

    async def _connexion(self) -> dict[str, Any]:
        return {
            "hostname": self.hote,
            "port": self.port,
            "username": self._utilisateur,
            "password": self._mot_de_passe,
            "start_tls": self._starttls,
            "timeout": self._delai,
            "local_hostname": await nom_local(),
        }
