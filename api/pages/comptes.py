"""Lost codes (seed 002) in pages: the identifier found again (employer or agent), the confidential code
regenerated after the secret question with its certification code shown once, the first login with the
new code; signed in, the choice of the secret question; and the employer administrator's accounts of its
establishment and their habilitation (seed 000). Each form calls the use case of its JSON route."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from fastapi.responses import RedirectResponse

from api.deps import EtatDep, SessionDep, expedier_apres
from api.limites import limiter
from api.pages.contexte import Page, PageEmployeur
from api.pages.formulaires import FormulaireInvalide, construire
from api.pages.libelles import avis
from api.pages.rendu import refus_de, rendre
from api.pages.session import (
    CompteSansQuestion,
    accueil_du_role,
    apres_connexion,
    poser_session,
    suite_sure,
    verifier_csrf,
)
from api.parametres import Identifiant
from api.securite import jeton_de
from domain.erreurs import ErreurMetier
from services import comptes
from services.comptes import QUESTIONS_SECRETES, Compte, question_secrete_requise

router = APIRouter(include_in_schema=False)

CHAMPS_EMPLOYEUR = ("siret", "numero_bcr", "numero_contrat", "nom", "prenom")
CHAMPS_AFFILIE = ("nir", "nom", "prenom", "date_de_naissance")
CHAMPS_REGENERATION = ("nom", "prenom", "identifiant", "email", "question", "reponse")
CHAMPS_CERTIFICATION = ("identifiant", "code", "certification")


async def _saisie(request: Request, etat: EtatDep, champs: tuple[str, ...]) -> dict[str, str]:
    """The form's fields (after its CSRF check); secrets are never echoed back into the page."""
    formulaire = await request.form()
    verifier_csrf(request, etat.settings, str(formulaire.get("csrf", "")))
    return {c: str(formulaire.get(c, "")).strip() for c in champs}


def _erreurs_du_refus(refus: ErreurMetier, champs: tuple[str, ...]) -> dict[str, str]:
    return {champ: message for champ, message in refus_de(refus)[2].items() if champ in champs}


def _questions() -> list[tuple[str, str]]:
    return list(QUESTIONS_SECRETES.items())


# --- identifier ---


@router.get("/comptes/identifiant-oublie")
async def identifiant_oublie(request: Request):
    return rendre(request, "comptes/identifiant_oublie.html", {})


async def _page_identifiant(
    request: Request, profil: str, saisie: dict[str, Any] | None = None, statut: int = 200, **contexte: Any
):
    qui = "employeur" if profil == "employeur" else "agent"
    contexte = {"saisie": saisie or {}, "qui": qui, **contexte}
    return rendre(request, f"comptes/identifiant_{profil}.html", contexte, statut)


@router.get("/comptes/identifiant-oublie/employeur")
async def identifiant_employeur(request: Request):
    return await _page_identifiant(request, "employeur")


async def _rechercher_identifiant(
    request: Request, etat: EtatDep, session: SessionDep, taches: BackgroundTasks, profil: str, champs, modele
):
    """One recovery form (employer or agent): its use case, its refusals said on the page."""
    saisie = await _saisie(request, etat, champs)
    try:
        corps = construire(modele, saisie)
        await limiter(request, etat.settings)
        resultat = await comptes.rappeler_identifiant(session, etat.settings, corps)
    except FormulaireInvalide as invalide:
        return await _page_identifiant(request, profil, saisie, 422, erreur=invalide.resume, erreurs=invalide.erreurs)
    except HTTPException as exc:  # the attempts' limit
        return await _page_identifiant(request, profil, saisie, exc.status_code, erreur=str(exc.detail))
    accuse = expedier_apres(taches, etat, resultat)
    return await _page_identifiant(request, profil, message=accuse.message)


@router.post("/comptes/identifiant-oublie/employeur")
async def rechercher_identifiant_employeur(
    request: Request, etat: EtatDep, session: SessionDep, taches: BackgroundTasks
):
    return await _rechercher_identifiant(
        request,
        etat,
        session,
        taches,
        "employeur",
        CHAMPS_EMPLOYEUR,
        comptes.RechercheIdentifiantEmployeur,
    )


@router.get("/comptes/identifiant-oublie/agent")
async def identifiant_agent(request: Request):
    return await _page_identifiant(request, "affilie")


@router.post("/comptes/identifiant-oublie/agent")
async def rechercher_identifiant_agent(request: Request, etat: EtatDep, session: SessionDep, taches: BackgroundTasks):
    return await _rechercher_identifiant(
        request,
        etat,
        session,
        taches,
        "affilie",
        CHAMPS_AFFILIE,
        comptes.RechercheIdentifiantAffilie,
    )


# --- confidential code ---


