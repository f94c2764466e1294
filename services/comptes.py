"""Accounts: who is signed in, the login (lockout after repeated failures, certification after a regeneration),
lost codes (seed 002), the secret question, and an employer's administrator managing the accounts of its
establishment (seed 000).

The identifier requests answer the same sentence whether or not the data match an account: only the account's own
mailbox learns the identifier. Mails are written to the outbox in the request's transaction; the caller sends each
``Envoi`` once its answer has gone (``services.courriels.expedier``)."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.adresse import adresse_electronique
from domain.erreurs import (
    Conflit,
    DemandeIncorrecte,
    ErreurMetier,
    Interdit,
    Introuvable,
    NonAuthentifie,
    Refus,
    Verrouille,
)
from domain.etats import Acteur, ProfilEmployeur, Role
from domain.jetons import JetonLu
from domain.saisie import Saisie
from domain.texte import TexteLibre
from persistence import comptes as depot_comptes
from persistence import depots
from persistence.comptes import QUESTIONS_SECRETES, Certification, hacher, normaliser_texte, verifier
from persistence.models import Compte, Employeur
from services import courriels
from services.champs import Nir, Siret
from settings import Settings

__all__ = [
    "QUESTIONS_SECRETES",
    "Compte",
    "JetonLu",
    "compte_actif",
    "compte_de_session",
    "hacher",
    "normaliser_texte",
    "session_ouverte",
    "verifier",
]

ECHECS_AVANT_VERROU = 5
DUREE_VERROU = timedelta(minutes=15)

ACCUSE_EMPLOYEUR = (
    "Demande enregistrée. Si ces informations correspondent à un compte, son identifiant vient d'être envoyé par "
    "courriel à l'adresse enregistrée sur ce compte. Rien reçu d'ici quelques minutes ? Vérifiez le numéro BCR ou "
    "de contrat, et vos nom et prénom tels que déclarés à l'inscription ; sinon, adressez-vous à l'administrateur "
    "de l'espace employeur de votre établissement."
)
ACCUSE_AFFILIE = (
    "Demande enregistrée. Si ces informations correspondent à un compte, son identifiant vient d'être envoyé par "
    "courriel à l'adresse enregistrée sur ce compte. Rien reçu d'ici quelques minutes ? Vérifiez votre numéro de "
    "sécurité sociale, vos nom, prénom et date de naissance tels qu'ils figurent sur vos relevés de carrière."
)
REFUS_REGENERATION = (
    "Ces informations ne permettent pas de régénérer un code confidentiel. Vérifiez vos nom et prénom, votre "
    "identifiant, l'adresse électronique de votre compte, la question choisie et sa réponse. La régénération "
    "suppose d'avoir choisi une question secrète lors d'une première connexion et d'avoir une adresse électronique "
    "valide sur le compte ; sinon, demandez à un administrateur de votre établissement de régénérer votre code."
)


# --- bodies and answers ---


def _sans_controle(valeur: str) -> str:
    """No control characters (a NUL, a line break in a mail header): refused by name, never stored."""
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in valeur):
        raise ValueError("caractères de contrôle (retour à la ligne, tabulation…) interdits : retirez-les")
    return valeur


class _AvecNomPrenom(Saisie):
    nom: TexteLibre = Field(max_length=100)
    prenom: TexteLibre = Field(max_length=100)

    @field_validator("nom", "prenom")
    @classmethod
    def _rempli(cls, valeur: str) -> str:
        if not normaliser_texte(_sans_controle(valeur)):
            raise ValueError("ce champ est obligatoire")
        return valeur.strip()


_IDENTIFIANT = re.compile(r"^[A-Za-z0-9._@-]+$")


def _identifiant(valeur: str) -> str:
    if not _IDENTIFIANT.match(valeur.strip()):
        raise ValueError("lettres sans accents, chiffres et « . _ @ - » seulement")
    return valeur.strip()


def _texte_libre(valeur: str) -> str:
    return _sans_controle(valeur)


def _question_connue(valeur: str) -> str:
    if valeur not in QUESTIONS_SECRETES:
        raise ValueError("choisissez l'une des questions proposées")
    return valeur


# Seed 002, step 2.
class RechercheIdentifiantEmployeur(_AvecNomPrenom):
    """L'établissement (SIRET, et son numéro BCR ou de contrat) et la personne."""

    siret: Siret = Field(max_length=20, description="SIRET de l'établissement (14 chiffres)")
    numero_bcr: TexteLibre | None = Field(default=None, max_length=20, description="Numéro BCR (exemple 01ABC111)")
    numero_contrat: TexteLibre | None = Field(default=None, max_length=30, description="Numéro de contrat")

    _texte = field_validator("numero_bcr", "numero_contrat")(
        lambda valeur: _sans_controle(valeur) if valeur else valeur
    )

    @model_validator(mode="after")
    def _bcr_ou_contrat(self) -> RechercheIdentifiantEmployeur:
        if not (self.numero_bcr or "").strip() and not (self.numero_contrat or "").strip():
            raise ValueError("numero_bcr : saisissez le numéro BCR ou le numéro de contrat (au moins l'un des deux).")
        return self


