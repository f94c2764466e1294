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
    """The questions one may choose (public: the regeneration form lists them)."""
    return [QuestionSecrete(cle=cle, libelle=libelle) for cle, libelle in QUESTIONS_SECRETES.items()]


def _rappel_identifiant(chemin: str, nom: str, formulaire: type[BaseModel], description: str) -> None:
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
    router.post(chemin, status_code=status.HTTP_202_ACCEPTED, response_model=Accuse, name=nom, description=description)(
        rappeler
    )


_rappel_identifiant(
    "/auth/identifiant/employeur",
    "identifiant_employeur",
    RechercheIdentifiantEmployeur,
    "Public. Mails the identifier of the matching employer accounts; the same answer in every case.",
)
_rappel_identifiant(
    "/auth/identifiant/affilie",
    "identifiant_affilie",
    RechercheIdentifiantAffilie,
    "Public. Mails the identifier of the agent's account when NIR, name and birth date are theirs.",
)


@router.post("/auth/code-confidentiel", status_code=status.HTTP_201_CREATED, response_model=CodeCertification)
async def regenerer_code(
    corps: DemandeRegeneration, request: Request, etat: EtatDep, session: SessionDep, taches: BackgroundTasks
) -> CodeCertification:
    """Public. When every field matches: a new provisional code is mailed to the account's address (the old
    one stops working, a lockout is lifted) and the certification code is answered, once; the next login
    gives both. Otherwise 400, the same sentence whichever field is wrong."""
    await limiter(request, etat.settings, f"identifiant:{normaliser_texte(corps.identifiant)}")
    return expedier_apres(taches, etat, await comptes.regenerer_code(session, etat.settings, corps))


@router.put("/auth/question-secrete", response_model=Accuse)
async def choisir_question_secrete(
    corps: ChoixQuestionSecrete, compte: CompteAJour, request: Request, etat: EtatDep, session: SessionDep
) -> Accuse:
    """Signed in, any role: choose (or change) one's secret question, confirmed by the current code."""
    await limiter(request, etat.settings, f"identifiant:{normaliser_texte(compte.identifiant)}")
    return await comptes.choisir_question_secrete(session, compte, corps)


@router.get("/employeur/utilisateurs", response_model=list[UtilisateurPublic])
async def utilisateurs(compte: CompteCourant, session: SessionDep) -> list[UtilisateurPublic]:
    """The accounts of the administrator's establishment."""
    return await comptes.utilisateurs(session, compte)


@router.post("/employeur/utilisateurs", status_code=status.HTTP_201_CREATED, response_model=UtilisateurPublic)
async def creer_utilisateur(
    corps: NouvelUtilisateur, compte: CompteCourant, etat: EtatDep, session: SessionDep, taches: BackgroundTasks
) -> UtilisateurPublic:
    """A new account of the establishment, habilitated as asked; its initial code is mailed to it (never
    answered): at its first login the user chooses a secret question."""
    return expedier_apres(taches, etat, await comptes.creer_utilisateur(session, etat.settings, compte, corps))


@router.patch("/employeur/utilisateurs/{compte_id}", response_model=UtilisateurPublic)
async def changer_utilisateur(
    compte_id: Identifiant, corps: ChangementUtilisateur, compte: CompteCourant, session: SessionDep
) -> UtilisateurPublic:
    """Change an account's habilitation, deactivate or reactivate it — within one's own establishment, and
    never one's own (another administrator does that: the establishment keeps an administrator)."""
    return await comptes.changer_utilisateur(session, compte, compte_id, corps)


@router.post(
    "/comptes/{compte_id}/code-confidentiel", status_code=status.HTTP_201_CREATED, response_model=CodeCertification
)
async def regenerer_code_de(
    compte_id: Identifiant, compte: CompteCourant, etat: EtatDep, session: SessionDep, taches: BackgroundTasks
) -> CodeCertification:
    """An employer's administrator, for a user of its establishment: a new provisional code is mailed to the
    account (its old code and tokens stop working) and the certification code is answered, for the administrator
    to hand over by another way. 404 for another establishment's account, 403 for anyone but an administrator."""
    return expedier_apres(taches, etat, await comptes.regenerer_code_de(session, etat.settings, compte, compte_id))
