"""Accounts: who is signed in, the login, lost codes (seed 002), the secret question, and an employer's
administrator managing the accounts of its establishment (seed 000)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from persistence.comptes import hacher, verifier
from persistence.models import Compte

__all__ = ["Compte", "compte_actif", "hacher", "verifier"]


async def compte_actif(session: AsyncSession, compte_id: int | None) -> Compte | None:
    """The account of a token, if it still exists and may sign in."""
    compte = await session.get(Compte, compte_id) if compte_id else None
    return compte if compte is not None and compte.actif else None