class RechercheIdentifiantAffilie(_AvecNomPrenom):
    """Un agent : le NIR et ce que la CNRACL sait de lui (nom, prénom, date de naissance)."""

    nir: Nir = Field(max_length=21, description="Numéro de sécurité sociale (15 caractères avec la clé)")
    date_de_naissance: date


# Seed 002, step 3.
class DemandeRegeneration(_AvecNomPrenom):
    """La demande d'un nouveau code confidentiel : chaque champ doit correspondre au compte."""

    identifiant: TexteLibre = Field(min_length=1, max_length=100)
    email: TexteLibre = Field(max_length=200, description="L'adresse électronique enregistrée sur le compte")
    question: str = Field(description="Clé de la question secrète choisie (GET /auth/questions-secretes)")
    reponse: TexteLibre = Field(min_length=1, max_length=200)

    _email = field_validator("email")(adresse_electronique)
    _ident = field_validator("identifiant")(_identifiant)
    _texte = field_validator("reponse")(_texte_libre)
    _question = field_validator("question")(_question_connue)


class ChoixQuestionSecrete(Saisie):
    question: str = Field(description="Clé de la question (GET /auth/questions-secretes)")
    reponse: TexteLibre = Field(min_length=2, max_length=200)
    code: str = Field(min_length=1, max_length=200, description="Votre code confidentiel actuel")

    _texte = field_validator("reponse", "code")(_texte_libre)

    _question = field_validator("question")(_question_connue)


class Accuse(BaseModel):
    message: str


class QuestionSecrete(BaseModel):
    cle: str
    libelle: str


class CodeCertification(BaseModel):
    """Le code de certification, affiché une seule fois : il n'est conservé nulle part en clair, et le nouveau code
    confidentiel part par courriel seulement."""

    code_certification: str
    expire_le: datetime
    message: str


class NouvelUtilisateur(_AvecNomPrenom):
    identifiant: TexteLibre = Field(min_length=3, max_length=100)
    email: TexteLibre = Field(max_length=200, description="Adresse à laquelle le code confidentiel initial est envoyé")
    profil: ProfilEmployeur = Field(
        default=ProfilEmployeur.utilisateur,
        description="utilisateur (habilité au service) ou admin (administre aussi les comptes)",
    )

    _email = field_validator("email")(adresse_electronique)
    _ident = field_validator("identifiant")(_identifiant)


class ChangementUtilisateur(Saisie):
    profil: ProfilEmployeur | None = Field(default=None, description="Nouvelle habilitation : utilisateur ou admin")
    actif: bool | None = Field(default=None, description="false : le compte ne peut plus se connecter")


class UtilisateurPublic(BaseModel):
    id: int
    identifiant: str
    nom: str | None
    prenom: str | None
    email: str | None
    profil: str | None
    actif: bool
    question_secrete_choisie: bool


@dataclass(frozen=True)
class Envoi:
    """A mail committed to the outbox, to send after the answer; ``secret``: masked in the stored copy once sent."""

    mail_id: int
    secret: str | None = None


async def compte_actif(session: AsyncSession, compte_id: int | None) -> Compte | None:
    """The account of a token, if it still exists and may sign in."""
    compte = await session.get(Compte, compte_id) if compte_id else None
    return compte if compte is not None and compte.actif else None


