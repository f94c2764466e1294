"""Accounts: an agent bound to a NIR, an employer user bound to a SIRET, or a supervisor.

Lost codes (seed 002): the identifier is found again from the holder's identifying data; the confidential
code is regenerated after the secret question, as a provisional code mailed to the account's address and
a certification code shown once, which the next login must give; too many wrong tries cancel both.
"""

from __future__ import annotations

import hmac
import re
import secrets
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, update
from sqlalchemy.dialects.postgresql import insert as insert_postgresql
from sqlalchemy.dialects.sqlite import insert as insert_sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.etats import ProfilEmployeur, Role
from domain.identifiants import erreur_nir, erreur_siret, normaliser
from persistence import depots
from persistence.models import Affilie, Compte, ReferencesEmployeur, TentativeConnexion


class _Hachage:
    """The argon2id hasher (argon2-cffi's defaults, RFC 9106's low-memory profile), and a hash of nothing anyone
    knows: checked when there is no account (or no answer) to compare with, so that a refusal takes as long whether
    the account exists or not."""

    hacheur = PasswordHasher()
    leurre = hacheur.hash(secrets.token_urlsafe(16))


def regler_hachage(hacheur: PasswordHasher) -> None:
    """Hash the new codes with ``hacheur``'s parameters. The tests use light ones: argon2 is slow on purpose, and
    hundreds of test logins would each spend a fifth of a second of processor on it. A hash keeps its parameters,
    so every stored one still verifies."""
    _Hachage.hacheur = hacheur
    _Hachage.leurre = hacheur.hash(secrets.token_urlsafe(16))


def hacher(code: str) -> str:
    """An argon2 hash of a confidential code: the code itself is never stored."""
    return _Hachage.hacheur.hash(code)


def verifier(code: str, empreinte: str) -> bool:
    try:
        return _Hachage.hacheur.verify(empreinte, code)
    except (VerificationError, InvalidHashError):
        return False


def verifier_ou_leurre(secret: str, empreinte: str | None) -> bool:
    if empreinte is None:
        verifier(secret, _Hachage.leurre)
        return False
    return verifier(secret, empreinte)


T = TypeVar("T")


class CompteInvalide(ValueError):
    """A French sentence saying what is wrong with the account asked for."""


async def _titulaire(
    session: AsyncSession,
    champ: str,
    valeur: str | None,
    erreur_de: Callable[[str], str | None],
    lire: Callable[[AsyncSession, str], Awaitable[T | None]],
    manquant: str,
    inconnu: str,
) -> T:
    """The agent or employer an account is bound to, by its NIR or SIRET, checked first."""
    if not valeur or (erreur := erreur_de(valeur)):
        raise CompteInvalide(f"{champ} : {erreur if valeur else manquant}")
    titulaire = await lire(session, normaliser(valeur))
    if titulaire is None:
        raise CompteInvalide(f"{champ} : {inconnu}")
    return titulaire


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
    nom: str | None = None,
    prenom: str | None = None,
) -> Compte:
    if role not in {r.value for r in Role}:
        raise CompteInvalide(f"role : « {role} » inconnu ; valeurs possibles : affilie, employeur, superviseur.")
    if len(identifiant) < 3:
        raise CompteInvalide("identifiant : au moins 3 caractères.")
    if await depots.compte_par_identifiant(session, identifiant) is not None:
        raise CompteInvalide(f"identifiant : « {identifiant} » est déjà pris.")
    compte = Compte(identifiant=identifiant, code_hash=code_hash, role=role, email=email, nom=nom, prenom=prenom)
    if role == Role.affilie.value:
        affilie = await _titulaire(
            session,
            "nir",
            nir,
            erreur_nir,
            depots.affilie_par_nir,
            "obligatoire pour un compte affilié.",
            "aucun affilié de ce NIR à la CNRACL.",
        )
        compte.affilie_id = affilie.id
        compte.email = email or affilie.email
    elif role == Role.employeur.value:
        employeur = await _titulaire(
            session,
            "siret",
            siret,
            erreur_siret,
            depots.employeur_par_siret,
            "obligatoire pour un compte employeur.",
            "aucun employeur de ce SIRET n'est connu de la CNRACL.",
        )
        compte.employeur_id = employeur.id
        compte.profil = profil or ProfilEmployeur.utilisateur.value
        if compte.profil not in {p.value for p in ProfilEmployeur}:
            raise CompteInvalide("profil : admin ou utilisateur.")
        compte.email = email or employeur.email
    return await _inserer_compte(session, compte)


