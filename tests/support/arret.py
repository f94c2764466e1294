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
    """Holds messages unanswered until ``relache`` is set (``retenu`` is set once one waits): their sender stays
    inside its packet, at a point the test chose, to be killed or its campaign paused. Held: the first message to
    an address of ``domaine``; or, with ``a_partir_du`` n, the n-th message and every later one (over several
    connections, each stops on the one it sends). With ``refuser``, a held message is then refused: a sender killed
    meanwhile never had it accepted. Once released, messages are accepted again."""

    def __init__(
        self, dossier: Path, domaine: str | None = None, a_partir_du: int | None = None, refuser: bool = False
    ) -> None:
        super().__init__(dossier)
        self.domaine, self.a_partir_du, self.refuser = domaine, a_partir_du, refuser
        self.vus = 0
        self.retenu = threading.Event()
        self.relache = threading.Event()

    def _a_retenir(self, destinataires: list[str]) -> bool:
        if self.relache.is_set():
            return False
        if self.a_partir_du is not None:
            return self.vus >= self.a_partir_du
        return not self.retenu.is_set() and any(a.endswith(f"@{self.domaine}") for a in destinataires)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.vus += 1
        if self._a_retenir(envelope.rcpt_tos):
            self.retenu.set()
            await asyncio.to_thread(self.relache.wait, 120)  # set from the test's thread
            if self.refuser:
                return "451 Réessayez plus tard"
        return await super().handle_DATA(server, session, envelope)


@contextmanager
def boite_retenant(dossier: Path, **retenue: Any) -> Iterator[tuple[BoiteMail, PuitsRetenant]]:
    """The holding server (``PuitsRetenant``'s options) on a free port, with the tests' reading of its messages."""
    gestionnaire, port = PuitsRetenant(dossier, **retenue), port_libre()
    controleur = Controller(gestionnaire, hostname="127.0.0.1", port=port)
    controleur.start()
    try:
        yield BoiteMail(gestionnaire, port), gestionnaire
    finally:
        gestionnaire.relache.set()
        controleur.stop()
