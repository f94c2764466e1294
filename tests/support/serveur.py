"""The service's app served by uvicorn in a thread, on a free loopback port, as ``cnracl api`` serves it."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import uvicorn
from fastapi import FastAPI

from api.app import OPTIONS_UVICORN
from tests.support.environnement import port_libre


class Serveur:
    """``async with Serveur(app) as base``: ``base`` is its address; ``options`` override uvicorn's settings."""

    def __init__(self, app: FastAPI, **options: Any) -> None:
        self.port = port_libre()
        reglages = {**OPTIONS_UVICORN, "log_level": "warning", **options}
        self.serveur = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, **reglages))
        self.fil = threading.Thread(target=self.serveur.run, daemon=True)

    async def __aenter__(self) -> str:
        self.fil.start()
        limite = time.monotonic() + 30
        while not self.serveur.started:
            assert time.monotonic() < limite, "le service n'a pas démarré"
            await asyncio.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    async def __aexit__(self, *_: object) -> None:
        self.serveur.should_exit = True
        await asyncio.to_thread(self.fil.join, 30)
