"""Readiness: can this API process serve a request now? The business database answers a query, and the process
engine answers its health check, each within ``DELAI`` (a probe that hangs is worse than one that says no)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from services.moteur import Moteur

journal = logging.getLogger(__name__)

DELAI = 3.0  # seconds each component has to answer
JOIGNABLE, INJOIGNABLE = "joignable", "injoignable"


class Preparation(BaseModel):
    statut: str  # « pret » or « indisponible »
    base_de_donnees: str
    moteur: str


async def _base(session: AsyncSession) -> bool:
    try:
        await asyncio.wait_for(session.exec(text("SELECT 1")), DELAI)  # type: ignore[call-overload]
        return True
    except Exception as exc:  # whatever the driver says, the database cannot serve
        journal.warning("préparation : base de données injoignable (%s)", type(exc).__name__)
        return False


async def _moteur(moteur: Moteur) -> bool:
    try:
        client = await asyncio.wait_for(moteur.client(), DELAI)
        return await client.service_client.check_health(timeout=timedelta(seconds=DELAI))
    except Exception as exc:  # whatever the transport says, the engine cannot take a process
        journal.warning("préparation : moteur de processus injoignable (%s)", type(exc).__name__)
        return False


async def preparation(session: AsyncSession, moteur: Moteur) -> Preparation:
    base, engine = await asyncio.gather(_base(session), _moteur(moteur))
    return Preparation(
        statut="pret" if base and engine else "indisponible",
        base_de_donnees=JOIGNABLE if base else INJOIGNABLE,
        moteur=JOIGNABLE if engine else INJOIGNABLE,
    )
