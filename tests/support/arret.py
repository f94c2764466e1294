"""An SMTP server that takes its time: a mail stays under way long enough for a process to be stopped meanwhile."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from notifications.puits import GestionnairePuits
from tests.support.environnement import port_libre


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
