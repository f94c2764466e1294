"""The database as the command line and the API open it: an engine for the process's lifetime, its sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from persistence.db import SessionFactory, creer_moteur, fabrique_sessions, transaction
from settings import Settings

__all__ = ["AsyncSession", "SessionFactory", "base_de_donnees", "moteur_de_base", "transaction"]


@asynccontextmanager
async def moteur_de_base(settings: Settings, taille_pool: int = 5) -> AsyncIterator[AsyncEngine]:
    """The database engine of ``settings``, closed on the way out."""
    moteur = creer_moteur(settings.database_url, taille_pool)
    try:
        yield moteur
    finally:
        await moteur.dispose()


@asynccontextmanager
async def base_de_donnees(settings: Settings, taille_pool: int = 5) -> AsyncIterator[SessionFactory]:
    """The session factory of ``settings``'s database, its engine closed on the way out."""
    async with moteur_de_base(settings, taille_pool) as moteur:
        yield fabrique_sessions(moteur)
