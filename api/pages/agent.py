"""The agent's pages: their requests, an EIR on a timeline and its answers, the bilan, the survey,
the documents, and rectification requests. Each action calls the use case of its JSON route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from api.pages.contexte import FormulaireAffilie, Page, PageAffilie, PageAffilieOuSuperviseur
from api.pages.formulaires import FormulaireInvalide, construire, retour_du_formulaire
from api.pages.libelles import ETAPES_AGENT, QUESTIONS_ENQUETE, avis
from api.pages.rendu import graphique_pension, refus_de
from api.parametres import Identifiant
from domain.erreurs import ErreurMetier
from domain.etats import ETATS_EIR_TERMINES, Role, TypeDocument
from domain.rectification import ETATS_RECTIFICATION_TERMINES
from notifications.rendu import accord
from services import eir, rectifications

router = APIRouter(include_in_schema=False)


@router.get("/eir")
async def mes_demandes(page: PageAffilie, message: str | None = None):
    return await _accueil(page, message=avis(message))


async def _accueil(page: Page, erreur: str | None = None, message: str | None = None, statut=200):
    demandes = await eir.mes_demandes(page.session, page.compte)
    rects = await rectifications.lister(page.session, page.compte)
    en_cours = any(d.etat not in ETATS_EIR_TERMINES for d in demandes)
    return page.rendre(
        "agent/accueil.html",
        {
            "demandes": demandes,
            "rectifications": rects,
            "en_cours": en_cours,
            "erreur": erreur,
            "message": message,
            "etape_agent": {etape: nom for nom, couvre in ETAPES_AGENT for etape in couvre},
        },
        statut,
    )


@router.post("/eir")
async def demander(page: FormulaireAffilie):
    try:
        creee = await eir.demander(page.session, page.moteur, page.compte, eir.NouvelleDemande())
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        return await _accueil(page, erreur=message, statut=statut)
    return RedirectResponse(f"/eir/{creee.id}?message=demande", status_code=303)


def _frise(etape: str, etat_: str) -> dict:
    """The stepper: the three steps the mails announce, the engine's closure counted in the réalisation."""
    termine = etat_ in ETATS_EIR_TERMINES
    rang = next((i for i, (_, couvre) in enumerate(ETAPES_AGENT) if etape in couvre), 0)
    return {
        "rang": rang + 1,
        "total": len(ETAPES_AGENT),
        "actuelle": ETAPES_AGENT[rang][0],
        "suivante": None if termine or rang + 1 >= len(ETAPES_AGENT) else ETAPES_AGENT[rang + 1][0],
    }


