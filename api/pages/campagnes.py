"""The DAI campaign pages. Supervisors: the campaigns, one campaign's dashboard (progress by cohort, by state and
by employer, with a chart and its data table; the late employers), pause and resume, the launch form with its
dry-run option. Employers: their agents targeted by each campaign and where each stands. Every action calls
the JSON route's function."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from pydantic import BaseModel, field_validator

from api.pages.contexte import FormulaireSuperviseur, Page, PageEmployeur, PageSuperviseur
from api.pages.formulaires import FormulaireInvalide, construire
from api.pages.graphiques import GRIS, rectangle, svg, texte
from api.pages.libelles import avis
from api.pages.rendu import refus_de
from api.pages.session import ErreurPage
from api.parametres import Identifiant
from domain.campagne import Livraison
from domain.erreurs import ErreurMetier, Introuvable
from notifications.rendu import accord
from services import campagne_echeances, campagne_perimetre, campagne_renvoi, campagnes

router = APIRouter(include_in_schema=False)

ANNEE_MIN, ANNEE_MAX = 2007, 2100
ETAPES = {
    "planifiee": "Planifiée",
    "selection": "Sélection des agents",
    "mise_a_jour_employeurs": "Mise à jour par les employeurs",
    "transmission": "Transmission au GIP Info Retraite",
    "attente_envoi": "En attente de l'envoi des documents",
    "envoi_documents": "Envoi des documents",
    "terminee": "Terminée",
    "simulee": "Simulation terminée",
}
COHORTES = campagnes.COHORTES
# The state of one agent of a cohort, in order, with its colour (contrast ≥ 3:1 on white, and a pattern-free
# legend with the same words as the table).
ETATS_CIBLE = {
    "selectionne": ("Sélectionné", "#6a6af4"),
    "document_produit": ("Document produit", "#000091"),
    "document_annonce": ("Document envoyé", "#18753c"),
    "anomalie": ("Anomalie de calcul", "#ce0500"),
    "exclu_deces": ("Sans document : décès", "#3a3a3a"),
    "exclu_retraite": ("Sans document : départ à la retraite", "#716043"),
    "exclu_radiation": ("Sans document : radiation", "#6e445a"),
    "exclu_decision": ("Sans document : exclu de la campagne", "#a94645"),
    "hors_delai": ("Sans document : envoi clos à la fin légale", "#b34000"),
}
ETATS_TACHE = {
    "ouverte": "Ouvertes",
    "terminee": "Terminées",
    "annulee": "Annulées",
    "close_date_limite": "Closes à la date limite, sans réponse",
}
LIVRAISONS = {
    "courriel": "Par courriel",
    "papier": "Par courrier",
    "papier_apres_refus": "Par courrier, le courriel ayant été refusé",
    "papier_apres_rebond": "Par courrier, le courriel étant revenu après son envoi",
    "sans_adresse": "À envoyer par courrier : adresse postale inconnue",
}
CANAUX = {"email": "Courriel", "papier": "Courrier"}


def _instant(valeur: Any) -> datetime | None:
    if isinstance(valeur, str):
        valeur = datetime.fromisoformat(valeur)
    if isinstance(valeur, datetime) and valeur.tzinfo is None:
        valeur = valeur.replace(tzinfo=UTC)
    return valeur


def annee_valide(annee: int) -> int:
    if not ANNEE_MIN <= annee <= ANNEE_MAX:
        raise ErreurPage(404, f"Aucune campagne {annee} : l'année d'une campagne va de {ANNEE_MIN} à {ANNEE_MAX}.")
    return annee


def graphique_campagne(par_cohorte: dict[str, dict[str, int]], identifiant: str = "graphique-campagne") -> Markup:
    """Horizontal stacked bars, one per cohort, its agents by state (inline SVG with title and description;
    the same figures are in the table below it)."""
    largeur, marge_g, hauteur_barre, pas = 680, 230, 26, 44
    lignes = [(c, par_cohorte[c]) for c in COHORTES if c in par_cohorte] + [
        (c, v) for c, v in par_cohorte.items() if c not in COHORTES
    ]
    # The legend wraps to as many lines as its words need.
    largeurs = [18 + 7.2 * len(libelle) for libelle, _ in ETATS_CIBLE.values()]
    lignes_legende = 1
    x = 20.0
    for w in largeurs:
        if x + w > largeur and x > 20.0:
            lignes_legende, x = lignes_legende + 1, 20.0
        x += w
    hauteur = 40 + pas * max(len(lignes), 1) + 22 * lignes_legende + 18
    maximum = max((sum(v.values()) for _, v in lignes), default=0) or 1
    utile = largeur - marge_g - 70
    description = (
        " ; ".join(
            f"{COHORTES.get(c, c)} : {accord(sum(v.values()), 'agent')} ("
            + " ; ".join(f"{ETATS_CIBLE.get(e, (e, ''))[0].lower()} : {n}" for e, n in v.items())
            + ")"
            for c, v in lignes
        )
        or "aucun agent sélectionné"
    )
    corps = []
    for i, (cohorte, etats) in enumerate(lignes):
        y = 30 + i * pas
        corps.append(texte(marge_g - 8, y + hauteur_barre * 0.68, COHORTES.get(cohorte, cohorte).split(" (")[0], "end"))
        x = float(marge_g)
        ordre = [e for e in ETATS_CIBLE if e in etats] + [e for e in etats if e not in ETATS_CIBLE]
        for etat in ordre:
            w = utile * etats[etat] / maximum
            corps.append(rectangle(x, y, w, hauteur_barre, ETATS_CIBLE.get(etat, (etat, GRIS))[1]))
            x += w
        corps.append(texte(x + 6, y + hauteur_barre * 0.68, str(sum(etats.values()))))
    x = 20.0
    y = hauteur - 22 * lignes_legende
    for (libelle, couleur), w in zip(ETATS_CIBLE.values(), largeurs, strict=True):
        if x + w > largeur and x > 20.0:
            x, y = 20.0, y + 22
        corps += [rectangle(x, y, 12, 12, couleur), texte(x + 16, y + 11, libelle, taille=12)]
        x += w
    return svg(identifiant, "Avancement de la campagne par cohorte et par état", description, largeur, hauteur, corps)


# --- supervisors ---


async def _liste(page: Page, erreur=None, erreurs=None, saisie=None, statut=200, a_confirmer=None):
    return page.rendre(
        "superviseur/campagnes.html",
        {
            "campagnes": await campagnes.toutes(page.session),
            "aujourd_hui": datetime.now(UTC),
            "calendrier_du_jour": await campagnes.calendrier_du_jour(page.session, page.moteur.settings),
            "ETAPES_CAMPAGNE": ETAPES,
            "erreur": erreur,
            "erreurs": erreurs or {},
            "saisie": saisie or {},
            "a_confirmer": a_confirmer,
        },
        statut,
    )


@router.get("/superviseur/campagnes")
async def liste(page: PageSuperviseur):
    return await _liste(page)


@router.post("/superviseur/campagnes")
async def lancer(
    page: FormulaireSuperviseur,
    annee: Annotated[str, Form()] = "",
    simulation: Annotated[str, Form()] = "",
    confirmation: Annotated[str, Form()] = "",
):
    """Launch campaign N, or its dry run (same function as ``POST /campagnes/{annee}``). A campaign whose dates have
    begun comes back with the confirmation dialog, saying what would run at once."""
    saisie = {"annee": annee.strip(), "simulation": simulation}
    if not saisie["annee"].isdigit() or not ANNEE_MIN <= int(saisie["annee"]) <= ANNEE_MAX:
        message = f"indiquez l'année N de la campagne, de {ANNEE_MIN} à {ANNEE_MAX} (lancement en juillet N)."
        return await _liste(
            page,
            erreur=f"Campagne non lancée — année : {message}",
            erreurs={"annee": message},
            saisie=saisie,
            statut=422,
        )
    valeur = int(saisie["annee"])
    try:
        await campagnes.lancer(page.session, page.moteur, valeur, bool(simulation), bool(confirmation))
    except campagnes.ConfirmationRequise as refus:
        statut, message, _ = refus_de(refus)
        return await _liste(page, saisie=saisie, statut=statut, a_confirmer={"annee": valeur, "message": message})
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        return await _liste(page, erreur=message, saisie=saisie, statut=statut)
    if simulation:
        return RedirectResponse(f"/superviseur/campagnes/{valeur}?simulation=oui&message=simulee", status_code=303)
    return RedirectResponse(f"/superviseur/campagnes/{valeur}?message=lancee", status_code=303)


async def afficher_tableau(
    page: Page, annee: int, simulation: bool, erreur=None, message=None, statut=200, saisie=None, perimetre=None
):
    """The campaign's dashboard; ``perimetre``: the exclusion or addition form sent back with its errors."""
    try:
        campagne = await campagnes.consulter(page.session, annee, simulation)
    except Introuvable:
        return page.rendre(
            "superviseur/campagne.html",
            {
                "annee": annee,
                "simulation": simulation,
                "campagne": None,
                "erreur": erreur,
                "message": message,
                "erreurs": {},
                "saisie": saisie or {"annee": str(annee), "simulation": "oui" if simulation else ""},
                "ETAPES_CAMPAGNE": ETAPES,
                "aujourd_hui": datetime.now(UTC),
                "calendrier_du_jour": await campagnes.calendrier_du_jour(page.session, page.moteur.settings),
            },
            statut,
        )
    employeurs = await campagnes.employeurs(page.session, annee, None, simulation, 100, 0)
    for ligne in employeurs:  # raw SQL on SQLite gives the instant as text, naive UTC
        ligne["notifie_le"] = _instant(ligne.get("notifie_le"))
        ligne["date_limite"] = _instant(ligne.get("date_limite"))
    par_cohorte = campagne.progression.get("par_cohorte", {})
    return page.rendre(
        "superviseur/campagne.html",
        {
            "annee": annee,
            "simulation": simulation,
            "campagne": campagne,
            "reperes": campagnes.reperes(campagne.calendrier, datetime.now(UTC)),
            "reperes_au": datetime.now(UTC),
            "employeurs": employeurs,
            "options_employeurs": [(e["employeur_id"], e["raison_sociale"]) for e in employeurs],
            "graphique": graphique_campagne(par_cohorte),
            "par_cohorte": par_cohorte,
            "etats_cible": {e: v[0] for e, v in ETATS_CIBLE.items()},
            "COHORTES": COHORTES,
            "ETATS_TACHE": ETATS_TACHE,
            "ETAPES_CAMPAGNE": ETAPES,
            "erreur": erreur,
            "message": message,
            "erreurs": {},
            "saisie": saisie or {},
            "perimetre": None if simulation else await campagne_perimetre.consulter(page.session, annee),
            "formulaire_perimetre": perimetre or {},
        },
        statut,
    )


