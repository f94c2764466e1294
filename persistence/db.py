"""The async engine and session factory, built from the settings (never at import time).

Statement parameters carry personal data: the engines never show them in logs or error messages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


def creer_moteur(url: str, pool: int = 5) -> AsyncEngine:
    """``pool``: connections kept open (PostgreSQL); half as many again may open for a peak, closed after use."""
    if url.startswith("sqlite"):
        moteur = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(moteur.sync_engine, "connect")
        def _pragmas(connexion, _):  # WAL lets the API read while the worker writes
            curseur = connexion.cursor()
            curseur.execute("PRAGMA journal_mode=WAL")
            curseur.execute("PRAGMA foreign_keys=ON")
            curseur.execute("PRAGMA busy_timeout=30000")
            curseur.close()

        return moteur
    return create_async_engine(url, pool_size=pool, max_overflow=max(1, pool // 2), pool_pre_ping=True, hide_parameters=True)


SessionFactory = async_sessionmaker[AsyncSession]


def fabrique_sessions(moteur: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(moteur, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    async with sessions() as session, session.begin():
        yield session