def duree_fr(delai: timedelta) -> str:
    """« 14 jours », « 3 heures » (a demo or a test runs the process on shorter delays)."""
    secondes = int(delai.total_seconds())
    for unite, nom in ((86400, "jour"), (3600, "heure"), (60, "minute")):
        if secondes >= unite:
            return accord(secondes // unite, nom)
    return "quelques secondes"


# States where the page stops asking for news: the process is over, or a form awaits the agent's answer (a refresh
# would wipe what is being typed; the state only moves on that answer).
_SANS_SONDAGE = {*ETATS_EIR_TERMINES, "ris_disponible"}


async def _suivi(page: Page, demande_id: int) -> dict[str, Any]:
    """What the request's page and its refreshed part show: its state, what to do now and what comes next with
    the expected dates, its documents (each replaced one with its successor)."""
    demande = await eir.consulter(page.session, page.compte, demande_id)
    documents = await eir.documents(page.session, page.compte, demande_id)
    previsions = eir.previsions(demande, page.moteur.settings)
    return {
        "demande": demande,
        "frise": _frise(demande.etape, demande.etat),
        "documents": documents,
        "remplaces": eir.remplacements(documents),
        "proprietaire": page.compte.role == Role.affilie.value,
        "employeur": await eir.employeur_de_la_demande(page.session, page.compte, demande_id),
        "previsions": previsions,
        "delai_enquete": duree_fr(previsions.delai_enquete),
        "sonder": demande.etat not in _SANS_SONDAGE,
        "regimes": rectifications.regimes(),
        "regimes_a_declarer": eir.regimes_a_declarer(),
        "autres_regimes": await eir.autres_regimes_de_la_demande(page.session, page.compte, demande_id),
    }


async def _page_demande(page: Page, demande_id: int, erreur=None, erreurs=None, message=None, statut=200, saisie=None):
    return page.rendre(
        "agent/demande.html",
        {
            **await _suivi(page, demande_id),
            "questions": QUESTIONS_ENQUETE,
            **retour_du_formulaire(erreur, erreurs, saisie, message),
        },
        statut,
    )


@router.get("/eir/{demande_id}/suivi")
async def suivi(page: PageAffilieOuSuperviseur, demande_id: Identifiant):
    """The part of the request's page that refreshes itself (htmx polls it while the process runs)."""
    return page.rendre("agent/_suivi.html", {**await _suivi(page, demande_id), "saisie": {}, "erreurs": {}})


@router.get("/eir/{demande_id}")
async def demande(page: PageAffilieOuSuperviseur, demande_id: Identifiant, message: str | None = None):
    return await _page_demande(page, demande_id, message=avis(message))


def _reponse_en_un_clic(action: Callable[..., Awaitable[Any]], cle: str) -> Callable[..., Awaitable[Response]]:
    """The page of one of the agent's one-click answers (validate the RIS, withdraw): back to the request with
    its message, or the request's page with the refusal."""

    async def repondre(page: FormulaireAffilie, demande_id: Identifiant) -> Response:
        try:
            await action(page.session, page.moteur, page.compte, demande_id)
        except ErreurMetier as refus:
            statut, message, _ = refus_de(refus)
            return await _page_demande(page, demande_id, erreur=message, statut=statut)
        return RedirectResponse(f"/eir/{demande_id}?message={cle}", status_code=303)

    return repondre


router.post("/eir/{demande_id}/ris/validation")(_reponse_en_un_clic(eir.valider_ris, "ris_valide"))
router.post("/eir/{demande_id}/retrait")(_reponse_en_un_clic(eir.retirer, "retrait"))


@router.post("/eir/{demande_id}/ris/consolidation")
async def consolider(
    page: FormulaireAffilie,
    demande_id: Identifiant,
    annee: Annotated[list[str] | None, Form()] = None,
    commentaire: Annotated[list[str] | None, Form()] = None,
    regime: Annotated[list[str] | None, Form()] = None,
):
    regimes = regime or []
    periodes = [
        {
            "annee": a.strip(),
            "commentaire": c.strip(),
            "regime": (regimes[i].strip() if i < len(regimes) else "") or None,
        }
        for i, (a, c) in enumerate(zip(annee or [], commentaire or [], strict=False))
        if a.strip() or c.strip()
    ]
    try:
        corps = construire(eir.Consolidation, {"periodes": periodes})
        await eir.demander_consolidation(page.session, page.moteur, page.compte, demande_id, corps)
    except FormulaireInvalide as invalide:
        saisie = {"periodes": periodes}
        return await _page_demande(page, demande_id, erreur=_resume_periodes(invalide), statut=422, saisie=saisie)
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        return await _page_demande(page, demande_id, erreur=message, statut=statut)
    return RedirectResponse(f"/eir/{demande_id}?message=consolidation", status_code=303)


@router.post("/eir/{demande_id}/autres-regimes")
async def declarer_autres_regimes(page: FormulaireAffilie, demande_id: Identifiant):
    """Phase 2: one number of trimestres per other base scheme (an empty field: none in that scheme)."""
    formulaire = await page.request.form()
    saisie = {regime: str(formulaire.get(f"trimestres_{regime}", "")).strip() for regime in eir.regimes_a_declarer()}
    try:
        corps = construire(
            eir.AutresRegimes,
            {"autres_regimes": [{"regime": r, "trimestres": n} for r, n in saisie.items() if n]},
        )
        await eir.declarer_autres_regimes(page.session, page.moteur, page.compte, demande_id, corps)
    except FormulaireInvalide as invalide:
        message = "Trimestres non enregistrés — indiquez un nombre entier de trimestres, de 0 à 200, par régime."
        return await _page_demande(
            page, demande_id, erreur=message if invalide.erreurs else invalide.resume, statut=422
        )
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        return await _page_demande(page, demande_id, erreur=message, statut=statut)
    return RedirectResponse(f"/eir/{demande_id}?message=autres_regimes", status_code=303)


def _resume_periodes(invalide: FormulaireInvalide) -> str:
    if "periodes" in invalide.erreurs:
        return "Indiquez au moins une année à compléter ou corriger, avec ce qui manque ou est faux."
    parties = []
    for champ, message in invalide.erreurs.items():
        morceaux = champ.split(".")
        if len(morceaux) == 3:
            nom = {"annee": "année", "commentaire": "ce qui est à corriger", "regime": "régime"}.get(
                morceaux[2], morceaux[2]
            )
            parties.append(f"période {int(morceaux[1]) + 1}, {nom} : {message}")
        else:
            parties.append(message)
    return "Consolidation non envoyée — " + " ; ".join(parties)


@router.get("/eir/{demande_id}/bilan")
async def bilan(page: PageAffilieOuSuperviseur, demande_id: Identifiant):
    demande = await eir.consulter(page.session, page.compte, demande_id)
    contenu = await eir.dernier_document(page.session, page.compte, demande_id, TypeDocument.bilan)
    return page.rendre(
        "agent/bilan.html",
        {"demande": demande, "bilan": contenu, "graphique": graphique_pension(contenu["points"])},
    )


async def _page_enquete(page: Page, demande_id: int, erreur=None, statut=200, saisie=None, manquantes=()):
    demande = await eir.consulter(page.session, page.compte, demande_id)
    return page.rendre(
        "agent/enquete.html",
        {
            "demande": demande,
            "questions": QUESTIONS_ENQUETE,
            "erreur": erreur,
            "saisie": saisie or {},
            "manquantes": manquantes,
        },
        statut,
    )


@router.get("/eir/{demande_id}/enquete")
async def enquete(page: PageAffilie, demande_id: Identifiant):
    return await _page_enquete(page, demande_id)


@router.post("/eir/{demande_id}/enquete")
async def repondre_enquete(page: FormulaireAffilie, demande_id: Identifiant):
    formulaire = await page.request.form()
    notes = [str(formulaire.get(f"q{i}", "")) for i in range(1, len(QUESTIONS_ENQUETE) + 1)]
    commentaire = str(formulaire.get("commentaire", ""))
    saisie = {"notes": notes, "commentaire": commentaire}
    manquantes = [question for question, note in zip(QUESTIONS_ENQUETE, notes, strict=True) if not note]
    if manquantes:
        sans_reponse = " ; ".join(f"« {question} »" for question in manquantes)
        return await _page_enquete(
            page,
            demande_id,
            statut=422,
            saisie=saisie,
            erreur=f"Donnez une note de 1 à 5 à chaque question. Sans réponse : {sans_reponse}",
            manquantes=manquantes,
        )
    try:
        corps = construire(eir.Enquete, {"reponses": notes, "commentaire": commentaire})
        await eir.repondre_enquete(page.session, page.moteur, page.compte, demande_id, corps)
    except FormulaireInvalide as invalide:
        return await _page_enquete(page, demande_id, erreur=invalide.resume, statut=422, saisie=saisie)
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        return await _page_enquete(page, demande_id, erreur=message, statut=statut, saisie=saisie)
    return RedirectResponse(f"/eir/{demande_id}?message=enquete", status_code=303)


@router.get("/eir/{demande_id}/documents/{document_id}")
async def document(page: PageAffilieOuSuperviseur, demande_id: Identifiant, document_id: Identifiant):
    demande = await eir.consulter(page.session, page.compte, demande_id)
    doc = await eir.document(page.session, page.compte, demande_id, document_id)
    if doc.type == "bilan":
        return RedirectResponse(f"/eir/{demande_id}/bilan", status_code=303)
    autour = await eir.autour_du_document(page.session, page.compte, doc)
    return page.rendre(
        "agent/document.html",
        {"demande": demande, "document": doc, "contenu": doc.contenu, "graphique": None, "autour": autour},
    )


# --- rectifications ---


@router.get("/rectifications")
async def mes_rectifications(page: PageAffilie, message: str | None = None):
    return await _page_rectification(page, message=avis(message))


async def _page_rectification(page: Page, erreur=None, erreurs=None, saisie=None, message=None, statut=200):
    return page.rendre(
        "agent/rectifications.html",
        {
            "rectifications": await rectifications.lister(page.session, page.compte),
            "regimes": rectifications.regimes(),
            **retour_du_formulaire(erreur, erreurs, saisie, message),
        },
        statut,
    )


@router.post("/rectifications")
async def demander_rectification(page: FormulaireAffilie):
    formulaire = await page.request.form()
    champs = ("type_document", "annee_document", "periode_debut", "periode_fin", "motif", "siret_employeur", "regime")
    saisie = {c: str(formulaire.get(c, "")).strip() for c in champs}
    try:
        corps = construire(rectifications.NouvelleRectification, saisie)
        creee = await rectifications.demander(page.session, page.moteur, page.compte, corps)
    except FormulaireInvalide as invalide:
        return await _page_rectification(
            page, erreur=invalide.resume, erreurs=invalide.erreurs, saisie=saisie, statut=422
        )
    except ErreurMetier as refus:
        statut, message, erreurs = refus_de(refus)
        return await _page_rectification(
            page,
            erreur=message,
            erreurs={c: m for c, m in erreurs.items() if c in champs},
            saisie=saisie,
            statut=statut,
        )
    return RedirectResponse(f"/rectifications/{creee.id}?message=rectification", status_code=303)


@router.get("/rectifications/{rectification_id}")
async def rectification(page: PageAffilieOuSuperviseur, rectification_id: Identifiant, message: str | None = None):
    return await _page_d_une_rectification(page, rectification_id, message=avis(message))


async def _page_d_une_rectification(
    page: Page, rectification_id: int, message: str | None = None, erreur: str | None = None, statut: int = 200
) -> Response:
    rect = await rectifications.consulter(page.session, page.compte, rectification_id)
    contexte = {
        "rectification": rect,
        "message": message,
        "erreur": erreur,
        "retirable": page.compte.role == Role.affilie.value and rect.etat not in ETATS_RECTIFICATION_TERMINES,
    }
    return page.rendre("agent/rectification.html", contexte, statut)


@router.post("/rectifications/{rectification_id}/retrait")
async def retirer_rectification(page: FormulaireAffilie, rectification_id: Identifiant) -> Response:
    try:
        await rectifications.retirer(page.session, page.moteur, page.compte, rectification_id)
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        return await _page_d_une_rectification(page, rectification_id, erreur=message, statut=statut)
    return RedirectResponse(f"/rectifications/{rectification_id}?message=rectification_retiree", status_code=303)