@router.get("/superviseur/campagnes/{annee}")
async def tableau(page: PageSuperviseur, annee: int, simulation: str = "", message: str | None = None):
    return await afficher_tableau(page, annee_valide(annee), bool(simulation), message=avis(message))


class FiltreRemise(BaseModel):
    """The delivery page's filter, read from the address and given back to its form: empty (the list's « Tous »)
    filters nothing; a mode the form does not offer is refused (422, as the JSON route), naming those it offers."""

    livraison: Livraison | None = None

    @field_validator("livraison", mode="before")
    @classmethod
    def _mode_propose(cls, livraison: object) -> object:
        if livraison in ("", None):
            return None
        if livraison not in LIVRAISONS:
            possibles = ", ".join(f"« {libelle} »" for libelle in LIVRAISONS.values())
            raise ValueError(f"mode de remise inconnu ; modes possibles : {possibles}")
        return livraison


@router.get("/superviseur/campagnes/{annee}/agents")
async def remise_des_documents(
    page: PageSuperviseur, annee: int, filtre: Annotated[FiltreRemise, Query()], message: str | None = None
):
    """Delivery per agent: how each document reached its agent, filtered by mode; each document can be re-sent."""
    return await _remise(page, annee_valide(annee), filtre.livraison, message=avis(message))


