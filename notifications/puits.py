"""A local SMTP sink (aiosmtpd) writing each message to ``var/mail/*.eml``: the embedded mail server."""

from __future__ import annotations

import re
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


class GestionnairePuits:
    def __init__(self, dossier: Path, garder_en_memoire: bool = True) -> None:
        self.dossier = dossier
        self.dossier.mkdir(parents=True, exist_ok=True)
        self.garder_en_memoire = garder_en_memoire  # tests read messages back; the service only writes files
        self.recus: list[bytes] = []
        self.nombre = 0

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        brut = envelope.original_content or envelope.content or b""
        contenu = brut.encode() if isinstance(brut, str) else brut
        self.nombre += 1
        if self.garder_en_memoire:
            self.recus.append(contenu)
        destinataire = re.sub(r"[^A-Za-z0-9@._-]", "_", envelope.rcpt_tos[0] if envelope.rcpt_tos else "inconnu")
        nom = f"{time.time_ns()}-{self.nombre:06d}-{destinataire}.eml"
        (self.dossier / nom).write_bytes(contenu)
        return "250 Message accepté"


def demarrer_puits(
    dossier: Path, hote: str = "127.0.0.1", port: int = 8025, garder_en_memoire: bool = True
) -> tuple[Controller, GestionnairePuits]:
    gestionnaire = GestionnairePuits(dossier, garder_en_memoire)
    controleur = Controller(gestionnaire, hostname=hote, port=port)
    controleur.start()
    return controleur, gestionnaire
