"""A campaign's mail packet sent from a process of its own (``python -m tests.support.envoi_campagne URL PORT N
CONNEXIONS``),
so a test can kill it with SIGKILL in the middle of the packet (held there by ``tests.support.arret.boite_retenant``)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from activities.campagne_mails import ExpediteurGroupe, MailCampagne
from notifications.exemples import contexte_exemple
from notifications.rendu import Gabarits
from notifications.transport import TransportSmtp
from persistence.db import creer_moteur, fabrique_sessions
from tests.support.environnement import RACINE

PROCESSUS = "campagne-dai-2027"


def mails_du_paquet(nombre: int) -> list[MailCampagne]:
    return [
        MailCampagne(
            f"{PROCESSUS}:ris:{n}", "accuse_reception", f"agent{n}@exemple.fr", contexte_exemple("accuse_reception")
        )
        for n in range(nombre)
    ]


async def envoyer_paquet(url: str, port: int, nombre: int, connexions: int = 1) -> int:
    moteur = creer_moteur(url)
    try:
        transport = TransportSmtp("127.0.0.1", port, "CNRACL <ne-pas-repondre@cnracl.example.fr>")
        groupe = ExpediteurGroupe(fabrique_sessions(moteur), Gabarits(), transport, connexions=connexions)
        return await groupe.envoyer(mails_du_paquet(nombre), PROCESSUS, datetime.now(UTC))
    finally:
        await moteur.dispose()


def lancer_envoi(url: str, port: int, nombre: int, journal: Path, connexions: int = 1) -> subprocess.Popen[bytes]:
    with open(journal, "ab") as sortie:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.support.envoi_campagne", url, str(port), str(nombre), str(connexions)],
            cwd=RACINE,
            stdout=sortie,
            stderr=subprocess.STDOUT,
        )


if __name__ == "__main__":
    print(asyncio.run(envoyer_paquet(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
