"""Alembic migrations, run by ``cnracl migrer`` (and by ``make run``) or :func:`migrer`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

DOSSIER = Path(__file__).resolve().parent


def configuration(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(DOSSIER))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrer(url: str) -> None:
    """Bring the database at ``url`` to the latest schema (synchronous; see :func:`migrer_async`)."""
    command.upgrade(configuration(url), "head")


async def migrer_async(url: str) -> None:
    await asyncio.to_thread(migrer, url)
