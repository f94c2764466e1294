"""The supervisors' pages: the home (figures and charts, each linked to its filtered list; the search of a
process by the agent's name or NIR), every process with filters, a process's full detail and the actions on it
(remind its open task; cancel it with a reason, in incident or an EIR at any step; hand an incident to another
supervisor), the overdue tasks
by employer, and a preview of every mail template rendered with its sample data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError, field_validator

from api import vues_documents
from api.pages.campagnes import ETAPES as ETAPES_CAMPAGNE
from api.pages.campagnes import ETATS_CIBLE
from api.pages.contexte import FormulaireSuperviseur, Page, PageSuperviseur
from api.pages.formulaires import par_champ, retour_du_formulaire
from api.pages.graphiques import ROUGE, VERT, graphique_barres
from api.pages.libelles import ETATS, QUESTIONS_ENQUETE, TYPES_PROCESSUS, avis, libelle
from api.pages.rendu import refus_de
from api.pages.session import ErreurPage
from api.parametres import FiltreNumero
from domain.erreurs import ErreurMetier
from notifications.exemples import contexte_exemple
from notifications.rendu import Gabarits
from services import incidents, processus, supervision
from services.incidents import Annulation, Reattribution

router = APIRouter(include_in_schema=False)
RECHERCHE_MAX = 100  # characters of a search kept (a name, a NIR)
Motif = Annotated[str, Form(max_length=2000)]


def _figures(tableau: dict[str, Any]) -> dict[str, Any]:
    """Each chart of the home: its rows (label, value, link to the filtered list) and its SVG."""
    processus_: dict[str, Any] = {}
    for type_, etats in tableau["processus"].items():
        ordre = [e for e in ETATS if e in etats] + sorted(e for e in etats if e not in ETATS)
        lignes = [(libelle(ETATS, e), etats[e], f"/processus?type={type_}&etat_processus={e}") for e in ordre]
        processus_[type_] = {
            "lignes": lignes,
            "total": sum(etats.values()),
            "graphique": graphique_barres(
                f"graphique-{type_}",
                f"{TYPES_PROCESSUS.get(type_, type_)} : processus par état",
                [(t, v) for t, v, _ in lignes],
            ),
        }
    retards = [
        (
            employeur.raison_sociale if employeur else "File des superviseurs",
            nombre,
            f"/superviseur/retards#employeur-{employeur_id or 'cnracl'}",
        )
        for employeur_id, employeur, nombre in tableau["retards"]
    ]
    incidents_ = [
        ("Métier : donnée à corriger", tableau["incidents"].get("metier", 0), "/superviseur/incidents"),
        ("Technique : composant en panne", tableau["incidents"].get("technique", 0), "/superviseur/incidents"),
    ]
    figures: dict[str, Any] = {
        "processus": processus_,
        "retards": {
            "lignes": retards,
            "graphique": graphique_barres(
                "graphique-retards", "Tâches en retard par employeur", [(t, v) for t, v, _ in retards], ROUGE
            ),
        },
        "incidents": {
            "lignes": incidents_,
            "total": sum(v for _, v, _ in incidents_),
            "graphique": graphique_barres(
                "graphique-incidents", "Processus en incident par type", [(t, v) for t, v, _ in incidents_], ROUGE
            ),
        },
        "campagne": None,
    }
    campagne = tableau["campagne"]
    if campagne is not None:
        lien = f"/superviseur/campagnes/{campagne.annee}"
        agents: dict[str, int] = {}
        for etats in campagne.progression.get("par_cohorte", {}).values():
            for etat, nombre in etats.items():
                agents[etat] = agents.get(etat, 0) + nombre
        taches = campagne.progression.get("taches", {})
        lignes_ = [(ETATS_CIBLE.get(e, (e, ""))[0], n, lien) for e, n in agents.items()]
        lignes_ += [
            ("Tâches de mise à jour ouvertes", taches.get("ouverte", 0), lien),
            ("Tâches de mise à jour terminées", taches.get("terminee", 0), lien),
            ("Employeurs en retard", campagne.progression.get("employeurs", {}).get("en_retard", 0), lien),
        ]
        figures["campagne"] = {
            "annee": campagne.annee,
            "etape": ETAPES_CAMPAGNE.get(campagne.etape, campagne.etape),
            "en_pause": campagne.en_pause,
            "lien": lien,
            "lignes": lignes_,
            "graphique": graphique_barres(
                "graphique-campagne-en-cours",
                f"Avancement de la campagne {campagne.annee}",
                [(t, v) for t, v, _ in lignes_],
                VERT,
            ),
        }
    return figures


@router.get("/superviseur")
async def accueil(page: PageSuperviseur):
    tableau = await supervision.tableau_de_bord(page.session)
    return page.rendre("superviseur/accueil.html", {"figures": _figures(tableau), "recherche": ""})


class FiltresProcessus(BaseModel):
    """The list's filters, read from the address and given back to the forms that send them; an empty one (the
    list's « Tous ») filters nothing."""

    type: str = ""
    etat_processus: str = ""
    en_attente_de: str = ""
    employeur: FiltreNumero = None
    recherche: str = ""

    @field_validator("recherche")
    @classmethod
    def _recherche_bornee(cls, recherche: str) -> str:
        return recherche.strip()[:RECHERCHE_MAX]


@router.get("/processus")
async def liste(page: PageSuperviseur, filtres: Annotated[FiltresProcessus, Query()]):
    resultats = await processus.lister(
        page.session,
        filtres.type if filtres.type in TYPES_PROCESSUS else None,
        filtres.etat_processus or None,
        filtres.en_attente_de or None,
        filtres.employeur,
        limite=200,
        recherche=filtres.recherche or None,
    )
    return page.rendre(
        "superviseur/processus.html",
        {
            "processus": resultats,
            "employeurs": await processus.employeurs(
                page.session, {p.employeur_id for p in resultats if p.employeur_id}
            ),
            "filtres": filtres.model_dump(),
        },
    )


