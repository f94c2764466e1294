"""The employer's pages: the task inbox, the task forms, and the CIR one calendar year at a time.
Supervisors open the same inbox (their own queue and every employer's). Each action calls the use case of its JSON
route."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from api.deps import MoteurDep, SessionDep
from api.pages.contexte import FormulaireEmployeurOuSuperviseur, Page, PageEmployeurOuSuperviseur
from api.pages.formulaires import FormulaireInvalide, construire, retour_du_formulaire
from api.pages.libelles import RESULTATS_RECTIFICATION, avis
from api.pages.rendu import refus_de, rendre
from api.pages.session import CompteEmployeurOuSuperviseur, CsrfVerifie
from api.parametres import AnneeCir, AnneeFacultative, Identifiant
from domain.cir import CHAMPS_COTISATIONS, LigneCir
from domain.erreurs import ErreurMetier, Introuvable
from domain.etats import EtatTache, Role, TypeTache
from domain.identifiants import normaliser
from services import acces, cir, taches
from services.comptes import Compte

router = APIRouter(include_in_schema=False)

CHAMPS_LIGNE = ("date_debut", "date_fin", "quotite", "nature", "categorie", "indice_majore")
CHAMPS_CIR = (*CHAMPS_LIGNE, *CHAMPS_COTISATIONS)
CHAMPS_FORMULAIRE_CIR = (*CHAMPS_CIR, "remplace", "motif")


ATTRIBUTIONS = {"toutes": "Toutes les tâches", "mes": "Mes tâches", "non_attribuees": "Tâches non attribuées"}


def nom_du_compte(compte: Compte | None) -> str:
    return acces.nom_du_compte(compte) or "—"


class FiltresCorbeille(BaseModel):
    """The inbox's filters, read from the address and given back to its form; a value the form does not offer
    filters nothing."""

    etat_tache: str = "ouverte"
    type: str = ""
    retard: str = ""
    attribution: str = "toutes"


@router.get("/taches")
async def corbeille(
    page: PageEmployeurOuSuperviseur, filtres: Annotated[FiltresCorbeille, Query()], message: str | None = None
):
    filtre_etat = EtatTache(filtres.etat_tache) if filtres.etat_tache in {e.value for e in EtatTache} else None
    filtre_type = TypeTache(filtres.type) if filtres.type in {t.value for t in TypeTache} else None
    filtre: taches.Filtre = "toutes"
    if filtres.attribution == "non_attribuees":
        filtre = "non_attribuees"
    elif filtres.attribution == "mes" and page.compte.role == Role.employeur.value:
        filtre = "mes"  # a supervisor holds no employer's task
    lignes = await taches.corbeille_detaillee(page.session, page.compte, filtre_etat, filtre_type, filtre)
    if filtres.retard:
        lignes = [ligne for ligne in lignes if ligne.tache.en_retard]
    options = [(k, v) for k, v in ATTRIBUTIONS.items() if k != "mes" or page.compte.role == Role.employeur.value]
    return page.rendre(
        "employeur/corbeille.html",
        {
            "taches": [ligne.tache for ligne in lignes],
            "agents": {ligne.tache.id: ligne.agent for ligne in lignes},
            "tenues": {ligne.tache.id: ligne.titulaire for ligne in lignes},
            "nom_du_compte": nom_du_compte,
            "options_attribution": options,
            "filtres": filtres.model_dump() | {"attribution": filtre},
            "message": avis(message),
        },
    )


async def _page_tache(page: Page, tache_id: int, erreur=None, erreurs=None, saisie=None, statut=200, message=None):
    tache = await taches.consulter(page.session, page.compte, tache_id)
    annees: dict[int, list] = {}
    for ligne in (tache.agent or {}).get("cir", []):
        annees.setdefault(ligne["annee"], []).append(ligne)
    tenue = await taches.attribution(page.session, page.compte, tache_id)
    collegues = await taches.collegues(page.session, page.compte, tache)
    return page.rendre(
        "employeur/tache.html",
        {
            "tache": tache,
            "annees": sorted(annees.items()),
            "attribution": tenue,
            "administre": taches.administre(page.compte),
            "collegues": [(c.id, f"{nom_du_compte(c)} ({c.identifiant})") for c in collegues],
            "resultats": RESULTATS_RECTIFICATION if taches.offre_resultat(tache) else None,
            **retour_du_formulaire(erreur, erreurs, saisie, message),
        },
        statut,
    )


@router.get("/taches/{tache_id}")
async def tache(page: PageEmployeurOuSuperviseur, tache_id: Identifiant, message: str | None = None):
    return await _page_tache(page, tache_id, message=avis(message))


@router.post("/taches/{tache_id}/attribution")
async def attribuer(
    page: FormulaireEmployeurOuSuperviseur,
    tache_id: Identifiant,
    compte_id: Annotated[str, Form()] = "",
    retour: Annotated[str, Form()] = "",
):
    """« Je prends en charge » (``compte_id=moi``), an assignment chosen in the list, or « personne »."""
    choix = compte_id.strip()
    if choix == "moi":
        choix = str(page.compte.id)
    cle = "prise" if choix == str(page.compte.id) else ("liberee" if not choix else "attribuee")
    try:
        corps = construire(taches.Attribution, {"compte_id": choix}) if choix else taches.Attribution(compte_id=None)
        await taches.attribuer(page.session, page.compte, tache_id, corps)
    except FormulaireInvalide as invalide:
        erreurs = {"compte_id": invalide.erreurs.get("compte_id", invalide.resume)}
        return await _page_tache(page, tache_id, invalide.resume, erreurs, statut=422)
    except ErreurMetier as refus:
        statut, message, par_champ = refus_de(refus)
        erreurs = {"compte_id": par_champ["compte_id"]} if "compte_id" in par_champ else {}
        return await _page_tache(page, tache_id, message, erreurs, statut=statut)
    if retour == "corbeille":
        return RedirectResponse(
            f"/taches?attribution=mes&message={cle}" if cle == "prise" else f"/taches?message={cle}", status_code=303
        )
    return RedirectResponse(f"/taches/{tache_id}?message={cle}", status_code=303)


@router.post("/taches/{tache_id}")
async def completer(page: FormulaireEmployeurOuSuperviseur, tache_id: Identifiant):
    formulaire = await page.request.form()
    saisie = {
        c: str(formulaire.get(c, "")).strip()
        for c in ("indice_fin_de_carriere", "commentaire", "resultat", "motif", *CHAMPS_LIGNE)
    }
    saisie["carriere_verifiee"] = "oui" if formulaire.get("carriere_verifiee") else ""
    ligne = {c: saisie[c] for c in CHAMPS_LIGNE}
    corrections = [ligne] if ligne["date_debut"] or ligne["date_fin"] else []
    try:
        corps = construire(
            taches.Completion,
            {
                "carriere_verifiee": bool(saisie["carriere_verifiee"]),
                "indice_fin_de_carriere": saisie["indice_fin_de_carriere"],
                "commentaire": saisie["commentaire"],
                "resultat": saisie["resultat"] or "corrigee",
                "motif": saisie["motif"],
                "corrections": [{k: v for k, v in c.items() if v} for c in corrections],
            },
        )
        await taches.completer(page.session, page.moteur, page.compte, tache_id, corps)
    except FormulaireInvalide as invalide:
        erreurs = {
            champ.rsplit(".", 1)[-1] if champ.startswith("corrections") else champ: m
            for champ, m in invalide.erreurs.items()
        }
        return await _page_tache(page, tache_id, invalide.resume, erreurs, saisie, 422)
    except ErreurMetier as refus:
        statut, message, erreurs = refus_de(refus)
        # the CIR's checks name the line (corrections.0.date_debut): the form has one, its fields bare
        erreurs = {
            champ.rsplit(".", 1)[-1] if champ.startswith("corrections") else champ: m for champ, m in erreurs.items()
        }
        return await _page_tache(page, tache_id, message, erreurs, saisie, statut)
    return RedirectResponse("/taches?message=tache", status_code=303)


# --- CIR, one calendar year at a time (seed 000) ---


@router.get("/cir")
async def recherche_cir(request: Request, compte: CompteEmployeurOuSuperviseur, session: SessionDep, nir: str = ""):
    if nir.strip():
        return RedirectResponse(f"/cir/{normaliser(nir)}", status_code=303)
    agents = await cir.agents_de_l_employeur(session, compte)
    return rendre(request, "employeur/recherche_cir.html", {"agents": agents})


def _taux_de_l_annee(annee: int) -> dict[str, str]:
    """The rates in force on 1 January of the year, shown as a hint beside the contribution fields."""
    return {
        champ: f"{valeur.normalize():f}".replace(".", ",") + " %"
        for champ, valeur in cir.taux_de_l_annee(annee).items()
    }


async def _page_cir(
    request, compte, session, nir, annee: int | None, erreur=None, erreurs=None, saisie=None, message=None, statut=200
):
    acces = await cir.acces_cir(session, compte, nir)
    affilie = acces.affilie
    lignes = await cir.lignes(session, compte, nir)
    annees = sorted({ligne.annee for ligne in lignes} | {date.today().year})
    annee = annee or (max(ligne.annee for ligne in lignes) if lignes else date.today().year)
    de_l_annee = [ligne for ligne in lignes if ligne.annee == annee]
    saisie = saisie or {}
    # The form in error is the period the user sent (by its first day), or the new period's form.
    en_erreur = (saisie.get("remplace") or saisie.get("date_debut", "")) if saisie else ""
    if en_erreur and en_erreur not in {str(ligne.date_debut) for ligne in de_l_annee}:
        en_erreur = "nouvelle"
    return rendre(
        request,
        "employeur/cir.html",
        {
            "affilie": affilie,
            "nir": affilie.nir,
            # a previous employer is not told who employs the agent now
            "employeur": None if acces.restreint else await cir.employeur_de(session, affilie),
            "restreint": acces.restreint,
            "annees": annees,
            "annee": annee,
            "lignes": de_l_annee,
            "erreur": erreur,
            "erreurs": erreurs or {},
            "en_erreur": en_erreur,
            "saisie": saisie,
            "message": message,
            "taux": _taux_de_l_annee(annee),
        },
        statut,
    )


@router.get("/cir/{nir}")
async def page_cir(
    request: Request,
    nir: str,
    compte: CompteEmployeurOuSuperviseur,
    session: SessionDep,
    annee: AnneeFacultative = None,
    message: str | None = None,
):
    return await _page_cir(request, compte, session, nir, annee, message=avis(message))


@router.post("/cir/{nir}/{annee}")
async def ecrire_ligne(
    request: Request,
    nir: str,
    annee: AnneeCir,
    session: SessionDep,
    moteur: MoteurDep,
    compte: CompteEmployeurOuSuperviseur,
    csrf: CsrfVerifie,
):
    """« Ajouter la période » or « Corriger la période » (``remplace``: the first day of the period shown): the
    period's administrative and contribution blocks in one write, all or nothing, with the reason if given."""
    formulaire = await request.form()
    saisie = {c: str(formulaire.get(c, "")).strip() for c in CHAMPS_FORMULAIRE_CIR}
    try:
        ligne = construire(LigneCir, {c: v for c, v in saisie.items() if c != "motif"})
        await cir.ecrire(session, compte, nir, annee, ligne, saisie["motif"][:500] or None, moteur=moteur)
    except FormulaireInvalide as invalide:
        return await _page_cir(
            request, compte, session, nir, annee, invalide.resume, invalide.erreurs, saisie, statut=422
        )
    except ErreurMetier as refus:
        statut, message, par_champ = refus_de(refus)
        if any(e.champ in CHAMPS_COTISATIONS for e in refus.erreurs):  # the contributions do not match the rates
            message = "L'année n'est pas validée, rien n'est enregistré : " + message
        erreurs = {champ: texte for champ, texte in par_champ.items() if champ in CHAMPS_FORMULAIRE_CIR}
        return await _page_cir(request, compte, session, nir, annee, message, erreurs, saisie, statut=statut)
    return RedirectResponse(f"/cir/{normaliser(nir)}?annee={annee}&message=ligne", status_code=303)