def _insertion(session: AsyncSession, table: type) -> Any:
    return (insert_postgresql if session.get_bind().dialect.name == "postgresql" else insert_sqlite)(table)


async def _inserer_compte(session: AsyncSession, compte: Compte) -> Compte:
    """The account inserted, unless its identifier is taken meanwhile (the check above and this insert are apart:
    parallel requests for one identifier all pass the check). ``INSERT … ON CONFLICT DO NOTHING RETURNING id``
    on both databases: a concurrent insert of the same identifier waits for the other transaction, then finds it
    taken — no error to catch, the transaction stays usable."""
    table = Compte.__table__  # type: ignore[attr-defined]
    valeurs = {colonne.key: getattr(compte, colonne.key) for colonne in table.columns if not colonne.primary_key}
    insertion = _insertion(session, Compte).values(**valeurs)
    identifiant = (
        await session.exec(insertion.on_conflict_do_nothing(index_elements=["identifiant"]).returning(table.c.id))
    ).scalar()
    if identifiant is None:
        raise CompteInvalide(f"identifiant : « {compte.identifiant} » est déjà pris.")
    compte.id = identifiant
    make_transient_to_detached(compte)  # the row as just written: in the session, nothing left to insert
    session.add(compte)
    return compte


def revoquer_sessions(compte: Compte) -> None:
    """Every token and page session issued to this account so far stops working (its next check reads the new
    version). Changed on the ORM object, so that the flush drops the API's cached copy of the account."""
    compte.version_jeton = (compte.version_jeton or 0) + 1


# --- wrong codes and lockout, by identifier typed (an account or not) ---


async def compter_essai(session: AsyncSession, cle: str, maintenant: datetime) -> int | None:
    """Count one more try for the identifier of digest ``cle`` before its code is checked, in one statement: the
    how-manieth try it is since the last lockout or success, or ``None`` while the identifier is locked (nothing
    counted then). Parallel tries each get their own number, so a burst of them cannot try more codes than the
    lockout allows."""
    insertion = _insertion(session, TentativeConnexion).values(cle=cle, echecs=1, modifiee_le=maintenant)
    ouverte = or_(
        col(TentativeConnexion.verrouille_jusqua).is_(None), col(TentativeConnexion.verrouille_jusqua) <= maintenant
    )
    return (
        await session.exec(
            insertion.on_conflict_do_update(
                index_elements=["cle"],
                set_={"echecs": TentativeConnexion.echecs + 1, "modifiee_le": insertion.excluded.modifiee_le},
                where=ouverte,
            ).returning(TentativeConnexion.echecs)
        )
    ).scalar()


async def verrouiller(session: AsyncSession, cle: str, maintenant: datetime, duree: timedelta) -> None:
    """Lock the identifier of digest ``cle`` until ``maintenant + duree``; its count starts again after."""
    await session.exec(
        update(TentativeConnexion)
        .where(col(TentativeConnexion.cle) == cle)
        .values(echecs=0, verrouille_jusqua=maintenant + duree, modifiee_le=maintenant)
    )


async def effacer_tentatives(session: AsyncSession, cle: str) -> None:
    """The count and lockout of this identifier lifted (a right code, a regeneration)."""
    await session.exec(delete(TentativeConnexion).where(col(TentativeConnexion.cle) == cle))


# --- lost identifier, lost confidential code (seed 002) ---

# The questions offered at the first login (seed 002: « Sélectionnez la question que vous avez choisie lors de
# votre inscription »); the key is stored, the label shown.
QUESTIONS_SECRETES: dict[str, str] = {
    "nom_naissance_mere": "Quel est le nom de naissance de votre mère ?",
    "ville_naissance_pere": "Dans quelle ville votre père est-il né ?",
    "premier_animal": "Quel était le nom de votre premier animal de compagnie ?",
    "ecole_primaire": "Quel était le nom de votre école primaire ?",
    "ami_enfance": "Quel est le prénom de votre meilleur ami d'enfance ?",
}

