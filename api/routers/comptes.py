"""Lost codes (seed 002), public routes: the identifier found again and mailed, the confidential code
regenerated after the secret question. And, signed in, the choice of one's secret question; for an
employer's administrator, the accounts of its establishment and their habilitation (seed 000).

The identifier requests answer the same sentence whether or not the data match an account: only the
account's own mailbox learns the identifier. Every attempt counts against the address's limit
(``CNRACL_LIMITE_COMPTES``), and a regeneration also against the limit of the identifier it aims at.
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from datetime import UTC, date, datetime

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, status
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, Field, field_validator, model_validator

from api import courriels
from api.deps import CompteAJour, CompteCourant, EtatDep, SessionDep
from domain.etats import ProfilEmployeur, Role
from domain.identifiants import erreur_nir, erreur_siret, normaliser
from persistence import comptes as depot_comptes
from persistence.comptes import QUESTIONS_SECRETES, normaliser_texte
from persistence.models import Compte, Employeur
from settings import Settings

router = APIRouter(tags=["comptes"])

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


class _AvecNomPrenom(BaseModel):
    nom: str = Field(max_length=100)
    prenom: str = Field(max_length=100)

    @field_validator("nom", "prenom")
    @classmethod
    def _rempli(cls, valeur: str) -> str:
        if not normaliser_texte(_sans_controle(valeur)):
            raise ValueError("ce champ est obligatoire")
        return valeur.strip()


_ADRESSE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_IDENTIFIANT = re.compile(r"^[A-Za-z0-9._@-]+$")


def _adresse(valeur: str) -> str:
    if not _ADRESSE.match(valeur.strip()):
        raise ValueError("une adresse électronique est attendue (nom@domaine.fr)")
    return valeur.strip()


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


class RechercheIdentifiantEmployeur(_AvecNomPrenom):
    """Seed 002, step 2: the establishment (SIRET, and its BCR or contract number) and the person."""

    siret: str = Field(max_length=20, description="SIRET de l'établissement (14 chiffres)")
    numero_bcr: str | None = Field(default=None, max_length=20, description="Numéro BCR (exemple 01ABC111)")
    numero_contrat: str | None = Field(default=None, max_length=30, description="Numéro de contrat")

    @field_validator("siret")
    @classmethod
    def _siret(cls, valeur: str) -> str:
        if erreur := erreur_siret(valeur):
            raise ValueError(erreur)
        return normaliser(valeur)

    _texte = field_validator("numero_bcr", "numero_contrat")(
        lambda valeur: _sans_controle(valeur) if valeur else valeur
    )

    @model_validator(mode="after")
    def _bcr_ou_contrat(self) -> RechercheIdentifiantEmployeur:
        if not (self.numero_bcr or "").strip() and not (self.numero_contrat or "").strip():
            raise ValueError("numero_bcr : saisissez le numéro BCR ou le numéro de contrat (au moins l'un des deux).")
        return self


class RechercheIdentifiantAffilie(_AvecNomPrenom):
    """An agent: the NIR and what the CNRACL knows of them (name, first name, birth date)."""

    nir: str = Field(max_length=21, description="Numéro de sécurité sociale (15 caractères avec la clé)")
    date_de_naissance: date

    @field_validator("nir")
    @classmethod
    def _nir(cls, valeur: str) -> str:
        if erreur := erreur_nir(valeur):
            raise ValueError(erreur)
        return normaliser(valeur)


class DemandeRegeneration(_AvecNomPrenom):
    """Seed 002, step 3: every field must match the account."""

    identifiant: str = Field(min_length=1, max_length=100)
    email: str = Field(max_length=200, description="L'adresse électronique enregistrée sur le compte")
    question: str = Field(description="Clé de la question secrète choisie (GET /auth/questions-secretes)")
    reponse: str = Field(min_length=1, max_length=200)

    _email = field_validator("email")(_adresse)
    _ident = field_validator("identifiant")(_identifiant)
    _texte = field_validator("reponse")(_texte_libre)
    _question = field_validator("question")(_question_connue)


class ChoixQuestionSecrete(BaseModel):
    question: str = Field(description="Clé de la question (GET /auth/questions-secretes)")
    reponse: str = Field(min_length=2, max_length=200)
    code: str = Field(min_length=1, max_length=200, description="Votre code confidentiel actuel")

    _texte = field_validator("reponse", "code")(_texte_libre)

    _question = field_validator("question")(_question_connue)


class Accuse(BaseModel):
    message: str


class QuestionSecrete(BaseModel):
    cle: str
    libelle: str


class CodeCertification(BaseModel):
    """Shown once: it is kept nowhere in clear, and the new confidential code goes by mail only."""

    code_certification: str
    expire_le: datetime
    message: str


# --- rate limit ---


def limiter(request: Request, settings: Settings, *cles: str) -> None:
    """Count one attempt for each key (the address, and maybe an identifier); 429 in French beyond the limit."""
    if not settings.limites_actives:
        return
    etat = request.app.state
    if getattr(etat, "limiteur_comptes", None) is None:
        etat.limiteur_comptes = (MovingWindowRateLimiter(MemoryStorage()), parse(settings.limite_comptes))
    limiteur, limite = etat.limiteur_comptes
    adresse = request.client.host if request.client else "inconnue"
    for cle in (f"adresse:{adresse}", *cles):
        if not limiteur.hit(limite, "comptes", cle):
            fenetre = limiteur.get_window_stats(limite, "comptes", cle)
            attente = max(1, math.ceil(fenetre.reset_time - time.time()))
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"Trop de demandes de récupération de codes : {limite.amount} au plus par période de "
                f"{_duree(limite)}. Réessayez dans {math.ceil(attente / 60)} minute(s).",
                headers={"Retry-After": str(attente)},
            )


def _duree(limite) -> str:
    unite = {"second": "seconde", "minute": "minute", "hour": "heure", "day": "jour"}.get(
        limite.GRANULARITY.name, limite.GRANULARITY.name
    )
    return unite if limite.multiples == 1 else f"{limite.multiples} {unite}s"


# --- routes ---


@router.get("/auth/questions-secretes", response_model=list[QuestionSecrete])
async def questions_secretes() -> list[QuestionSecrete]:
    """The questions one may choose (public: the regeneration form lists them)."""
    return [QuestionSecrete(cle=cle, libelle=libelle) for cle, libelle in QUESTIONS_SECRETES.items()]


@router.post("/auth/identifiant/employeur", status_code=status.HTTP_202_ACCEPTED, response_model=Accuse)
async def identifiant_employeur(
    corps: RechercheIdentifiantEmployeur, request: Request, etat: EtatDep, session: SessionDep, taches: BackgroundTasks
) -> Accuse:
    """Public. Mails the identifier of the matching employer accounts; the same answer in every case."""
    limiter(request, etat.settings)
    trouves = await depot_comptes.comptes_employeur_identifies(
        session,
        siret=corps.siret,
        numero_bcr=corps.numero_bcr,
        numero_contrat=corps.numero_contrat,
        nom=corps.nom,
        prenom=corps.prenom,
    )
    await _envoyer_identifiants(trouves, request, etat, session, taches)
    return Accuse(message=ACCUSE_EMPLOYEUR)


@router.post("/auth/identifiant/affilie", status_code=status.HTTP_202_ACCEPTED, response_model=Accuse)
async def identifiant_affilie(
    corps: RechercheIdentifiantAffilie, request: Request, etat: EtatDep, session: SessionDep, taches: BackgroundTasks
) -> Accuse:
    """Public. Mails the identifier of the agent's account when NIR, name and birth date are theirs."""
    limiter(request, etat.settings)
    trouves = await depot_comptes.comptes_affilie_identifies(
        session, nir=corps.nir, nom=corps.nom, prenom=corps.prenom, date_de_naissance=corps.date_de_naissance
    )
    await _envoyer_identifiants(trouves, request, etat, session, taches)
    return Accuse(message=ACCUSE_AFFILIE)


