"""Login: identifiant + code confidentiel → bearer token. Repeated failures lock the account a while.

After a regeneration (seed 002) the code is provisional: the login also asks for the certification code shown
at the regeneration; a few wrong tries of it cancel the provisional code (a new regeneration is needed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from pydantic import BaseModel

from api.deps import EtatDep, SessionDep
from api.securite import emettre_jeton
from services import comptes
from services.comptes import Compte
from settings import Settings

router = APIRouter(tags=["authentification"])


class Jeton(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str


def jeton_de(compte: Compte, settings: Settings) -> Jeton:
    return Jeton(
        access_token=emettre_jeton(compte.id or 0, compte.role, settings.cle_secrete(), settings.duree_jeton),
        role=compte.role,
    )


@router.post("/auth/jeton", response_model=Jeton)
async def jeton(
    etat: EtatDep,
    session: SessionDep,
    username: Annotated[str | None, Form(description="Identifiant")] = None,
    password: Annotated[str | None, Form(description="Code confidentiel")] = None,
    identifiant: Annotated[str | None, Form()] = None,
    code: Annotated[str | None, Form()] = None,
    certification: Annotated[
        str | None,
        Form(description="Code de certification, à la première connexion après une régénération du code confidentiel"),
    ] = None,
) -> Jeton:
    compte = await comptes.connecter(session, etat.settings, identifiant or username, code or password, certification)
    return jeton_de(compte, etat.settings)