def _page_regeneration(request: Request, saisie: dict[str, Any], statut: int = 200, **contexte: Any):
    saisie = {k: v for k, v in saisie.items() if k != "reponse"}
    return rendre(
        request, "comptes/code_oublie.html", {"saisie": saisie, "questions": _questions(), **contexte}, statut
    )


@router.get("/comptes/code-oublie")
async def code_oublie(request: Request, identifiant: str = ""):
    """Seed 002, step 3 (« Votre identifiant est renseigné automatiquement » from the identifier mail's link)."""
    return _page_regeneration(request, {"identifiant": identifiant[:100]})


@router.post("/comptes/code-oublie")
async def regenerer_code(request: Request, etat: EtatDep, session: SessionDep, taches: BackgroundTasks):
    saisie = await _saisie(request, etat, CHAMPS_REGENERATION)
    try:
        corps = construire(comptes.DemandeRegeneration, saisie)
        await limiter(request, etat.settings, f"identifiant:{comptes.normaliser_texte(corps.identifiant)}")
        resultat = await comptes.regenerer_code(session, etat.settings, corps)
    except FormulaireInvalide as invalide:
        return _page_regeneration(request, saisie, 422, erreur=invalide.resume, erreurs=invalide.erreurs)
    except HTTPException as exc:  # the attempts' limit
        return _page_regeneration(request, saisie, exc.status_code, erreur=str(exc.detail))
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        erreurs = _erreurs_du_refus(refus, CHAMPS_REGENERATION)
        return _page_regeneration(request, saisie, statut, erreur=message, erreurs=erreurs)
    codes = expedier_apres(taches, etat, resultat)
    # Seed 002, step 4: the certification code, on this answer only (the page is not cached: no-store).
    return rendre(
        request,
        "comptes/code_certification.html",
        {"codes": codes, "identifiant": corps.identifiant, "essais": etat.settings.compte_essais_certification},
    )


# --- first login with the new code ---


def _page_certification(request: Request, identifiant: str = "", statut: int = 200, **contexte: Any):
    return rendre(request, "comptes/certification.html", {"identifiant": identifiant, **contexte}, statut)


@router.get("/comptes/certification")
async def certification(request: Request, identifiant: str = ""):
    return _page_certification(request, identifiant[:100])


@router.post("/comptes/certification")
async def se_connecter_avec_certification(request: Request, etat: EtatDep, session: SessionDep):
    saisie = await _saisie(request, etat, CHAMPS_CERTIFICATION)
    try:
        await limiter(request, etat.settings)
        compte = await comptes.connecter(
            session,
            etat.settings,
            saisie["identifiant"] or None,
            saisie["code"] or None,
            saisie["certification"] or None,
        )
    except HTTPException as exc:  # the attempts' limit
        return _page_certification(request, saisie["identifiant"], exc.status_code, erreur=str(exc.detail))
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        erreurs = {"certification": message} if "certification" in message else {}
        return _page_certification(request, saisie["identifiant"], statut, erreur=message, erreurs=erreurs)
    jeton = jeton_de(compte, etat.settings)
    reponse = RedirectResponse(apres_connexion(compte, None), status_code=303)
    poser_session(reponse, request, jeton.access_token, etat.settings)
    return reponse


# --- secret question (signed in; asked at the first login before any other page) ---


LIBELLES_QUESTION = {"question": "Question", "reponse": "Réponse", "code": "Votre code confidentiel actuel"}


def _par_libelle(erreurs: dict[str, str]) -> dict[str, Any]:
    """The form's errors under their fields, and summed up above it by the fields' labels (never their codes)."""
    sans_code = {champ: message.removeprefix(f"{champ} : ") for champ, message in erreurs.items()}
    resume = " ; ".join(f"{LIBELLES_QUESTION.get(champ, champ)} : {message}" for champ, message in sans_code.items())
    return {"erreur": f"Votre question secrète n'est pas enregistrée. {resume}", "erreurs": sans_code}


def _contexte_question(compte: Compte, question: str, suite: str | None) -> dict[str, Any]:
    return {
        "questions": _questions(),
        "saisie": {"question": question},
        "actuelle": QUESTIONS_SECRETES.get(compte.question_secrete or ""),
        "premiere": question_secrete_requise(compte),
        "suite": suite or "",
    }


@router.get("/comptes/question-secrete")
async def question_secrete(request: Request, compte: CompteSansQuestion, suite: str | None = None):
    contexte = _contexte_question(compte, compte.question_secrete or "", suite_sure(suite))
    return rendre(request, "comptes/question_secrete.html", contexte)