async def _envoyer_identifiants(
    trouves: list[Compte], request: Request, etat: EtatDep, session: SessionDep, taches: BackgroundTasks
) -> None:
    """One mail per account and per hour (its idempotency key), sent after the answer: the answer takes as
    long whether an account was found or not."""
    maintenant = datetime.now(UTC)
    a_envoyer = []
    for compte in trouves:
        if not compte.email:
            continue
        nom, prenom = await depot_comptes.titulaire(session, compte)
        mail_id = await courriels.deposer(
            session,
            etat.settings,
            cle=f"compte-{compte.id}:identifiant_rappele:{maintenant:%Y-%m-%dT%H}",
            evenement="identifiant_rappele",
            destinataire=compte.email,
            maintenant=maintenant,
            contexte={"titulaire": {"nom": nom, "prenom": prenom}, "compte": {"identifiant": compte.identifiant}},
        )
        if mail_id is not None:
            a_envoyer.append(mail_id)
    await session.commit()
    for mail_id in a_envoyer:
        taches.add_task(courriels.expedier, etat.sessions, etat.settings, mail_id)


@router.post("/auth/code-confidentiel", status_code=status.HTTP_201_CREATED, response_model=CodeCertification)
async def regenerer_code(
    corps: DemandeRegeneration, request: Request, etat: EtatDep, session: SessionDep, taches: BackgroundTasks
) -> CodeCertification:
    """Public. When every field matches: a new provisional code is mailed to the account's address (the old
    one stops working, a lockout is lifted) and the certification code is answered, once; the next login
    gives both. Otherwise 400, the same sentence whichever field is wrong."""
    limiter(request, etat.settings, f"identifiant:{normaliser_texte(corps.identifiant)}")
    compte = await depot_comptes.compte_pour_regeneration(
        session,
        identifiant=corps.identifiant,
        nom=corps.nom,
        prenom=corps.prenom,
        email=corps.email,
        question=corps.question,
        reponse=corps.reponse,
    )
    if compte is None or not compte.email:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, REFUS_REGENERATION)
    maintenant = datetime.now(UTC)
    codes = depot_comptes.regenerer(compte, maintenant, etat.settings.compte_validite_certification)
    nom, prenom = await depot_comptes.titulaire(session, compte)
    session.add(compte)
    mail_id = await courriels.deposer(
        session,
        etat.settings,
        cle=f"compte-{compte.id}:code_regenere:{codes.numero}",
        evenement="code_regenere",
        destinataire=compte.email,
        maintenant=maintenant,
        contexte={
            "titulaire": {"nom": nom, "prenom": prenom},
            "compte": {"identifiant": compte.identifiant},
            "codes": {"code_confidentiel": codes.code_confidentiel, "expire_le": codes.expire_le.isoformat()},
        },
    )
    await session.commit()
    if mail_id is not None:
        taches.add_task(courriels.expedier, etat.sessions, etat.settings, mail_id, codes.code_confidentiel)
    return CodeCertification(
        code_certification=codes.code_certification,
        expire_le=codes.expire_le,
        message="Votre nouveau code confidentiel vous est envoyé par courriel à l'adresse de votre compte. Notez le "
        "code de certification : ce n'est pas votre code confidentiel, il vous sera demandé à votre prochaine "
        f"connexion. Après {etat.settings.compte_essais_certification} essais infructueux, vous devrez "
        "régénérer votre code confidentiel.",
    )