def session_ouverte(compte: Compte | None, jeton: JetonLu | None) -> bool:
    """Whether a token (or page cookie) still opens this account: the account may sign in, and the token was
    issued since its sessions were last revoked (logout, code regeneration, deactivation, lockout)."""
    return compte is not None and jeton is not None and compte.actif and compte.version_jeton == jeton.version


async def compte_de_session(session: AsyncSession, jeton: JetonLu | None) -> Compte | None:
    """The account a token or page cookie opens now, read from the database; ``None`` when revoked."""
    compte = await compte_actif(session, jeton.compte_id) if jeton is not None else None
    return compte if session_ouverte(compte, jeton) else None


def question_secrete_requise(compte: Compte) -> bool:
    """An account that has not chosen its secret question yet (first login): the pages ask it before any other."""
    return compte.question_secrete is None or compte.reponse_secrete_hash is None


async def deconnecter(session: AsyncSession, jeton: JetonLu | None) -> None:
    """Logout: every token and page session of the account stops working at once, on every device (one version
    per account). A token already revoked changes nothing."""
    compte = await compte_de_session(session, jeton)
    if compte is None:
        return
    depot_comptes.revoquer_sessions(compte)
    session.add(compte)
    await session.commit()


def _refus_du_compte(exc: depot_comptes.CompteInvalide, type_: type[ErreurMetier]) -> ErreurMetier:
    """An account refused by its repository (« champ : ce qui ne va pas ») as a typed error on that field."""
    champ = str(exc).partition(" : ")[0]
    return type_(str(exc), champ, "compte")


# --- login ---

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


def _cle_tentatives(settings: Settings, identifiant: str) -> str:
    """The key of an identifier's wrong codes: a keyed digest, so the table never holds what was typed (a code
    typed in the identifier field, a NIR)."""
    cle = settings.cle_secrete().encode()
    return hmac.new(cle, f"connexion:{identifiant}".encode(), hashlib.sha256).hexdigest()


VERROUILLE = (
    "Compte verrouillé après plusieurs codes erronés : réessayez dans quelques minutes "
    "ou régénérez votre code confidentiel."
)


async def connecter(
    session: AsyncSession, settings: Settings, identifiant: str | None, code: str | None, certification: str | None
) -> Compte:
    """The account these codes open. Repeated wrong codes lock the identifier a while — whether an account has it
    or not: the answers (wrong code, lockout) and their time are the same, and do not tell which identifiers
    exist. After a regeneration the code is provisional and the certification code is asked too (a few wrong
    tries of it cancel the provisional code)."""
    if not identifiant or not code:
        raise Refus("Saisissez votre identifiant et votre code confidentiel.")
    maintenant = datetime.now(UTC)
    cle = _cle_tentatives(settings, identifiant)
    essai = await depot_comptes.compter_essai(session, cle, maintenant)
    if essai is not None and essai > ECHECS_AVANT_VERROU:  # tries spent by a burst of parallel ones: locked now
        await depot_comptes.verrouiller(session, cle, maintenant, DUREE_VERROU)
    # Committed before the code is checked: the count's row lock (the database's, on SQLite) is not held while
    # the hash is computed.
    await session.commit()
    if essai is None or essai > ECHECS_AVANT_VERROU:
        raise Verrouille(VERROUILLE)
    compte = await depots.compte_par_identifiant(session, identifiant)
    if compte is not None and not compte.actif:
        compte = None  # a deactivated account is answered as an unknown one
    # An unknown identifier's code is checked against a decoy hash: as long as a wrong code.
    if not depot_comptes.verifier_ou_leurre(code, compte.code_hash if compte is not None else None):
        if essai >= ECHECS_AVANT_VERROU:
            await depot_comptes.verrouiller(session, cle, maintenant, DUREE_VERROU)
            if compte is not None:
                depot_comptes.revoquer_sessions(compte)  # locked: its open sessions close too
                session.add(compte)
        await session.commit()
        raise NonAuthentifie("Identifiant ou code confidentiel incorrect.")
    assert compte is not None  # a right code is an account's
    await depot_comptes.effacer_tentatives(session, cle)
    essais_max = settings.compte_essais_certification
    resultat = depot_comptes.certifier(compte, certification, maintenant, essais_max)
    session.add(compte)
    await session.commit()
    if resultat not in {Certification.sans_objet, Certification.acceptee}:
        restants = essais_max - compte.certification_essais
        raise NonAuthentifie(
            _MESSAGES_CERTIFICATION[resultat].format(restants=restants, pluriel="s" if restants > 1 else "")
        )
    return compte


