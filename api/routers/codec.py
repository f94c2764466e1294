"""The payload codec for Temporal's Web UI and CLI (the remote codec protocol): the UI shows a process's inputs and
results decrypted, to supervisors only. A supervisor's API token, or their page session when the UI sends the
browser's cookies (served under the same site, its codec set to include credentials)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from api.deps import INCONNU, EtatDep, SessionDep, _compte, _refus_api, oauth2
from api.pages.session import compte_connecte
from domain.etats import Role
from services import codec
from services.codec import ContenusCodec
from services.comptes import Compte

router = APIRouter(prefix="/codec", tags=["supervision"])
_ENTETES_PERMISES = "Authorization, Content-Type, X-Namespace"


async def _superviseur(
    request: Request, etat: EtatDep, session: SessionDep, jeton: Annotated[str | None, Depends(oauth2)]
) -> Compte:
    if jeton:
        compte: Compte | None = await _compte(etat, session, jeton)
    else:
        compte = await compte_connecte(request, session, etat.settings)
    if compte is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, INCONNU, headers={"WWW-Authenticate": "Bearer"})
    if compte.role != Role.superviseur.value:
        raise _refus_api()
    return compte


def _origine_permise(request: Request, reponse: Response, etat: EtatDep) -> None:
    """The Web UI calls from its own origin: that origin (CNRACL_TEMPORAL_UI) alone may read the answers."""
    ui = etat.settings.adresse_temporal_ui
    origine = request.headers.get("origin")
    if ui and origine:
        morceaux = urlsplit(ui)
        if origine.rstrip("/") == f"{morceaux.scheme}://{morceaux.netloc}":
            reponse.headers["Access-Control-Allow-Origin"] = origine
            reponse.headers["Access-Control-Allow-Credentials"] = "true"
            reponse.headers["Access-Control-Allow-Headers"] = _ENTETES_PERMISES
            reponse.headers["Access-Control-Allow-Methods"] = "POST"
            reponse.headers["Vary"] = "Origin"


SuperviseurDuCodec = Annotated[Compte, Depends(_superviseur)]
Origine = Depends(_origine_permise)


@router.options("/decode", dependencies=[Origine], include_in_schema=False)
@router.options("/encode", dependencies=[Origine], include_in_schema=False)
async def preliminaire() -> None:
    """The browser's preflight before the UI's call (no account asked: it carries none)."""


@router.post("/decode", response_model=ContenusCodec, dependencies=[Origine])
async def decoder(_: SuperviseurDuCodec, etat: EtatDep, corps: ContenusCodec) -> ContenusCodec:
    """Déchiffrer des contenus

    Les contenus d'un historique, déchiffrés (superviseurs ; avec les clés de CNRACL_CODEC_CLES)."""
    return await codec.decoder(etat.settings, corps)


@router.post("/encode", response_model=ContenusCodec, dependencies=[Origine])
async def encoder(_: SuperviseurDuCodec, etat: EtatDep, corps: ContenusCodec) -> ContenusCodec:
    """Chiffrer des contenus

    Les contenus chiffrés avec la clé en vigueur (superviseurs), par exemple l'entrée d'un signal saisie dans
    l'interface du moteur de processus."""
    return await codec.encoder(etat.settings, corps)