@router.put("/auth/question-secrete", response_model=Accuse)
async def choisir_question_secrete(
    corps: ChoixQuestionSecrete, compte: CompteAJour, request: Request, etat: EtatDep, session: SessionDep
) -> Accuse:
    """Signed in, any role: choose (or change) one's secret question, confirmed by the current code."""
    limiter(request, etat.settings, f"identifiant:{normaliser_texte(compte.identifiant)}")
    if not depot_comptes.verifier_ou_leurre(corps.code, compte.code_hash):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "code : ce n'est pas votre code confidentiel actuel ; la question n'est pas changée.",
        )
    try:
        depot_comptes.definir_question_secrete(compte, corps.question, corps.reponse)
    except depot_comptes.CompteInvalide as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from exc
    session.add(compte)
    await session.commit()
    return Accuse(
        message="Votre question secrète est enregistrée : elle vous permettra de régénérer votre code "
        "confidentiel si vous le perdez."
    )


# --- the employer's administrator: accounts of its establishment (seed 000, « habilitation ») ---


class NouvelUtilisateur(_AvecNomPrenom):
    identifiant: str = Field(min_length=3, max_length=100)
    email: str = Field(max_length=200, description="Adresse à laquelle le code confidentiel initial est envoyé")
    profil: ProfilEmployeur = Field(
        default=ProfilEmployeur.utilisateur,
        description="utilisateur (habilité au service) ou admin (administre aussi les comptes)",
    )

    _email = field_validator("email")(_adresse)
    _ident = field_validator("identifiant")(_identifiant)


class ChangementUtilisateur(BaseModel):
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


