"""The async engine and session factory, built from the settings (never at import time).

Statement parameters carry personal data: the engines never show them in logs or error messages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
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
    moteur = create_async_engine(url, pool_size=pool, max_overflow=max(1, pool // 2), hide_parameters=True)
    event.listen(moteur.sync_engine, "checkout", _connexion_vivante)
    return moteur


def _connexion_vivante(connexion, _fiche, _mandataire) -> None:
    """A pooled connection the server has closed (restart, crash, ``pg_terminate_backend``: its socket got the
    end of stream, asyncpg marked it closed) is replaced before use: the pool opens another. This costs no round
    trip, where ``pool_pre_ping`` costs three on each checkout with asyncpg (BEGIN, an empty query, ROLLBACK:
    a tenth of a read's processor). A connection lost silently (network cut) fails its first statement instead:
    the pool is then renewed whole (SQLAlchemy), the API answers 503 and an activity is retried."""
    if connexion._connection.is_closed():
        raise DisconnectionError("connexion fermée par le serveur PostgreSQL")


SessionFactory = async_sessionmaker[AsyncSession]


def fabrique_sessions(moteur: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(moteur, class_=AsyncSession, expire_on_commit=False)


def moteur_de(sessions: SessionFactory) -> AsyncEngine:
    """The engine behind a session factory: for a loop of short statements on one connection, without a session
    each time."""
    moteur: AsyncEngine = sessions.kw["bind"]
    return moteur


@asynccontextmanager
async def transaction(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    async with sessions() as session, session.begin():
        yield session
