"""A local SMTP sink (aiosmtpd) writing each message to ``var/mail/*.eml``: the embedded mail server."""

from __future__ import annotations

import re
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


class GestionnairePuits:
    def __init__(self, dossier: Path) -> None:
        self.dossier = dossier
        self.dossier.mkdir(parents=True, exist_ok=True)
        self.recus: list[bytes] = []

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        contenu = envelope.original_content or envelope.content
        if isinstance(contenu, str):
            contenu = contenu.encode()
        self.recus.append(contenu)
        destinataire = re.sub(r"[^A-Za-z0-9@._-]", "_", envelope.rcpt_tos[0] if envelope.rcpt_tos else "inconnu")
        nom = f"{time.time_ns()}-{len(self.recus):06d}-{destinataire}.eml"
        (self.dossier / nom).write_bytes(contenu)
        return "250 Message accepté"


def demarrer_puits(dossier: Path, hote: str = "127.0.0.1", port: int = 8025) -> tuple[Controller, GestionnairePuits]:
    gestionnaire = GestionnairePuits(dossier)
    controleur = Controller(gestionnaire, hostname=hote, port=port)
    controleur.start()
    return controleur, gestionnaire