# --- mails ---


async def _deposer_avec_code(
    session: AsyncSession,
    settings: Settings,
    compte: Compte,
    evenement: str,
    cle: str,
    titulaire: tuple[str | None, str | None],
    code: str,
    expire_le: datetime,
    contexte: dict[str, Any] | None = None,
) -> list[Envoi]:
    """A mail carrying a confidential code, written to the outbox and committed with the account's change; the
    code is masked in the stored copy once the mail has left."""
    nom, prenom = titulaire
    mail_id = await courriels.deposer(
        session,
        settings,
        cle=cle,
        evenement=evenement,
        destinataire=compte.email or "",
        maintenant=datetime.now(UTC),
        contexte={
            "titulaire": {"nom": nom, "prenom": prenom},
            "compte": {"identifiant": compte.identifiant},
            "codes": {"code_confidentiel": code, "expire_le": expire_le.isoformat()},
            **(contexte or {}),
        },
    )
    await session.commit()
    return [Envoi(mail_id, code)] if mail_id is not None else []


# --- lost codes ---


async def _deposer_identifiants(session: AsyncSession, settings: Settings, trouves: list[Compte]) -> list[Envoi]:
    """One mail per account and per hour (its idempotency key)."""
    maintenant = datetime.now(UTC)
    envois = []
    for compte in trouves:
        if not compte.email:
            continue
        nom, prenom = await depot_comptes.titulaire(session, compte)
        mail_id = await courriels.deposer(
            session,
            settings,
            cle=f"compte-{compte.id}:identifiant_rappele:{maintenant:%Y-%m-%dT%H}",
            evenement="identifiant_rappele",
            destinataire=compte.email,
            maintenant=maintenant,
            contexte={"titulaire": {"nom": nom, "prenom": prenom}, "compte": {"identifiant": compte.identifiant}},
        )
        if mail_id is not None:
            envois.append(Envoi(mail_id))
    await session.commit()
    return envois


async def rappeler_identifiant(
    session: AsyncSession, settings: Settings, corps: RechercheIdentifiantEmployeur | RechercheIdentifiantAffilie
) -> tuple[Accuse, list[Envoi]]:
    """The identifier of the accounts these data describe, mailed to them: an employer's (SIRET, BCR or contract
    number, name), or an agent's (NIR, name, birth date). The same answer in every case."""
    if isinstance(corps, RechercheIdentifiantEmployeur):
        trouves = await depot_comptes.comptes_employeur_identifies(session, **corps.model_dump())
        accuse = ACCUSE_EMPLOYEUR
    else:
        trouves = await depot_comptes.comptes_affilie_identifies(session, **corps.model_dump())
        accuse = ACCUSE_AFFILIE
    return Accuse(message=accuse), await _deposer_identifiants(session, settings, trouves)


async def _regenerer(
    session: AsyncSession, settings: Settings, compte: Compte, contexte: dict[str, Any] | None = None
) -> tuple[depot_comptes.CodesRegeneres, list[Envoi]]:
    """The regeneration itself, whoever asks: a new provisional code and its certification code (the old code
    and every open session stop working, a lockout is lifted), the code mailed through the outbox, committed
    together (with any history event the caller queued)."""
    codes = depot_comptes.regenerer(compte, datetime.now(UTC), settings.compte_validite_certification)
    await depot_comptes.effacer_tentatives(session, _cle_tentatives(settings, compte.identifiant))
    session.add(compte)
    envois = await _deposer_avec_code(
        session,
        settings,
        compte,
        "code_regenere",
        f"compte-{compte.id}:code_regenere:{codes.numero}",
        await depot_comptes.titulaire(session, compte),
        codes.code_confidentiel,
        codes.expire_le,
        contexte,
    )
    return codes, envois


