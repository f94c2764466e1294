"""Dependencies of the routes: the session, the settings, the Temporal client, who is asking."""

from __future__ import annotations

import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, ClassVar, TypeVar

from fastapi import BackgroundTasks, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

# Numbers of requests, tasks, dossiers… in paths and filters: bounded in api/parametres.py.
from api.parametres import NUMERO_MAX, Identifiant, IdentifiantFacultatif  # noqa: F401
from api.securite import lire_session
from domain.etats import Role
from services import courriels
from services.base import SessionFactory
from services.comptes import Compte, Envoi, compte_actif, session_ouverte
from services.moteur import Moteur
from settings import Settings

R = TypeVar("R")
INCONNU = "Authentification requise : jeton absent, invalide ou expiré. Reconnectez-vous."
oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/jeton", auto_error=False)


class CacheComptes:
    """The accounts behind the tokens of recent requests, each kept ``duree`` seconds from its reading: a
    request gets its own copy (a ``Compte`` outside any session), never an object another request holds. Any
    flush of this process that changes, adds or deletes an account drops it at once (``_oublier_les_changes``)."""

    _tous: ClassVar[weakref.WeakSet[CacheComptes]] = weakref.WeakSet()

    def __init__(self, duree: float) -> None:
        self.duree = duree
        self._lignes: dict[int, tuple[float, dict]] = {}
        CacheComptes._tous.add(self)

    def lire(self, compte_id: int) -> Compte | None:
        ligne = self._lignes.get(compte_id)
        if ligne is None or ligne[0] < time.monotonic():
            return None
        return Compte(**ligne[1])

    def garder(self, compte: Compte) -> None:
        if self.duree > 0 and compte.id is not None:
            if len(self._lignes) > 50_000:  # a bound; expired entries go first, then all
                maintenant = time.monotonic()
                self._lignes = {k: v for k, v in self._lignes.items() if v[0] >= maintenant} or {}
                if len(self._lignes) > 50_000:
                    self._lignes.clear()
            self._lignes[compte.id] = (time.monotonic() + self.duree, compte.model_dump())

    def oublier(self, compte_id: int | None) -> None:
        if compte_id is not None:
            self._lignes.pop(compte_id, None)


@event.listens_for(Session, "after_flush")
def _oublier_les_changes(session: Session, _contexte) -> None:
    for objet in (*session.new, *session.dirty, *session.deleted):
        if isinstance(objet, Compte):
            for cache in CacheComptes._tous:
                cache.oublier(objet.id)


class Etat:
    """What the app holds for its lifetime (built in the lifespan, never at import time)."""

    def __init__(self, settings: Settings, sessions: SessionFactory) -> None:
        self.settings = settings
        self.sessions = sessions
        self.comptes = CacheComptes(settings.duree_cache_comptes)
        self.moteur = Moteur(settings)


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
    inconnu = HTTPException(status.HTTP_401_UNAUTHORIZED, INCONNU, headers={"WWW-Authenticate": "Bearer"})
    if not jeton:
        raise inconnu
    lu = lire_session(jeton, etat.settings.cle_secrete())
    if lu is None:
        raise inconnu
    compte = etat.comptes.lire(lu.compte_id)
    if compte is None:
        compte = await compte_actif(session, lu.compte_id)
        if compte is not None:
            etat.comptes.garder(compte)
    if not session_ouverte(compte, lu):  # deactivated, or its sessions revoked since this token
        raise inconnu
    assert compte is not None
    return compte


async def _compte_a_jour(
    compte: Annotated[Compte, Depends(_compte)], session: Annotated[AsyncSession, Depends(_session)]
) -> Compte:
    """The account read from the database in this request's session: for a route that changes it."""
    frais = await compte_actif(session, compte.id)
    if frais is None or frais.version_jeton != compte.version_jeton:  # revoked since the kept copy was read
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, INCONNU, headers={"WWW-Authenticate": "Bearer"})
    return frais


EtatDep = Annotated[Etat, Depends(_etat)]


async def _moteur(etat: EtatDep) -> Moteur:
    return etat.moteur


MoteurDep = Annotated[Moteur, Depends(_moteur)]
SessionDep = Annotated[AsyncSession, Depends(_session)]
CompteCourant = Annotated[Compte, Depends(_compte)]
CompteAJour = Annotated[Compte, Depends(_compte_a_jour)]


def restreindre(source: Callable[..., Awaitable[Compte]], refus: Callable[[], Exception], *roles: Role) -> Any:
    """The dependency on the account given by ``source`` when it has one of these roles (any role when none is
    named); otherwise the ``refus`` error. The JSON routes and the pages each give their own source and refusal."""

    async def verifier(compte: Compte) -> Compte:
        if roles and compte.role not in {r.value for r in roles}:
            raise refus()
        return compte

    # Given as an object, not as text: under postponed annotations FastAPI would look ``source`` up in the globals.
    verifier.__annotations__["compte"] = Annotated[Compte, Depends(source)]
    return Depends(verifier)


def _refus_api() -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, "Accès refusé : cette action est réservée à un autre profil.")


def exiger(*roles: Role) -> Any:
    return restreindre(_compte, _refus_api, *roles)


Affilie_ou_Superviseur = Annotated[Compte, exiger(Role.affilie, Role.superviseur)]
Employeur_ou_Superviseur = Annotated[Compte, exiger(Role.employeur, Role.superviseur)]
Superviseur = Annotated[Compte, exiger(Role.superviseur)]


def expedier_apres(taches: BackgroundTasks, etat: Etat, resultat: tuple[R, list[Envoi]]) -> R:
    """The use case's answer; its mails are sent once the answer has gone (it takes as long whether an account
    was found or not)."""
    reponse, envois = resultat
    for envoi in envois:
        taches.add_task(courriels.expedier, etat.sessions, etat.settings, envoi.mail_id, envoi.secret)
    return reponse
