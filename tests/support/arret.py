"""SMTP servers that take their time: a mail stays under way long enough for a process to be stopped, or a campaign
paused, meanwhile."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from notifications.puits import GestionnairePuits
from tests.support.environnement import BoiteMail, port_libre


class PuitsLent(GestionnairePuits):
    """Each message accepted only ``lenteur`` seconds after its data arrived; ``en_cours`` is set from then."""

    def __init__(self, dossier: Path, lenteur: float) -> None:
        super().__init__(dossier)
        self.lenteur = lenteur
        self.en_cours = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.en_cours.set()
        await asyncio.sleep(self.lenteur)
        return await super().handle_DATA(server, session, envelope)


@contextmanager
def puits_lent(dossier: Path, lenteur: float) -> Iterator[tuple[PuitsLent, int]]:
    """The slow server on a free port: (its handler, its port)."""
    gestionnaire, port = PuitsLent(dossier, lenteur), port_libre()
    controleur = Controller(gestionnaire, hostname="127.0.0.1", port=port)
    controleur.start()
    try:
        yield gestionnaire, port
    finally:
        controleur.stop()


class PuitsRetenant(GestionnairePuits):
    """Accepts every message; the first one to an address of ``domaine`` only once ``relache`` is set (``retenu`` is
    set while it waits): its sender is held inside its packet, at a point the test chose."""

    def __init__(self, dossier: Path, domaine: str) -> None:
        super().__init__(dossier)
        self.domaine = domaine
        self.retenu = threading.Event()
        self.relache = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.retenu.is_set() and any(a.endswith(f"@{self.domaine}") for a in envelope.rcpt_tos):
            self.retenu.set()
            await asyncio.to_thread(self.relache.wait, 120)  # set from the test
        return await super().handle_DATA(server, session, envelope)


@contextmanager
def boite_retenant(dossier: Path, domaine: str) -> Iterator[tuple[BoiteMail, PuitsRetenant]]:
    """The holding server on a free port, with the tests' reading of its messages."""
    gestionnaire, port = PuitsRetenant(dossier, domaine), port_libre()
    controleur = Controller(gestionnaire, hostname="127.0.0.1", port=port)
    controleur.start()
    try:
        yield BoiteMail(gestionnaire, port), gestionnaire
    finally:
        gestionnaire.relache.set()
        controleur.stop()