async def _detail(
    page: Page,
    workflow_id: str,
    message: str | None = None,
    erreur: str | None = None,
    erreurs: dict[str, str] | None = None,
    action: str = "",
    saisie: dict[str, str] | None = None,
    statut: int = 200,
):
    fiche = await supervision.fiche(page.session, page.moteur, workflow_id)
    return page.rendre(
        "superviseur/detail.html",
        {
            "fiche": fiche,
            "employeur": fiche["employeur"],
            "documents": [vues_documents.resume(d) for d in fiche["documents"]],
            "lien": processus.lien_de(fiche),
            "superviseurs": await incidents.superviseurs(page.session) if fiche["etat"] == "incident" else [],
            "annulable": incidents.annulable(fiche["type"], fiche["etat"]),
            "QUESTIONS_ENQUETE": QUESTIONS_ENQUETE,
            "action": action,
            **retour_du_formulaire(erreur, erreurs, saisie, message),
        },
        statut,
    )


@router.get("/processus/{workflow_id}")
async def detail(page: PageSuperviseur, workflow_id: str, message: str | None = None):
    return await _detail(page, workflow_id, message=avis(message) or _AVIS.get(message or ""))


_AVIS = {
    "relance_envoyee": "La relance est envoyée : le destinataire de la tâche la reçoit par courriel, et elle figure "
    "dans l'historique.",
    "relance_en_attente": "La relance est enregistrée ; son courriel part dès que le serveur de messagerie répond.",
}


async def _agir(page: Page, workflow_id: str, action: str, appel: Any, cle: str, saisie: dict[str, str]):
    """Run the use case (called): back to the detail with ``cle``'s message, or the detail with the refusal."""
    try:
        resultat = await appel
    except ErreurMetier as refus:
        await page.session.rollback()
        statut, texte, erreurs = refus_de(refus)
        return await _detail(page, workflow_id, None, texte, erreurs, action, saisie, statut)
    if action == "relance" and isinstance(resultat, dict) and not resultat.get("envoyee", True):
        cle = "relance_en_attente"
    return RedirectResponse(f"/processus/{workflow_id}?message={cle}", status_code=303)


@router.post("/processus/{workflow_id}/relance")
async def relancer(
    page: FormulaireSuperviseur,
    workflow_id: str,
    motif: Motif = "",
    sequence: Annotated[str, Form(max_length=12)] = "",
):
    # The state the page showed: a reminder sent since (a double click) is refused rather than mailed twice.
    lue = int(sequence) if sequence.isdigit() and int(sequence) <= 2**31 - 1 else None
    corps = supervision.Relance(motif=motif, sequence=lue)
    appel = supervision.relancer(page.session, page.moteur, page.compte, workflow_id, corps)
    return await _agir(page, workflow_id, "relance", appel, "relance_envoyee", {"motif": motif})


@router.post("/processus/{workflow_id}/annulation")
async def annuler(page: FormulaireSuperviseur, workflow_id: str, motif: Motif = ""):
    try:
        corps = Annulation(motif=motif)
    except ValidationError as exc:
        message = par_champ(exc).get("motif", "indiquez pourquoi le processus est annulé.")
        erreur = f"Processus non annulé : {message}"
        return await _detail(page, workflow_id, None, erreur, {"motif": message}, "annulation", {"motif": motif}, 422)
    appel = incidents.annuler(page.session, page.moteur, page.compte, workflow_id, corps)
    return await _agir(page, workflow_id, "annulation", appel, "incident_annule", {"motif": motif})


@router.post("/processus/{workflow_id}/reattribution")
async def reattribuer(
    page: FormulaireSuperviseur, workflow_id: str, compte_id: Annotated[str, Form(max_length=12)] = ""
):
    if not compte_id.isdigit() or not 1 <= int(compte_id) <= 2**31 - 1:
        message = "choisissez le superviseur à qui confier l'incident."
        erreur = f"Incident non réattribué : {message}"
        return await _detail(page, workflow_id, None, erreur, {"compte_id": message}, "reattribution", {}, 422)
    appel = incidents.reattribuer(page.session, page.compte, workflow_id, Reattribution(compte_id=int(compte_id)))
    return await _agir(page, workflow_id, "reattribution", appel, "incident_reattribue", {})


@router.get("/superviseur/retards")
async def retards(page: PageSuperviseur):
    """Overdue open tasks grouped by employer, the employer with most overdue tasks first."""
    groupes, employeurs = await processus.retards_par_employeur(page.session, page.compte)
    return page.rendre("superviseur/retards.html", {"groupes": groupes, "employeurs": employeurs})


@router.get("/superviseur/gabarits")
async def gabarits(page: PageSuperviseur):
    gab = Gabarits()
    apercus = [(e, gab.rendre(e, contexte_exemple(e)).sujet) for e in gab.evenements()]
    return page.rendre("superviseur/gabarits.html", {"apercus": apercus})


@router.get("/superviseur/gabarits/{evenement}")
async def gabarit(page: PageSuperviseur, evenement: str):
    gab = Gabarits()
    if evenement not in gab.evenements():
        raise ErreurPage(404, f"Aucun modèle de courriel « {evenement} ».")
    return page.rendre(
        "superviseur/gabarit.html",
        {"evenement": evenement, "mail": gab.rendre(evenement, contexte_exemple(evenement))},
    )