async def regenerer_code(
    session: AsyncSession, settings: Settings, corps: DemandeRegeneration
) -> tuple[CodeCertification, list[Envoi]]:
    """When every field matches: a new provisional code mailed to the account's address (the old one stops
    working, a lockout is lifted) and the certification code, answered once. Otherwise the same refusal
    whichever field is wrong."""
    compte = await depot_comptes.compte_pour_regeneration(session, **corps.model_dump())
    if compte is None or not compte.email:
        raise DemandeIncorrecte(REFUS_REGENERATION)
    codes, envois = await _regenerer(session, settings, compte)
    reponse = CodeCertification(
        code_certification=codes.code_certification,
        expire_le=codes.expire_le,
        message="Votre nouveau code confidentiel vous est envoyé par courriel à l'adresse de votre compte. Notez le "
        "code de certification : ce n'est pas votre code confidentiel, il vous sera demandé à votre prochaine "
        f"connexion. Après {settings.compte_essais_certification} essais infructueux, vous devrez "
        "régénérer votre code confidentiel.",
    )
    return reponse, envois


async def regenerer_code_de(
    session: AsyncSession, settings: Settings, auteur: Compte, compte_id: int
) -> tuple[CodeCertification, list[Envoi]]:
    """An employer's administrator regenerates the code of a user of its establishment: the new provisional code
    goes to the user's mailbox, the certification code is answered to the administrator, who hands it to the user
    by another way (in person, by telephone) — neither alone opens the account. The history keeps who did it.
    (Supervisors have no accounts page; a supervisor's route over every account is left to when they do.)"""
    cible = await _compte_administre(session, auteur, compte_id)
    if cible.id == auteur.id:
        raise Conflit(
            "Vous ne pouvez pas régénérer votre propre code ici : utilisez le lien « Code confidentiel oublié ? » "
            "de la page de connexion."
        )
    if not cible.actif:
        raise Conflit(
            f"Le compte {cible.identifiant} est désactivé : réactivez-le avant de lui générer un nouveau code."
        )
    if not cible.email:
        raise Conflit(
            f"Le compte {cible.identifiant} n'a pas d'adresse électronique : son nouveau code ne peut pas lui être "
            "envoyé. Contactez la CNRACL pour renseigner son adresse."
        )
    await depots.ajouter_evenement(
        session,
        f"compte-{cible.id}",
        "code_regenere_par_administrateur",
        Acteur.employeur.value,
        datetime.now(UTC),
        auteur.id,
        {"compte": cible.identifiant, "par": auteur.identifiant},
    )
    codes, envois = await _regenerer(
        session,
        settings,
        cible,
        {"regenere_par": "l'administrateur de votre établissement"},
    )
    reponse = CodeCertification(
        code_certification=codes.code_certification,
        expire_le=codes.expire_le,
        message=f"Le nouveau code confidentiel de {cible.identifiant} lui est envoyé par courriel ({cible.email}) ; "
        "son ancien code et ses sessions ouvertes ne fonctionnent plus. Transmettez-lui vous-même le code de "
        "certification (en personne ou par téléphone, jamais par courriel) : il le saisira avec son nouveau code "
        f"à sa prochaine connexion. Après {settings.compte_essais_certification} essais infructueux, un nouveau "
        "code devra être généré.",
    )
    return reponse, envois


async def choisir_question_secrete(session: AsyncSession, compte: Compte, corps: ChoixQuestionSecrete) -> Accuse:
    """Choose (or change) one's secret question, confirmed by the current code."""
    if not depot_comptes.verifier_ou_leurre(corps.code, compte.code_hash):
        raise Interdit(
            "code : ce n'est pas votre code confidentiel actuel ; la question n'est pas changée.", "code", "code_actuel"
        )
    try:
        depot_comptes.definir_question_secrete(compte, corps.question, corps.reponse)
    except depot_comptes.CompteInvalide as exc:
        raise _refus_du_compte(exc, Refus) from exc
    session.add(compte)
    await session.commit()
    return Accuse(
        message="Votre question secrète est enregistrée : elle vous permettra de régénérer votre code "
        "confidentiel si vous le perdez."
    )


