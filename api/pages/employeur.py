"""The employer's pages: the task inbox, the task forms, and the CIR one calendar year at a time.
Supervisors open the same inbox (their own queue and every employer's). Each action calls the JSON route."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import col, select

from api.deps import EtatDep, SessionDep
from api.pages import libelles
from api.pages.formulaires import FormulaireInvalide, construire
from api.pages.rendu import Refus, appeler, lire, rendre
from api.pages.session import exiger_compte, verifier_csrf
from api.routers import affilies, taches
from domain.cir import CHAMPS_COTISATIONS, TAUX_DES_CHAMPS, LigneCir, taux_moyen
from domain.etats import EtatTache, ProfilEmployeur, Role, TypeTache
from domain.identifiants import normaliser
from persistence import depots
from persistence.models import Affilie, Compte, Employeur, Tache

router = APIRouter(include_in_schema=False)

# The history labels of the attribution events (the shared table has no entry for them yet).
for _type, _texte in (
    ("tache_prise_en_charge", "Tâche prise en charge chez l'employeur"),
    ("tache_attribuee", "Tâche attribuée chez l'employeur"),
    ("tache_liberee", "Tâche remise à la disposition de l'établissement"),
):
    libelles.EVENEMENTS.setdefault(_type, _texte)

MESSAGES = {
    "tache": "La tâche est terminée : l'agent et la CNRACL en sont informés.",
    "prise": "Vous avez pris la tâche en charge : elle figure dans « Mes tâches ».",
    "attribuee": "La tâche est attribuée : la personne choisie la voit dans « Mes tâches ».",
    "liberee": "La tâche n'est plus attribuée : toute personne de l'établissement peut la prendre en charge.",
    "ligne": "La période est enregistrée dans le compte individuel retraite : l'année est validée, ses données "
    "administratives et ses cotisations ensemble.",
}
CHAMPS_LIGNE = ("date_debut", "date_fin", "quotite", "nature", "categorie", "indice_majore")
CHAMPS_CIR = (*CHAMPS_LIGNE, *CHAMPS_COTISATIONS)


async def _agents(session, ids: set[int]) -> dict[int, Affilie]:
    return {i: a for i in ids if (a := await session.get(Affilie, i)) is not None}


ATTRIBUTIONS = {"toutes": "Toutes les tâches", "mes": "Mes tâches", "non_attribuees": "Tâches non attribuées"}


async def _titulaires(session, ids: set[int]) -> dict[int, Compte]:
    return {i: c for i in ids if (c := await session.get(Compte, i)) is not None}


def nom_du_compte(compte: Compte | None) -> str:
    return taches._nom_du_compte(compte) or "—"


@router.get("/taches")
async def corbeille(
    request: Request,
    etat: EtatDep,
    session: SessionDep,
    etat_tache: str = "ouverte",
    type: str = "",
    retard: str = "",
    attribution: str = "toutes",
    message: str | None = None,
):
    compte = await exiger_compte(request, session, etat.settings, Role.employeur, Role.superviseur)
    filtre_etat = EtatTache(etat_tache) if etat_tache in {e.value for e in EtatTache} else None
    filtre_type = TypeTache(type) if type in {t.value for t in TypeTache} else None
    liste = await lire(
        taches.taches_de_la_corbeille(
            compte,
            session,
            etat=filtre_etat,
            type=filtre_type,
            employeur_id=None,
            limite=500,
            decalage=0,
            attribution="toutes",
        )
    )
    if retard:
        liste = [t for t in liste if t.en_retard]
    # Overdue first, then the nearest due date; tasks without a due date last.
    loin = datetime.max.replace(tzinfo=UTC)
    liste.sort(key=lambda t: (not t.en_retard, t.echeance or loin, t.id))
    lignes = {t.id: await session.get(Tache, t.id) for t in liste}
    if attribution not in ATTRIBUTIONS or (attribution == "mes" and compte.role != Role.employeur.value):
        attribution = "toutes"
    if attribution == "mes":
        liste = [t for t in liste if lignes[t.id] and lignes[t.id].attribuee_a == compte.id]
    elif attribution == "non_attribuees":
        liste = [t for t in liste if lignes[t.id] and lignes[t.id].attribuee_a is None]
    agents = await _agents(session, {ligne.affilie_id for ligne in lignes.values() if ligne and ligne.affilie_id})
    noms = {tid: agents.get(ligne.affilie_id) if ligne and ligne.affilie_id else None for tid, ligne in lignes.items()}
    titulaires = await _titulaires(
        session, {ligne.attribuee_a for ligne in lignes.values() if ligne and ligne.attribuee_a}
    )
    tenues = {
        tid: titulaires.get(ligne.attribuee_a) if ligne and ligne.attribuee_a else None for tid, ligne in lignes.items()
    }
    options = [(k, v) for k, v in ATTRIBUTIONS.items() if k != "mes" or compte.role == Role.employeur.value]
    return rendre(
        request,
        "employeur/corbeille.html",
        {
            "taches": liste,
            "agents": noms,
            "tenues": tenues,
            "nom_du_compte": nom_du_compte,
            "options_attribution": options,
            "filtres": {"etat_tache": etat_tache, "type": type, "retard": retard, "attribution": attribution},
            "message": MESSAGES.get(message or ""),
        },
    )


async def _page_tache(
    request, compte, session, tache_id, erreur=None, erreurs=None, saisie=None, statut=200, message=None
):
    tache = await lire(taches.consulter(tache_id, compte, session))
    annees: dict[int, list] = {}
    for ligne in (tache.agent or {}).get("cir", []):
        annees.setdefault(ligne["annee"], []).append(ligne)
    tenue = await lire(taches.attribution(tache_id, compte, session))
    administre = compte.role == Role.superviseur.value or compte.profil == ProfilEmployeur.admin.value
    collegues = (
        list(await depots.comptes_actifs_de_l_employeur(session, tache.employeur_id))
        if administre and tache.employeur_id
        else []
    )
    return rendre(
        request,
        "employeur/tache.html",
        {
            "tache": tache,
            "annees": sorted(annees.items()),
            "erreur": erreur,
            "erreurs": erreurs or {},
            "saisie": saisie or {},
            "attribution": tenue,
            "administre": administre,
            "collegues": [(c.id, f"{nom_du_compte(c)} ({c.identifiant})") for c in collegues],
            "message": message,
        },
        statut,
    )


@router.get("/taches/{tache_id}")
async def tache(request: Request, tache_id: int, etat: EtatDep, session: SessionDep, message: str | None = None):
    compte = await exiger_compte(request, session, etat.settings, Role.employeur, Role.superviseur)
    return await _page_tache(request, compte, session, tache_id, message=MESSAGES.get(message or ""))


@router.post("/taches/{tache_id}/attribution")
async def attribuer(
    request: Request,
    tache_id: int,
    etat: EtatDep,
    session: SessionDep,
    compte_id: Annotated[str, Form()] = "",
    retour: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
):
    """« Je prends en charge » (``compte_id=moi``), an assignment chosen in the list, or « personne »."""
    compte = await exiger_compte(request, session, etat.settings, Role.employeur, Role.superviseur)
    verifier_csrf(request, etat.settings, csrf)
    choix = compte_id.strip()
    if choix == "moi":
        choix = str(compte.id)
    cle = "prise" if choix == str(compte.id) else ("liberee" if not choix else "attribuee")
    try:
        corps = construire(taches.Attribution, {"compte_id": choix}) if choix else taches.Attribution(compte_id=None)
        await appeler(taches.attribuer(tache_id, corps, compte, session))
    except FormulaireInvalide as invalide:
        return await _page_tache(
            request,
            compte,
            session,
            tache_id,
            erreur=invalide.resume,
            erreurs={"compte_id": invalide.erreurs.get("compte_id", invalide.resume)},
            statut=422,
        )
    except Refus as refus:
        champ, _, texte = refus.message.partition(" : ")
        return await _page_tache(
            request,
            compte,
            session,
            tache_id,
            erreur=refus.message,
            erreurs={"compte_id": texte} if champ == "compte_id" else {},
            statut=refus.statut,
        )
    if retour == "corbeille":
        return RedirectResponse(
            f"/taches?attribution=mes&message={cle}" if cle == "prise" else f"/taches?message={cle}", status_code=303
        )
    return RedirectResponse(f"/taches/{tache_id}?message={cle}", status_code=303)


@router.post("/taches/{tache_id}")
async def completer(request: Request, tache_id: int, etat: EtatDep, session: SessionDep):
    compte = await exiger_compte(request, session, etat.settings, Role.employeur, Role.superviseur)
    formulaire = await request.form()
    verifier_csrf(request, etat.settings, str(formulaire.get("csrf", "")))
    saisie = {c: str(formulaire.get(c, "")).strip() for c in ("indice_fin_de_carriere", "commentaire", *CHAMPS_LIGNE)}
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
                "corrections": [{k: v for k, v in c.items() if v} for c in corrections],
            },
        )
        await appeler(taches.completer(tache_id, corps, compte, session, etat))
    except FormulaireInvalide as invalide:
        erreurs = {
            champ.rsplit(".", 1)[-1] if champ.startswith("corrections") else champ: m
            for champ, m in invalide.erreurs.items()
        }
        return await _page_tache(
            request, compte, session, tache_id, erreur=invalide.resume, erreurs=erreurs, saisie=saisie, statut=422
        )
    except Refus as refus:
        champ, _, texte = refus.message.partition(" : ")
        return await _page_tache(
            request,
            compte,
            session,
            tache_id,
            erreur=refus.message,
            erreurs={champ: texte} if texte and " " not in champ else {},
            saisie=saisie,
            statut=refus.statut,
        )
    return RedirectResponse("/taches?message=tache", status_code=303)


# --- CIR, one calendar year at a time (seed 000) ---


@router.get("/cir")
async def recherche_cir(request: Request, etat: EtatDep, session: SessionDep, nir: str = ""):
    compte = await exiger_compte(request, session, etat.settings, Role.employeur, Role.superviseur)
    if nir.strip():
        return RedirectResponse(f"/cir/{normaliser(nir)}", status_code=303)
    agents: list[Affilie] = []
    if compte.role == Role.employeur.value:
        agents = list(
            (
                await session.exec(
                    select(Affilie)
                    .where(Affilie.employeur_id == compte.employeur_id)
                    .order_by(col(Affilie.nom), col(Affilie.prenom))
                    .limit(200)
                )
            ).all()
        )
    return rendre(request, "employeur/recherche_cir.html", {"agents": agents})


def _taux_de_l_annee(annee: int) -> dict[str, str]:
    """The rates in force on 1 January of the year, shown as a hint beside the contribution fields."""
    taux = {}
    for champ, nom in TAUX_DES_CHAMPS.items():
        try:
            valeur = taux_moyen(nom, date(annee, 1, 1), date(annee, 1, 1))
        except LookupError:
            continue
        taux[champ] = f"{valeur.normalize():f}".replace(".", ",") + " %"
    return taux


async def _page_cir(
    request, compte, session, nir, annee: int | None, erreur=None, erreurs=None, saisie=None, message=None, statut=200
):
    affilie = await lire(affilies._affilie_visible(session, compte, nir))
    lignes = await lire(affilies.cir(nir, compte, session))
    annees = sorted({ligne.annee for ligne in lignes} | {date.today().year})
    annee = annee or (max(ligne.annee for ligne in lignes) if lignes else date.today().year)
    employeur = await session.get(Employeur, affilie.employeur_id) if affilie.employeur_id else None
    de_l_annee = [ligne for ligne in lignes if ligne.annee == annee]
    saisie = saisie or {}
    # The form in error is the period the user sent (by its first day), or the new period's form.
    en_erreur = saisie.get("date_debut", "") if saisie else ""
    if en_erreur and en_erreur not in {str(ligne.date_debut) for ligne in de_l_annee}:
        en_erreur = "nouvelle"
    return rendre(
        request,
        "employeur/cir.html",
        {
            "affilie": affilie,
            "nir": affilie.nir,
            "employeur": employeur,
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
async def cir(
    request: Request, nir: str, etat: EtatDep, session: SessionDep, annee: int | None = None, message: str | None = None
):
    compte = await exiger_compte(request, session, etat.settings, Role.employeur, Role.superviseur)
    return await _page_cir(request, compte, session, nir, annee, message=MESSAGES.get(message or ""))


@router.post("/cir/{nir}/{annee}")
async def ecrire_ligne(
    request: Request, nir: str, annee: int, etat: EtatDep, session: SessionDep, csrf: Annotated[str, Form()] = ""
):
    """« Valider l'année »: the period's administrative and contribution blocks in one ``PUT``, all or nothing."""
    compte = await exiger_compte(request, session, etat.settings, Role.employeur, Role.superviseur)
    verifier_csrf(request, etat.settings, csrf)
    formulaire = await request.form()
    saisie = {c: str(formulaire.get(c, "")).strip() for c in CHAMPS_CIR}
    try:
        ligne = construire(LigneCir, saisie)
        reponse = await affilies.ecrire(nir, annee, ligne, compte, session)
    except FormulaireInvalide as invalide:
        return await _page_cir(
            request,
            compte,
            session,
            nir,
            annee,
            erreur=invalide.resume,
            erreurs=invalide.erreurs,
            saisie=saisie,
            statut=422,
        )
    except HTTPException as exc:
        champ, _, texte = str(exc.detail).partition(" : ")
        return await _page_cir(
            request,
            compte,
            session,
            nir,
            annee,
            erreur=str(exc.detail),
            erreurs={champ: texte} if champ in CHAMPS_CIR else {},
            saisie=saisie,
            statut=exc.status_code,
        )
    if isinstance(reponse, JSONResponse):  # the contributions do not match the rates: each on its field
        corps = json.loads(bytes(reponse.body))
        erreurs = {e["champ"]: e["message"] for e in corps.get("erreurs", []) if e.get("champ") in CHAMPS_CIR}
        return await _page_cir(
            request,
            compte,
            session,
            nir,
            annee,
            erreur="L'année n'est pas validée, rien n'est enregistré : " + corps["detail"],
            erreurs=erreurs,
            saisie=saisie,
            statut=reponse.status_code,
        )
    return RedirectResponse(f"/cir/{normaliser(nir)}?annee={annee}&message=ligne", status_code=303)
