"""Login: identifiant + code confidentiel → bearer token. Repeated failures lock the account a while.

After a regeneration (seed 002) the code is provisional: the login also asks for the certification code shown
at the regeneration; a few wrong tries of it cancel the provisional code (a new regeneration is needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, status
from pydantic import BaseModel

from api.deps import EtatDep, SessionDep
from api.securite import emettre_jeton
from persistence import depots
from persistence.comptes import Certification, certifier, verifier_ou_leurre

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
    certification: Annotated[
        str | None,
        Form(description="Code de certification, à la première connexion après une régénération du code confidentiel"),
    ] = None,
) -> Jeton:
    ident, secret = identifiant or username, code or password
    refus = HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Identifiant ou code confidentiel incorrect.",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if not ident or not secret:
        raise HTTPException(422, "Saisissez votre identifiant et votre code confidentiel.")
    compte = await depots.compte_par_identifiant(session, ident)
    if compte is None or not compte.actif:
        verifier_ou_leurre(secret, None)  # as long as a wrong code: the answer does not tell the account exists
        raise refus
    maintenant = datetime.now(UTC)
    if compte.verrouille_jusqua and compte.verrouille_jusqua > maintenant:
        raise HTTPException(
            status.HTTP_423_LOCKED,
            "Compte verrouillé après plusieurs codes erronés : réessayez dans quelques minutes "
            "ou régénérez votre code confidentiel.",
        )
    if not verifier_ou_leurre(secret, compte.code_hash):
        compte.echecs_connexion += 1
        if compte.echecs_connexion >= ECHECS_AVANT_VERROU:
            compte.verrouille_jusqua = maintenant + DUREE_VERROU
            compte.echecs_connexion = 0
        session.add(compte)
        await session.commit()
        raise refus
    essais_max = etat.settings.compte_essais_certification
    resultat = certifier(compte, certification, maintenant, essais_max)
    if resultat is not Certification.sans_objet:
        restants = essais_max - compte.certification_essais
        compte.echecs_connexion = 0
        session.add(compte)
        await session.commit()
        if resultat is not Certification.acceptee:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                _MESSAGES_CERTIFICATION[resultat].format(restants=restants, pluriel="s" if restants > 1 else ""),
                headers={"WWW-Authenticate": "Bearer"},
            )
    elif compte.echecs_connexion:
        compte.echecs_connexion = 0
        session.add(compte)
        await session.commit()
    assert compte.id is not None
    return Jeton(
        access_token=emettre_jeton(compte.id, compte.role, etat.settings.cle_secrete(), etat.settings.duree_jeton),
        role=compte.role,
    )


_REGENERER = "régénérez un code confidentiel (lien « Code confidentiel oublié ? » de la page de connexion)."
_MESSAGES_CERTIFICATION = {
    Certification.absente: "Code de certification requis : votre code confidentiel vient d'être régénéré. Saisissez-le "
    "avec le code de certification affiché lors de la régénération, sur la page "
    "« Première connexion avec un nouveau code » (/comptes/certification).",
    Certification.erronee: "Code de certification erroné : vérifiez le code noté lors de la régénération (ce n'est pas "
    "le code confidentiel reçu par courriel). Il vous reste {restants} essai{pluriel}.",
    Certification.epuisee: "Code de certification erroné trop de fois : votre code confidentiel provisoire est annulé. "
    "Pour vous connecter, " + _REGENERER,
    Certification.expiree: "Votre code confidentiel provisoire a expiré sans avoir servi : il est annulé. "
    "Pour vous connecter, " + _REGENERER,
}
