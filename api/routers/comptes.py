"""Lost codes (seed 002), public routes: the identifier found again and mailed, the confidential code
regenerated after the secret question. And, signed in, the choice of one's secret question; for an
employer's administrator, the accounts of its establishment and their habilitation (seed 000).

Every attempt counts against the address's limit (``CNRACL_LIMITE_COMPTES``), and a regeneration also against
the limit of the identifier it aims at."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, status
from pydantic import BaseModel

from api.deps import CompteAJour, CompteCourant, EtatDep, SessionDep, expedier_apres
from api.limites import limiter
from api.parametres import Identifiant
from services import comptes
from services.comptes import (
    QUESTIONS_SECRETES,
    Accuse,
    ChangementUtilisateur,
    ChoixQuestionSecrete,
    CodeCertification,
    DemandeRegeneration,
    NouvelUtilisateur,
    QuestionSecrete,
    RechercheIdentifiantAffilie,
    RechercheIdentifiantEmployeur,
    UtilisateurPublic,
    normaliser_texte,
)

router = APIRouter(tags=["comptes"])


@router.get("/auth/questions-secretes", response_model=list[QuestionSecrete])
async def questions_secretes() -> list[QuestionSecrete]:
    """Questions secrètes

    Les questions que l'on peut choisir (public : le formulaire de régénération les affiche)."""
    return [QuestionSecrete(cle=cle, libelle=libelle) for cle, libelle in QUESTIONS_SECRETES.items()]


def _rappel_identifiant(chemin: str, nom: str, formulaire: type[BaseModel], resume: str, description: str) -> None:
    """The employer's and the agent's identifier reminders: one use case, each its own form."""

    async def rappeler(
        corps: RechercheIdentifiantEmployeur | RechercheIdentifiantAffilie,
        request: Request,
        etat: EtatDep,
        session: SessionDep,
        taches: BackgroundTasks,
    ) -> Accuse:
        await limiter(request, etat.settings)
        return expedier_apres(taches, etat, await comptes.rappeler_identifiant(session, etat.settings, corps))

    rappeler.__annotations__["corps"] = formulaire  # the body FastAPI validates: this route's form alone
    router.post(
        chemin,
        status_code=status.HTTP_202_ACCEPTED,
        response_model=Accuse,
        name=nom,
        summary=resume,
        description=description,
    )(rappeler)


_rappel_identifiant(
    "/auth/identifiant/employeur",
    "identifiant_employeur",
    RechercheIdentifiantEmployeur,
    "Identifiant oublié (employeur)",
    "Public. Envoie par courriel l'identifiant des comptes employeur correspondants ; la réponse est la même dans "
    "tous les cas.",
)
_rappel_identifiant(
    "/auth/identifiant/affilie",
    "identifiant_affilie",
    RechercheIdentifiantAffilie,
    "Identifiant oublié (agent)",
    "Public. Envoie par courriel l'identifiant du compte de l'agent quand le NIR, le nom et la date de naissance sont "
    "les siens.",
)


@router.post("/auth/code-confidentiel", status_code=status.HTTP_201_CREATED, response_model=CodeCertification)
async def regenerer_code(
    corps: DemandeRegeneration, request: Request, etat: EtatDep, session: SessionDep, taches: BackgroundTasks
) -> CodeCertification:
    """Régénérer son code confidentiel

    Public. Quand tous les champs correspondent : un nouveau code provisoire est envoyé par courriel à l'adresse
    du compte (l'ancien cesse de fonctionner, un verrouillage est levé) et le code de certification figure dans la
    réponse, une seule fois ; la connexion suivante demande les deux. Sinon 400, avec la même phrase quel que soit le
    champ erroné."""
    await limiter(request, etat.settings, f"identifiant:{normaliser_texte(corps.identifiant)}")
    return expedier_apres(taches, etat, await comptes.regenerer_code(session, etat.settings, corps))


@router.put("/auth/question-secrete", response_model=Accuse)
async def choisir_question_secrete(
    corps: ChoixQuestionSecrete, compte: CompteAJour, request: Request, etat: EtatDep, session: SessionDep
) -> Accuse:
    """Choisir sa question secrète

    Connecté, quel que soit le rôle : choisir (ou changer) sa question secrète, confirmée par le code
    confidentiel actuel."""
    await limiter(request, etat.settings, f"identifiant:{normaliser_texte(compte.identifiant)}")
    return await comptes.choisir_question_secrete(session, compte, corps)


@router.get("/employeur/utilisateurs", response_model=list[UtilisateurPublic])
async def utilisateurs(compte: CompteCourant, session: SessionDep) -> list[UtilisateurPublic]:
    """Comptes de l'établissement

    L'administrateur d'un employeur : les comptes de son établissement."""
    return await comptes.utilisateurs(session, compte)


@router.post("/employeur/utilisateurs", status_code=status.HTTP_201_CREATED, response_model=UtilisateurPublic)
async def creer_utilisateur(
    corps: NouvelUtilisateur, compte: CompteCourant, etat: EtatDep, session: SessionDep, taches: BackgroundTasks
) -> UtilisateurPublic:
    """Créer un compte

    L'administrateur d'un employeur crée un compte de son établissement, habilité comme demandé ; son code initial
    lui est envoyé par courriel (jamais dans la réponse) : à sa première connexion, l'utilisateur choisit une question
    secrète."""
    return expedier_apres(taches, etat, await comptes.creer_utilisateur(session, etat.settings, compte, corps))


@router.patch("/employeur/utilisateurs/{compte_id}", response_model=UtilisateurPublic)
async def changer_utilisateur(
    compte_id: Identifiant, corps: ChangementUtilisateur, compte: CompteCourant, session: SessionDep
) -> UtilisateurPublic:
    """Modifier un compte

    L'administrateur d'un employeur change l'habilitation d'un compte, le désactive ou le réactive — dans son
    propre établissement, et jamais pour son propre compte (un autre administrateur s'en charge : l'établissement
    garde un administrateur)."""
    return await comptes.changer_utilisateur(session, compte, compte_id, corps)


@router.post(
    "/comptes/{compte_id}/code-confidentiel", status_code=status.HTTP_201_CREATED, response_model=CodeCertification
)
async def regenerer_code_de(
    compte_id: Identifiant, compte: CompteCourant, etat: EtatDep, session: SessionDep, taches: BackgroundTasks
) -> CodeCertification:
    """Régénérer le code confidentiel d'un compte

    L'administrateur d'un employeur, pour un utilisateur de son établissement : un nouveau code provisoire est
    envoyé par courriel au compte (son ancien code et ses jetons cessent de fonctionner) et le code de certification
    figure dans la réponse, pour que l'administrateur le remette par un autre moyen. 404 pour le compte d'un autre
    établissement, 403 pour tout autre qu'un administrateur."""
    return expedier_apres(taches, etat, await comptes.regenerer_code_de(session, etat.settings, compte, compte_id))
