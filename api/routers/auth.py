"""Login: identifiant + code confidentiel → bearer token. Repeated failures lock the account a while.

After a regeneration (seed 002) the code is provisional: the login also asks for the certification code shown
at the regeneration; a few wrong tries of it cancel the provisional code (a new regeneration is needed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Response, status

from api.deps import CompteCourant, EtatDep, SessionDep, oauth2
from api.securite import Jeton, jeton_de, lire_session
from services import comptes

router = APIRouter(tags=["authentification"])


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
    """Se connecter

    Connexion : l'identifiant (``username`` ou ``identifiant``) et le code confidentiel (``password`` ou ``code``)
    contre un jeton porteur (bearer). Après une régénération du code confidentiel, la connexion avec le code
    provisoire demande aussi le code de certification (``certification``) affiché lors de la régénération ; quelques
    essais erronés de ce code annulent le code provisoire (une nouvelle régénération est alors nécessaire). Des échecs répétés verrouillent le
    compte pendant un temps."""
    compte = await comptes.connecter(session, etat.settings, identifiant or username, code or password, certification)
    return jeton_de(compte, etat.settings)


@router.post("/auth/deconnexion", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def deconnexion(
    _compte: CompteCourant, jeton: Annotated[str, Depends(oauth2)], etat: EtatDep, session: SessionDep
) -> Response:
    """Se déconnecter

    Déconnexion : ce jeton, ainsi que tous les autres jetons et sessions de pages du compte, cessent aussitôt de
    fonctionner (une nouvelle connexion en délivre un nouveau)."""
    await comptes.deconnecter(session, lire_session(jeton, etat.settings.cle_secrete()))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