# Seed 002: a confidential code of 8 characters (« FMWQS252 »), a certification code of 10 (« XXXXXXXXXX »);
# capitals and digits without the ones read one for another (0/O, 1/I/L).
ALPHABET_CODES = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LONGUEUR_CODE_CONFIDENTIEL = 8
LONGUEUR_CODE_CERTIFICATION = 10


def normaliser_texte(texte: str) -> str:
    """Names and secret answers compared without case, accents nor spacing: « Élise  Dupont-Durand » and
    « elise dupont durand » are the same."""
    sans_accents = "".join(c for c in unicodedata.normalize("NFKD", texte or "") if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", sans_accents.casefold()).split())


def _egaux(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two normalised texts."""
    return hmac.compare_digest(normaliser_texte(a or "").encode(), normaliser_texte(b or "").encode())


def code_aleatoire(longueur: int) -> str:
    return "".join(secrets.choice(ALPHABET_CODES) for _ in range(longueur))


def definir_question_secrete(compte: Compte, question: str, reponse: str) -> None:
    if question not in QUESTIONS_SECRETES:
        raise CompteInvalide("question : choisissez l'une des questions proposées.")
    if len(normaliser_texte(reponse)) < 2:
        raise CompteInvalide("reponse : au moins 2 lettres ou chiffres.")
    compte.question_secrete = question
    compte.reponse_secrete_hash = hacher(normaliser_texte(reponse))


async def titulaire(session: AsyncSession, compte: Compte) -> tuple[str, str]:
    """The holder's (nom, prénom): an agent's are those of their affiliation, the others' on the account."""
    if compte.affilie_id is not None:
        affilie = await session.get(Affilie, compte.affilie_id)
        if affilie is not None:
            return affilie.nom, affilie.prenom
    return compte.nom or "", compte.prenom or ""


async def comptes_employeur_identifies(
    session: AsyncSession,
    *,
    siret: str,
    numero_bcr: str | None,
    numero_contrat: str | None,
    nom: str,
    prenom: str,
) -> list[Compte]:
    """The active accounts of this employer (found by SIRET and its BCR or contract number) held by this person."""
    employeur = await depots.employeur_par_siret(session, normaliser(siret))
    if employeur is None:
        return []
    references = (
        await session.exec(select(ReferencesEmployeur).where(ReferencesEmployeur.employeur_id == employeur.id))
    ).first()
    if references is None:
        return []
    bcr_ok = bool(
        numero_bcr
        and references.numero_bcr
        and hmac.compare_digest(normaliser(numero_bcr).encode(), normaliser(references.numero_bcr).encode())
    )
    contrat_ok = bool(
        numero_contrat
        and references.numero_contrat
        and hmac.compare_digest(normaliser(numero_contrat).encode(), normaliser(references.numero_contrat).encode())
    )
    if not (bcr_ok or contrat_ok):
        return []
    comptes = (
        await session.exec(
            select(Compte).where(Compte.employeur_id == employeur.id, Compte.role == Role.employeur.value, Compte.actif)
        )
    ).all()
    return [c for c in comptes if _egaux(c.nom, nom) & _egaux(c.prenom, prenom)]


async def comptes_affilie_identifies(
    session: AsyncSession,
    *,
    nir: str,
    nom: str,
    prenom: str,
    date_de_naissance: date,
) -> list[Compte]:
    """The active accounts of the agent of this NIR, when name, first name and birth date are theirs too."""
    affilie = await depots.affilie_par_nir(session, normaliser(nir))
    if affilie is None or affilie.date_de_naissance != date_de_naissance:
        return []
    if not (_egaux(affilie.nom, nom) & _egaux(affilie.prenom, prenom)):
        return []
    return list(
        (
            await session.exec(
                select(Compte).where(Compte.affilie_id == affilie.id, Compte.role == Role.affilie.value, Compte.actif)
            )
        ).all()
    )


async def compte_pour_regeneration(
    session: AsyncSession,
    *,
    identifiant: str,
    nom: str,
    prenom: str,
    email: str,
    question: str,
    reponse: str,
) -> Compte | None:
    """The account whose every field of the regeneration form matches (seed 002, step 3), else ``None`` —
    whichever field is wrong, and whether the account exists or not, in about the same time."""
    compte = await depots.compte_par_identifiant(session, identifiant.strip())
    if compte is None or not compte.actif:
        verifier_ou_leurre(normaliser_texte(reponse), None)
        return None
    nom_titulaire, prenom_titulaire = await titulaire(session, compte)
    reponse_ok = verifier_ou_leurre(normaliser_texte(reponse), compte.reponse_secrete_hash)
    identite_ok = _egaux(nom_titulaire, nom) & _egaux(prenom_titulaire, prenom)
    email_ok = hmac.compare_digest((compte.email or "").strip().casefold().encode(), email.strip().casefold().encode())
    question_ok = compte.question_secrete is not None and hmac.compare_digest(
        compte.question_secrete.encode(), question.encode()
    )
    return compte if (reponse_ok & identite_ok & email_ok & question_ok) else None


@dataclass(frozen=True)
class CodesRegeneres:
    """What a regeneration hands out once: the provisional code (mailed) and the certification code (shown)."""

    code_confidentiel: str
    code_certification: str
    expire_le: datetime
    numero: int


def regenerer(compte: Compte, maintenant: datetime, validite: timedelta) -> CodesRegeneres:
    """A new provisional code replaces the old one (which stops working, and the sessions opened with it), with
    its certification code. The caller lifts the lockout (``effacer_tentatives``): the holder has just proved
    who they are."""
    code = code_aleatoire(LONGUEUR_CODE_CONFIDENTIEL)
    certification = code_aleatoire(LONGUEUR_CODE_CERTIFICATION)
    compte.code_hash = hacher(code)
    compte.certification_hash = hacher(certification)
    compte.certification_expire_le = maintenant + validite
    compte.certification_essais = 0
    compte.regenerations = (compte.regenerations or 0) + 1
    revoquer_sessions(compte)
    return CodesRegeneres(code, certification, compte.certification_expire_le, compte.regenerations)


class Certification(StrEnum):
    """What the certification code given at login says."""

    sans_objet = "sans_objet"  # no regeneration pending
    acceptee = "acceptee"
    absente = "absente"
    erronee = "erronee"
    epuisee = "epuisee"  # the last allowed try failed: the provisional code is cancelled
    expiree = "expiree"


def certifier(compte: Compte, code_certification: str | None, maintenant: datetime, essais_max: int) -> Certification:
    """Check the certification code of a login whose provisional code was right; updates the account."""
    if compte.certification_hash is None:
        return Certification.sans_objet
    if compte.certification_expire_le is not None and compte.certification_expire_le <= maintenant:
        annuler_regeneration(compte)
        return Certification.expiree
    if not code_certification:
        return Certification.absente
    if verifier(normaliser(code_certification), compte.certification_hash):
        compte.certification_hash = None
        compte.certification_expire_le = None
        compte.certification_essais = 0
        return Certification.acceptee
    compte.certification_essais = (compte.certification_essais or 0) + 1
    if compte.certification_essais >= essais_max:
        annuler_regeneration(compte)
        return Certification.epuisee
    return Certification.erronee


def annuler_regeneration(compte: Compte) -> None:
    """The provisional code stops working (replaced by the hash of a code nobody knows): a new regeneration
    is the only way back in."""
    compte.code_hash = hacher(secrets.token_urlsafe(24))
    compte.certification_hash = None
    compte.certification_expire_le = None
    compte.certification_essais = 0


async def comptes_de_l_employeur(session: AsyncSession, employeur_id: int) -> list[Compte]:
    """The accounts of an establishment, by identifier (what its administrator manages, seed 000)."""
    return list(
        (
            await session.exec(
                select(Compte)
                .where(Compte.employeur_id == employeur_id, Compte.role == Role.employeur.value)
                .order_by(Compte.identifiant)
            )
        ).all()
    )