# --- the employer's administrator: accounts of its establishment (seed 000, « habilitation ») ---


def _public(compte: Compte) -> UtilisateurPublic:
    return UtilisateurPublic.model_validate(
        {
            **compte.model_dump(include=set(UtilisateurPublic.model_fields)),
            "id": compte.id or 0,
            "question_secrete_choisie": compte.reponse_secrete_hash is not None,
        }
    )


def _administrateur(compte: Compte) -> int:
    """The employer an administrator administers; ``Interdit`` for anyone else (users, agents, supervisors)."""
    if compte.role != Role.employeur.value or compte.profil != ProfilEmployeur.admin.value or not compte.employeur_id:
        raise Interdit(
            "Accès refusé : seul un administrateur de l'espace employeur gère les comptes de son établissement."
        )
    return compte.employeur_id


async def utilisateurs(session: AsyncSession, compte: Compte) -> list[UtilisateurPublic]:
    """The accounts of the administrator's establishment."""
    return [_public(c) for c in await depot_comptes.comptes_de_l_employeur(session, _administrateur(compte))]


async def creer_utilisateur(
    session: AsyncSession, settings: Settings, compte: Compte, corps: NouvelUtilisateur
) -> tuple[UtilisateurPublic, list[Envoi]]:
    """A new account of the establishment, habilitated as asked; its initial code is mailed to it (never
    answered): at its first login the user chooses a secret question."""
    employeur = await session.get(Employeur, _administrateur(compte))
    if employeur is None:
        raise Introuvable("L'établissement de votre compte n'existe plus : contactez la CNRACL.")
    code = depot_comptes.code_aleatoire(depot_comptes.LONGUEUR_CODE_CONFIDENTIEL)
    try:
        nouveau = await depot_comptes.creer_compte(
            session,
            role=Role.employeur.value,
            identifiant=corps.identifiant.strip(),
            code_hash=hacher(code),
            siret=employeur.siret,
            profil=corps.profil.value,
            email=corps.email,
            nom=corps.nom,
            prenom=corps.prenom,
        )
    except depot_comptes.CompteInvalide as exc:
        raise _refus_du_compte(exc, Conflit if "déjà pris" in str(exc) else Refus) from exc
    envois = await _deposer_avec_code(
        session,
        settings,
        nouveau,
        "compte_cree",
        f"compte-{nouveau.id}:compte_cree",
        (nouveau.nom, nouveau.prenom),
        code,
        datetime.now(UTC),
        {"employeur": {"raison_sociale": employeur.raison_sociale, "siret": employeur.siret}},
    )
    return _public(nouveau), envois


async def _compte_administre(session: AsyncSession, auteur: Compte, compte_id: int) -> Compte:
    """An account of the establishment ``auteur`` administers; ``Interdit`` for anyone but an employer's
    administrator, ``Introuvable`` for another establishment's account (not revealed to exist)."""
    employeur_id = _administrateur(auteur)
    cible = await session.get(Compte, compte_id) if 1 <= compte_id <= 2**31 - 1 else None
    if cible is None or cible.employeur_id != employeur_id or cible.role != Role.employeur.value:
        raise Introuvable(f"Compte n° {compte_id} introuvable dans votre espace : il n'est pas de votre établissement.")
    return cible


async def changer_utilisateur(
    session: AsyncSession, compte: Compte, compte_id: int, corps: ChangementUtilisateur
) -> UtilisateurPublic:
    """Change an account's habilitation, deactivate or reactivate it — within one's own establishment, and
    never one's own (another administrator does that: the establishment keeps an administrator)."""
    cible = await _compte_administre(session, compte, compte_id)
    if cible.id == compte.id and (corps.actif is False or corps.profil is ProfilEmployeur.utilisateur):
        raise Conflit(
            "Vous ne pouvez pas retirer vos propres droits d'administrateur : demandez-le à un autre administrateur."
        )
    if corps.profil is not None:
        cible.profil = corps.profil.value
    if corps.actif is False and cible.actif:
        depot_comptes.revoquer_sessions(cible)  # its open sessions close, and stay closed if reactivated
    if corps.actif is not None:
        cible.actif = corps.actif
    session.add(cible)
    await session.commit()
    return _public(cible)
