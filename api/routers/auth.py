"""Login: identifiant + code confidentiel → bearer token. Repeated failures lock the account a while."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, status
from pydantic import BaseModel

from api.deps import EtatDep, SessionDep
from api.securite import emettre_jeton, verifier
from persistence import depots

router = APIRouter(tags=["authentification"])

ECHECS_AVANT_VERROU = 5
DUREE_VERROU = timedelta(minutes=15)


class Jeton(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str


@router.post("/auth/jeton", response_model=Jeton)
async def jeton(
    etat: EtatDep,
    session: SessionDep,
    username: Annotated[str | None, Form(description="Identifiant")] = None,
    password: Annotated[str | None, Form(description="Code confidentiel")] = None,
    identifiant: Annotated[str | None, Form()] = None,
    code: Annotated[str | None, Form()] = None,
) -> Jeton:
    ident, secret = identifiant or username, code or password
    refus = HTTPException(status.HTTP_401_UNAUTHORIZED, "Identifiant ou code confidentiel incorrect.",
                          headers={"WWW-Authenticate": "Bearer"})
    if not ident or not secret:
        raise HTTPException(422, "Saisissez votre identifiant et votre code confidentiel.")
    compte = await depots.compte_par_identifiant(session, ident)
    if compte is None or not compte.actif:
        raise refus
    maintenant = datetime.now(timezone.utc)
    if compte.verrouille_jusqua and compte.verrouille_jusqua > maintenant:
        raise HTTPException(
            status.HTTP_423_LOCKED,
            "Compte verrouillé après plusieurs codes erronés : réessayez dans quelques minutes "
            "ou régénérez votre code confidentiel.",
        )
    if not verifier(secret, compte.code_hash):
        compte.echecs_connexion += 1
        if compte.echecs_connexion >= ECHECS_AVANT_VERROU:
            compte.verrouille_jusqua = maintenant + DUREE_VERROU
            compte.echecs_connexion = 0
        session.add(compte)
        await session.commit()
        raise refus
    if compte.echecs_connexion:
        compte.echecs_connexion = 0
        session.add(compte)
        await session.commit()
    assert compte.id is not None
    return Jeton(
        access_token=emettre_jeton(compte.id, compte.role, etat.settings.cle_secrete(), etat.settings.duree_jeton),
        role=compte.role,
    )