def _public(compte: Compte) -> UtilisateurPublic:
    assert compte.id is not None
    return UtilisateurPublic(
        id=compte.id,
        identifiant=compte.identifiant,
        nom=compte.nom,
        prenom=compte.prenom,
        email=compte.email,
        profil=compte.profil,
        actif=compte.actif,
        question_secrete_choisie=compte.reponse_secrete_hash is not None,
    )


def _administrateur(compte: Compte) -> int:
    """The employer an administrator administers; 403 for anyone else (users, agents, supervisors)."""
    if compte.role != Role.employeur.value or compte.profil != ProfilEmployeur.admin.value or not compte.employeur_id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "Accès refusé : seul un administrateur de l'espace employeur gère les comptes de son établissement.",
        )
    return compte.employeur_id


@router.get("/employeur/utilisateurs", response_model=list[UtilisateurPublic])
async def utilisateurs(compte: CompteCourant, session: SessionDep) -> list[UtilisateurPublic]:
    """The accounts of the administrator's establishment."""
    return [_public(c) for c in await depot_comptes.comptes_de_l_employeur(session, _administrateur(compte))]


@router.post("/employeur/utilisateurs", status_code=status.HTTP_201_CREATED, response_model=UtilisateurPublic)
async def creer_utilisateur(
    corps: NouvelUtilisateur, compte: CompteCourant, etat: EtatDep, session: SessionDep, taches: BackgroundTasks
) -> UtilisateurPublic:
    """A new account of the establishment, habilitated as asked; its initial code is mailed to it (never
    answered): at its first login the user chooses a secret question."""
    employeur_id = _administrateur(compte)
    employeur = await session.get(Employeur, employeur_id)
    assert employeur is not None
    code = depot_comptes.code_aleatoire(depot_comptes.LONGUEUR_CODE_CONFIDENTIEL)
    try:
        nouveau = await depot_comptes.creer_compte(
            session,
            role=Role.employeur.value,
            identifiant=corps.identifiant.strip(),
            code_hash=depot_comptes.hacher(code),
            siret=employeur.siret,
            profil=corps.profil.value,
            email=corps.email,
            nom=corps.nom,
            prenom=corps.prenom,
        )
    except depot_comptes.CompteInvalide as exc:
        raise HTTPException(status.HTTP_409_CONFLICT if "déjà pris" in str(exc) else 422, str(exc)) from exc
    maintenant = datetime.now(UTC)
    mail_id = await courriels.deposer(
        session,
        etat.settings,
        cle=f"compte-{nouveau.id}:compte_cree",
        evenement="compte_cree",
        destinataire=corps.email,
        maintenant=maintenant,
        contexte={
            "titulaire": {"nom": nouveau.nom, "prenom": nouveau.prenom},
            "compte": {"identifiant": nouveau.identifiant},
            "employeur": {"raison_sociale": employeur.raison_sociale, "siret": employeur.siret},
            "codes": {"code_confidentiel": code, "expire_le": maintenant.isoformat()},
        },
    )
    await session.commit()
    if mail_id is not None:
        taches.add_task(courriels.expedier, etat.sessions, etat.settings, mail_id, code)
    return _public(nouveau)


@router.patch("/employeur/utilisateurs/{compte_id}", response_model=UtilisateurPublic)
async def changer_utilisateur(
    compte_id: int, corps: ChangementUtilisateur, compte: CompteCourant, session: SessionDep
) -> UtilisateurPublic:
    """Change an account's habilitation, deactivate or reactivate it — within one's own establishment, and
    never one's own (another administrator does that: the establishment keeps an administrator)."""
    employeur_id = _administrateur(compte)
    cible = await session.get(Compte, compte_id) if 1 <= compte_id <= 2**31 - 1 else None
    if cible is None or cible.employeur_id != employeur_id or cible.role != Role.employeur.value:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"Compte n° {compte_id} introuvable dans votre espace : il n'est pas de votre établissement.",
        )
    if cible.id == compte.id and (corps.actif is False or corps.profil is ProfilEmployeur.utilisateur):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "Vous ne pouvez pas retirer vos propres droits d'administrateur : demandez-le à un autre administrateur.",
        )
    if corps.profil is not None:
        cible.profil = corps.profil.value
    if corps.actif is not None:
        cible.actif = corps.actif
    session.add(cible)
    await session.commit()
    return _public(cible)
