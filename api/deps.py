"""Dependencies of the routes: the session, the settings, the Temporal client, who is asking."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.securite import lire_jeton
from domain.etats import Role
from persistence.db import SessionFactory
from persistence.models import Compte
from settings import Settings
from workflows.client import connecter

# Numbers of requests, tasks, dossiers… in paths and filters: positive, within the database's integers.
NUMERO_MAX = 2**31 - 1
Identifiant = Annotated[int, Path(ge=1, le=NUMERO_MAX, description="Numéro")]
IdentifiantFacultatif = Annotated[int | None, Query(ge=1, le=NUMERO_MAX)]

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/jeton", auto_error=False)


class Etat:
    """What the app holds for its lifetime (built in the lifespan, never at import time)."""

    def __init__(self, settings: Settings, sessions: SessionFactory) -> None:
        self.settings = settings
        self.sessions = sessions
        self._client: Client | None = None
        self._verrou = asyncio.Lock()

    async def client(self) -> Client:
        """Connect to Temporal on first need: pages that only read the database work without it."""
        async with self._verrou:
            if self._client is None:
                try:
                    self._client = await connecter(self.settings.adresse_temporal, self.settings.temporal_namespace,
                                                  tracage=self.settings.tracage_otel)
                except Exception as exc:  # the engine is unreachable
                    raise HTTPException(
                        status.HTTP_503_SERVICE_UNAVAILABLE,
                        "Le moteur de processus est momentanément indisponible : réessayez dans quelques minutes.",
                    ) from exc
            return self._client


async def _etat(request: Request) -> Etat:  # async: a plain def would run in a thread, for each request
    return request.app.state.cnracl


async def _session(etat: Annotated[Etat, Depends(_etat)]) -> AsyncIterator[AsyncSession]:
    async with etat.sessions() as session:
        yield session


async def _compte(
    etat: Annotated[Etat, Depends(_etat)],
    session: Annotated[AsyncSession, Depends(_session)],
    jeton: Annotated[str | None, Depends(oauth2)],
) -> Compte:
    inconnu = HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Authentification requise : jeton absent, invalide ou expiré. Reconnectez-vous.",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if not jeton:
        raise inconnu
    compte_id = lire_jeton(jeton, etat.settings.cle_secrete())
    compte = await session.get(Compte, compte_id) if compte_id else None
    if compte is None or not compte.actif:
        raise inconnu
    return compte


EtatDep = Annotated[Etat, Depends(_etat)]
SessionDep = Annotated[AsyncSession, Depends(_session)]
CompteCourant = Annotated[Compte, Depends(_compte)]


def exiger(*roles: Role):
    async def verifier(compte: CompteCourant) -> Compte:
        if compte.role not in {r.value for r in roles}:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Accès refusé : cette action est réservée à un autre profil.")
        return compte

    return Depends(verifier)


Affilie_ou_Superviseur = Annotated[Compte, exiger(Role.affilie, Role.superviseur)]
Employeur_ou_Superviseur = Annotated[Compte, exiger(Role.employeur, Role.superviseur)]
Superviseur = Annotated[Compte, exiger(Role.superviseur)]


async def affaire_de_l_agent(session: AsyncSession, compte: Compte, table, identifiant: int, introuvable: str):
    """The row of ``table`` (a request, dossier or document bound to an agent by ``affilie_id``) if this account
    may see it: the agent it belongs to, or a supervisor. Otherwise 404 with ``introuvable``: another person's
    file is not revealed to exist."""
    ligne = await session.get(table, identifiant)
    if ligne is None or not (compte.role == Role.superviseur.value
                             or (compte.role == Role.affilie.value and compte.affilie_id == ligne.affilie_id)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, introuvable)
    return ligne