async def _remise(page: Page, annee: int, choisie: Livraison | None = None, erreur=None, message=None, statut=200):
    try:
        agents = await campagnes.agents(page.session, annee, False, None, None, 1000, 0, choisie)
    except Introuvable as absente:
        raise ErreurPage(404, absente.message) from None
    return page.rendre(
        "superviseur/campagne_agents.html",
        {
            "annee": annee,
            "agents": agents,
            "livraison": choisie.value if choisie else "",
            "LIVRAISONS": LIVRAISONS,
            "CANAUX": CANAUX,
            "COHORTES": COHORTES,
            "ETATS_CIBLE": {e: v[0] for e, v in ETATS_CIBLE.items()},
            "erreur": erreur,
            "message": message,
        },
        statut,
    )


class SaisieRenvoi(BaseModel):
    """The re-send form, as typed (checked by ``services.campagne_renvoi.DemandeDeRenvoi``)."""

    motif: str = ""
    canal: str = ""


@router.post("/superviseur/campagnes/{annee}/documents/{document_id}/renvoi")
async def renvoyer_document(
    page: FormulaireSuperviseur, annee: int, document_id: Identifiant, formulaire: Annotated[SaisieRenvoi, Form()]
):
    """Re-produce and re-send one document from the delivery page (``campagne_renvoi.renvoyer``)."""
    annee = annee_valide(annee)
    try:
        corps = construire(
            campagne_renvoi.DemandeDeRenvoi, {"motif": formulaire.motif.strip(), "canal": formulaire.canal}
        )
        renvoi = await campagne_renvoi.renvoyer(page.session, page.moteur, page.compte, annee, document_id, corps)
    except FormulaireInvalide as invalide:
        return await _remise(
            page, annee, erreur=f"Document n° {document_id} non renvoyé. {invalide.resume}", statut=422
        )
    except ErreurMetier as refus:
        statut, texte_refus, _ = refus_de(refus)
        return await _remise(
            page, annee, erreur=f"Document n° {document_id} non renvoyé : {texte_refus}", statut=statut
        )
    suite = "renvoi" if renvoi.etat == "renvoye" else "renvoi_en_cours"
    return RedirectResponse(f"/superviseur/campagnes/{annee}/agents?message={suite}", status_code=303)