@router.post("/comptes/question-secrete")
async def choisir_question_secrete(request: Request, compte: CompteSansQuestion, etat: EtatDep, session: SessionDep):
    saisie = await _saisie(request, etat, ("question", "reponse", "code", "suite"))
    suite = suite_sure(saisie.pop("suite"))  # where the page goes next, not part of the choice
    contexte = _contexte_question(compte, saisie["question"], suite)
    gabarit = "comptes/question_secrete.html"
    try:
        corps = construire(comptes.ChoixQuestionSecrete, saisie)
        await limiter(request, etat.settings, f"identifiant:{comptes.normaliser_texte(compte.identifiant)}")
        premiere = question_secrete_requise(compte)
        accuse = await comptes.choisir_question_secrete(session, compte, corps)
    except FormulaireInvalide as invalide:
        erreurs = _par_libelle(invalide.erreurs)
        return rendre(request, gabarit, {**contexte, **erreurs}, 422)
    except HTTPException as exc:  # the attempts' limit
        return rendre(request, gabarit, {**contexte, "erreur": str(exc.detail)}, exc.status_code)
    except ErreurMetier as refus:
        statut, _, _ = refus_de(refus)
        erreurs = _par_libelle(_erreurs_du_refus(refus, tuple(LIBELLES_QUESTION)))
        return rendre(request, gabarit, {**contexte, **erreurs}, statut)
    if premiere:  # the first login goes on where it was heading
        return RedirectResponse(suite or accueil_du_role(compte.role), status_code=303)
    contexte = _contexte_question(compte, corps.question, suite)
    return rendre(request, gabarit, {**contexte, "message": accuse.message})


# --- the employer's administrator: accounts of its establishment (seed 000) ---

CHAMPS_UTILISATEUR = ("identifiant", "nom", "prenom", "email", "profil")
PROFILS = [("utilisateur", "Utilisateur (habilité au service)"), ("admin", "Administrateur (gère aussi les comptes)")]


async def _page_utilisateurs(page: Page, statut: int = 200, **contexte: Any):
    liste = await comptes.utilisateurs(page.session, page.compte)
    return page.rendre(
        "comptes/utilisateurs.html",
        {"utilisateurs": liste, "profils": PROFILS, "saisie": {"profil": "utilisateur"}, **contexte},
        statut,
    )


@router.get("/employeur/utilisateurs")
async def utilisateurs(page: PageEmployeur, message: str | None = None):
    return await _page_utilisateurs(page, message=avis(message))


@router.post("/employeur/utilisateurs")
async def creer_utilisateur(page: PageEmployeur, etat: EtatDep, taches: BackgroundTasks):
    saisie = await _saisie(page.request, etat, CHAMPS_UTILISATEUR)
    try:
        corps = construire(comptes.NouvelUtilisateur, saisie)
        resultat = await comptes.creer_utilisateur(page.session, etat.settings, page.compte, corps)
    except FormulaireInvalide as invalide:
        return await _page_utilisateurs(page, 422, saisie=saisie, erreur=invalide.resume, erreurs=invalide.erreurs)
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        erreurs = _erreurs_du_refus(refus, CHAMPS_UTILISATEUR)
        return await _page_utilisateurs(page, statut, saisie=saisie, erreur=message, erreurs=erreurs)
    expedier_apres(taches, etat, resultat)
    return RedirectResponse("/employeur/utilisateurs?message=cree", status_code=303)


@router.post("/employeur/utilisateurs/{compte_id}")
async def changer_utilisateur(page: PageEmployeur, compte_id: Identifiant, etat: EtatDep):
    saisie = await _saisie(page.request, etat, ("profil", "actif"))
    try:
        corps = construire(comptes.ChangementUtilisateur, saisie)
        await comptes.changer_utilisateur(page.session, page.compte, compte_id, corps)
    except FormulaireInvalide as invalide:
        return await _page_utilisateurs(page, 422, erreur=invalide.resume)
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        return await _page_utilisateurs(page, statut, erreur=message)
    return RedirectResponse("/employeur/utilisateurs?message=modifie", status_code=303)


@router.post("/employeur/utilisateurs/{compte_id}/code")
async def regenerer_code_utilisateur(
    page: PageEmployeur, compte_id: Identifiant, etat: EtatDep, taches: BackgroundTasks
):
    """« Générer un nouveau code » (after its confirmation): the code mailed to the user, the certification code
    shown here once, for the administrator to hand over."""
    await _saisie(page.request, etat, ())
    try:
        resultat = await comptes.regenerer_code_de(page.session, etat.settings, page.compte, compte_id)
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        return await _page_utilisateurs(page, statut, erreur=message)
    codes = expedier_apres(taches, etat, resultat)
    return page.rendre(
        "comptes/code_genere.html", {"codes": codes, "essais": etat.settings.compte_essais_certification}
    )
