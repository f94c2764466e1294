"""Mail transport: one message through any SMTP relay (aiosmtplib)."""

from __future__ import annotations

import asyncio
import socket
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

import aiosmtplib

from notifications.rendu import MessageRendu

_nom_local: str | None = None


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

    def construire(self, destinataire: str, message: MessageRendu, message_id: str) -> EmailMessage:
        courriel = EmailMessage()
        courriel["From"] = self.expediteur
        courriel["To"] = destinataire
        courriel["Subject"] = message.sujet
        courriel["Date"] = formatdate(localtime=False)
        # A stable Message-ID derived from the idempotency key: a relay or a client that sees the
        # same message twice (a retried send) can tell it is the same one.
        courriel["Message-ID"] = message_id
        courriel.set_content(message.texte)
        courriel.add_alternative(message.html, subtype="html")
        return courriel

    async def envoyer(self, destinataire: str, message: MessageRendu, message_id: str) -> None:
        await aiosmtplib.send(self.construire(destinataire, message, message_id), **await self._connexion())

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