async def _page_suppression(
    request, compte, session, nir, annee: int, date_debut: date, message=None, erreurs=None, saisie=None, statut=200
):
    affilie = (await cir.acces_cir(session, compte, nir)).affilie
    ligne = next((x for x in await cir.lignes(session, compte, nir) if x.date_debut == date_debut), None)
    if ligne is None or ligne.annee != annee:
        raise Introuvable(
            f"Aucune période du CIR de cet agent ne commence le {date_debut:%d/%m/%Y} : elle a peut-être déjà été "
            "supprimée ou corrigée."
        )
    return rendre(
        request,
        "employeur/cir_suppression.html",
        {
            "affilie": affilie,
            "nir": affilie.nir,
            "annee": annee,
            "ligne": ligne,
            "message": message,
            "erreurs": erreurs or {},
            "saisie": saisie or {},
        },
        statut,
    )


@router.get("/cir/{nir}/{annee}/{date_debut}/suppression")
async def confirmer_suppression(
    request: Request,
    nir: str,
    annee: AnneeCir,
    date_debut: date,
    compte: CompteEmployeurOuSuperviseur,
    session: SessionDep,
):
    """The confirmation step of « Supprimer la période »: the period, and its reason to give."""
    return await _page_suppression(request, compte, session, nir, annee, date_debut)


@router.post("/cir/{nir}/{annee}/{date_debut}/suppression")
async def supprimer_ligne(
    request: Request,
    nir: str,
    annee: AnneeCir,
    date_debut: date,
    session: SessionDep,
    moteur: MoteurDep,
    compte: CompteEmployeurOuSuperviseur,
    csrf: CsrfVerifie,
):
    """« Confirmer la suppression »: the period removed with its reason (kept in the CIR's history)."""
    formulaire = await request.form()
    saisie = {"motif": str(formulaire.get("motif", "")).strip()[:500]}
    try:
        await cir.supprimer(session, compte, nir, annee, date_debut, saisie["motif"], moteur=moteur)
    except ErreurMetier as refus:
        if isinstance(refus, Introuvable):
            raise
        statut, message, par_champ = refus_de(refus)
        return await _page_suppression(
            request, compte, session, nir, annee, date_debut, message, par_champ, saisie, statut=statut
        )
    return RedirectResponse(f"/cir/{normaliser(nir)}?annee={annee}&message=ligne_supprimee", status_code=303)
