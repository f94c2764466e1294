"""Delivery status notifications (« avis de non-remise », RFC 3464) as a mail provider sends them back, in the forms
seen in the wild: the returned mail's headers (``text/rfc822-headers``), the whole returned mail (``message/rfc822``),
or only an ``Original-Message-ID`` field."""

from __future__ import annotations

from typing import Literal

Forme = Literal["entetes", "message", "champ", "sans_courriel"]


def avis_de_non_remise(
    destinataire: str,
    message_id: str | None,
    forme: Forme = "entetes",
    statut: str = "5.1.1",
    action: str = "failed",
) -> bytes:
    """A notification that the mail ``message_id`` to ``destinataire`` could not be delivered (``action``)."""
    original = (
        "From: CNRACL <campagne@cnracl.example.fr>\r\n"
        f"To: {destinataire}\r\n"
        "Subject: Votre document de la campagne\r\n" + (f"Message-ID: {message_id}\r\n" if message_id else "")
    )
    champ = f"Original-Message-ID: {message_id}\r\n" if forme == "champ" and message_id else ""
    if forme == "message":
        retour = f"Content-Type: message/rfc822\r\n\r\n{original}\r\nBonjour,\r\n"
    elif forme == "entetes":
        retour = f"Content-Type: text/rfc822-headers\r\n\r\n{original}"
    else:
        retour = "Content-Type: text/plain\r\n\r\n(courriel d'origine non joint)\r\n"
    return (
        "From: MAILER-DAEMON@relais.example.fr\r\n"
        "To: campagne@cnracl.example.fr\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <avis-123@relais.example.fr>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="LIMITE"\r\n'
        "\r\n"
        "--LIMITE\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Votre message n'a pas pu être remis.\r\n"
        "\r\n"
        "--LIMITE\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; relais.example.fr\r\n"
        f"{champ}"
        "\r\n"
        f"Final-Recipient: rfc822; {destinataire}\r\n"
        f"Action: {action}\r\n"
        f"Status: {statut}\r\n"
        f"Diagnostic-Code: smtp; 550 {statut} <{destinataire}>: Recipient address rejected\r\n"
        "\r\n"
        "--LIMITE\r\n"
        f"{retour}"
        "\r\n"
        "--LIMITE--\r\n"
    ).encode()
