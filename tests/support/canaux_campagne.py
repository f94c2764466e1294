"""What the campaign's channel and failure tests need: a real SMTP server that refuses some recipients (for good, or
for now), and a collector that is down until the test says it is back."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from aiosmtpd.controller import Controller

from activities.campagne_collecteur import CollecteurFichiers, LotATransmettre, Recu
from notifications.puits import GestionnairePuits
from tests.support.environnement import BoiteMail, port_libre


class PuitsRefusant(GestionnairePuits):
    """Accepts every message, except to ``refuses`` (550 at RCPT: the mailbox does not exist) and to ``differes``
    (451 at RCPT: try later); counts the refusals per address."""

    def __init__(self, dossier: Path) -> None:
        super().__init__(dossier)
        self.refuses: set[str] = set()
        self.differes: set[str] = set()
        self.refus: dict[str, int] = {}

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options) -> str:
        if address in self.refuses or address in self.differes:
            self.refus[address] = self.refus.get(address, 0) + 1
            if address in self.refuses:
                return "550 5.1.1 Boîte aux lettres inconnue"
            return "451 4.2.1 Boîte aux lettres momentanément indisponible"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def demarrer_puits_refusant(dossier: Path) -> tuple[Controller, PuitsRefusant, BoiteMail]:
    port = port_libre()
    puits = PuitsRefusant(dossier)
    controleur = Controller(puits, hostname="127.0.0.1", port=port)
    controleur.start()
    return controleur, puits, BoiteMail(puits, port)


class CollecteurEnPanne:
    """The collector of the files, down while ``en_panne`` (the test flips it); counts the attempts."""

    nom = "fichiers"
    en_panne: ClassVar[bool] = True
    essais: ClassVar[int] = 0

    def __init__(self, dossier: Path, cle: bytes) -> None:
        self._fichiers = CollecteurFichiers(dossier, cle)

    async def transmettre(self, lot: LotATransmettre) -> Recu:
        CollecteurEnPanne.essais += 1
        if CollecteurEnPanne.en_panne:
            raise ConnectionRefusedError("collecteur injoignable")
        return await self._fichiers.transmettre(lot)
