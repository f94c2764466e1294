"""Accounts: an agent bound to a NIR, an employer user bound to a SIRET, or a supervisor."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.etats import ProfilEmployeur, Role
from domain.identifiants import erreur_nir, erreur_siret, normaliser
from persistence import depots
from persistence.models import Compte


_hacheur = PasswordHasher()


def hacher(code: str) -> str:
    """An argon2 hash of a confidential code: the code itself is never stored."""
    return _hacheur.hash(code)


def verifier(code: str, empreinte: str) -> bool:
    try:
        return _hacheur.verify(empreinte, code)
    except (VerificationError, InvalidHashError):
        return False


class CompteInvalide(ValueError):
    """A French sentence saying what is wrong with the account asked for."""


async def creer_compte(
    session: AsyncSession,
    *,
    role: str,
    identifiant: str,
    code_hash: str,
    nir: str | None = None,
    siret: str | None = None,
    profil: str | None = None,
    email: str | None = None,
) -> Compte:
    if role not in {r.value for r in Role}:
        raise CompteInvalide(f"role : « {role} » inconnu ; valeurs possibles : affilie, employeur, superviseur.")
    if len(identifiant) < 3:
        raise CompteInvalide("identifiant : au moins 3 caractères.")
    if await depots.compte_par_identifiant(session, identifiant) is not None:
        raise CompteInvalide(f"identifiant : « {identifiant} » est déjà pris.")
    compte = Compte(identifiant=identifiant, code_hash=code_hash, role=role, email=email)
    if role == Role.affilie.value:
        if not nir or (erreur := erreur_nir(nir)):
            raise CompteInvalide(f"nir : {erreur if nir else 'obligatoire pour un compte affilié.'}")
        affilie = await depots.affilie_par_nir(session, normaliser(nir))
        if affilie is None:
            raise CompteInvalide("nir : aucun affilié de ce NIR à la CNRACL.")
        compte.affilie_id = affilie.id
        compte.email = email or affilie.email
    elif role == Role.employeur.value:
        if not siret or (erreur := erreur_siret(siret)):
            raise CompteInvalide(f"siret : {erreur if siret else 'obligatoire pour un compte employeur.'}")
        employeur = await depots.employeur_par_siret(session, normaliser(siret))
        if employeur is None:
            raise CompteInvalide("siret : aucun employeur de ce SIRET n'est connu de la CNRACL.")
        compte.employeur_id = employeur.id
        compte.profil = profil or ProfilEmployeur.utilisateur.value
        if compte.profil not in {p.value for p in ProfilEmployeur}:
            raise CompteInvalide("profil : admin ou utilisateur.")
        compte.email = email or employeur.email
    session.add(compte)
    await session.flush()
    return compte