class SaisieDelai(BaseModel):
    """The deadline form, as typed (checked by ``services.campagne_echeances.Prolongation``)."""

    employeur_id: str = ""
    date_limite: str = ""
    motif: str = ""


@router.post("/superviseur/campagnes/{annee}/employeurs/delai")
async def prolonger_delai(page: FormulaireSuperviseur, annee: int, formulaire: Annotated[SaisieDelai, Form()]):
    """Extend one employer's deadline (same function as ``POST /campagnes/{annee}/employeurs/{id}/delai``)."""
    annee = annee_valide(annee)
    employeur_id = formulaire.employeur_id
    saisie = {
        "employeur_id": employeur_id,
        "date_limite": formulaire.date_limite.strip(),
        "motif": formulaire.motif.strip()[:500],
    }
    if not employeur_id.isdigit():
        return await afficher_tableau(
            page, annee, False, erreur="Délai non prolongé — choisissez l'employeur.", statut=422, saisie=saisie
        )
    try:
        corps = construire(
            campagne_echeances.Prolongation, {"date_limite": saisie["date_limite"], "motif": saisie["motif"]}
        )
        await campagne_echeances.prolonger_delai(
            page.session, page.moteur, page.compte, annee, int(employeur_id), corps
        )
    except FormulaireInvalide as invalide:
        return await afficher_tableau(page, annee, False, erreur=invalide.resume, statut=422, saisie=saisie)
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        return await afficher_tableau(page, annee, False, erreur=message, statut=statut, saisie=saisie)
    return RedirectResponse(f"/superviseur/campagnes/{annee}?message=delai", status_code=303)


@router.post("/superviseur/campagnes/{annee}/{action}")
async def piloter(
    page: FormulaireSuperviseur,
    annee: int,
    action: Literal["pause", "reprise"],
    motif: Annotated[str, Form()] = "",
):
    """Pause or resume the campaign (``/pause``, ``/reprise``)."""
    faire = campagnes.suspendre if action == "pause" else campagnes.reprendre
    annee = annee_valide(annee)
    pilotage = {"motif": motif.strip()[:500]}
    try:
        await faire(page.session, page.moteur, page.compte, annee, construire(campagnes.Pilotage, pilotage))
    except FormulaireInvalide as invalide:
        return await afficher_tableau(page, annee, False, erreur=invalide.resume, statut=422)
    except ErreurMetier as refus:
        statut, message, _ = refus_de(refus)
        return await afficher_tableau(page, annee, False, erreur=message, statut=statut)
    return RedirectResponse(f"/superviseur/campagnes/{annee}?message={action}", status_code=303)


# --- employers ---


ETATS_AGENT = {
    "ouverte": "À mettre à jour",
    "terminee": "Répondu",
    "annulee": "Tâche annulée",
    "close_date_limite": "Close à la date limite, sans réponse",
}


def etat_de_l_agent(ligne: dict[str, Any]) -> str:
    if ligne.get("tache_etat"):
        return ETATS_AGENT.get(ligne["tache_etat"], ligne["tache_etat"])
    return "Compte à jour : rien à faire" if not ligne.get("a_mettre_a_jour") else "Tâche à venir"


@router.get("/employeur/campagnes")
async def campagnes_employeur(page: PageEmployeur, annee: str = ""):
    """The employer's agents targeted by each campaign, answered or not, with the task forms."""
    employeur_id = page.compte.employeur_id or 0
    liste_campagnes, choisie, agents = await campagnes.de_l_employeur(page.session, employeur_id, annee)
    date_limite = (
        await campagne_echeances.date_limite_de_l_employeur(page.session, choisie, employeur_id) if choisie else None
    )
    resume = {
        "total": len(agents),
        "ouvertes": sum(1 for a in agents if a["tache_etat"] == "ouverte"),
        "repondues": sum(1 for a in agents if a["tache_etat"] == "terminee"),
        "closes": sum(1 for a in agents if a["tache_etat"] == "close_date_limite"),
    }
    return page.rendre(
        "employeur/campagnes.html",
        {
            "campagnes": liste_campagnes,
            "choisie": choisie,
            "agents": agents,
            "resume": resume,
            "date_limite": date_limite,
            "etat_de_l_agent": etat_de_l_agent,
            "COHORTES": COHORTES,
            "ETAPES_CAMPAGNE": ETAPES,
        },
    )
