"""Supervisors' console: the home's figures (processes by type and state, overdue tasks by employer, the
current campaign's progress, incidents by type), a process's full detail (its agent and employer, each task
with who handled it and what they answered, the survey, the documents, the incident, the history with who
acted, a link to the Temporal UI) and the reminder of its open task."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from pydantic import Field
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.erreurs import Introuvable
from domain.processus import ActionSuperviseur
from domain.saisie import Saisie
from persistence import depots, lectures, supervision
from persistence.models import Affilie, Compte, Document
from services import campagnes, processus
from services.acces import nom_du_compte
from services.moteur import Moteur, avec_sequence, mettre_a_jour
from settings import Settings
from workflows.processus import UPDATE_RELANCE

# The overdue tasks' chart shows this many employers, the most late first.
EMPLOYEURS_EN_RETARD = 10
# How long a reminder's page waits for its mail to be in the outbox (the mail server down, the process retries
# it on its own: the page says so rather than hold the supervisor).
ATTENTE_RELANCE = 10.0
ETAPES_CAMPAGNE_TERMINEES = frozenset({"terminee", "simulee"})


class Relance(Saisie):
    motif: str = Field(default="", max_length=2000, description="Pourquoi relancer (gardé dans l'historique)")
    sequence: int | None = Field(
        default=None,
        ge=0,
        description="La séquence de l'état lu (colonne « sequence » du processus) : une relance envoyée depuis "
        "est refusée, un double envoi ne part qu'une fois",
    )


# --- the home ---


async def _campagne_en_cours(session: AsyncSession) -> campagnes.CampagnePublique | None:
    """The latest campaign (not a dry run) that has not ended, with its progress."""
    for campagne in await campagnes.toutes(session):
        if not campagne.simulation and campagne.etape not in ETAPES_CAMPAGNE_TERMINEES:
            return await campagnes.consulter(session, campagne.annee)
    return None


async def tableau_de_bord(session: AsyncSession, maintenant: datetime | None = None) -> dict[str, Any]:
    """The home's figures: ``processus`` {type: {state: n}}; ``retards`` [(employer id, employer or None, n)];
    ``campagne`` the current campaign or None; ``incidents`` {type: n}."""
    maintenant = maintenant or datetime.now(UTC)
    par_type: dict[str, dict[str, int]] = {type_: {} for type_ in lectures.PROJECTIONS}
    for type_, etat, nombre in await supervision.processus_par_etat(session):
        par_type[type_][etat] = nombre
    retards = await supervision.retards_par_employeur(session, maintenant, EMPLOYEURS_EN_RETARD)
    employeurs = await supervision.employeurs(session, {i for i, _ in retards if i})
    incidents: dict[str, int] = {"metier": 0, "technique": 0}
    for incident in await supervision.incidents(session):
        type_ = str(incident.get("type") or "technique")
        incidents[type_] = incidents.get(type_, 0) + 1
    return {
        "processus": par_type,
        "retards": [(i, employeurs.get(i) if i else None, n) for i, n in retards],
        "campagne": await _campagne_en_cours(session),
        "incidents": incidents,
    }


# --- a process's full detail ---


def nir_masque(nir: str) -> str:
    """``2 68 04 •• ••• ••• ••``: the sex, year and month of birth; the rest hidden."""
    return f"{nir[:1]} {nir[1:3]} {nir[3:5]} •• ••• ••• ••"


def lien_temporal(settings: Settings, workflow_id: str) -> str | None:
    """The process's page in the Temporal Web UI, when one is known (``CNRACL_TEMPORAL_UI``)."""
    base = settings.adresse_temporal_ui
    if base is None:
        return None
    namespace = quote(settings.temporal_namespace, safe="")
    return f"{base}/namespaces/{namespace}/workflows/{quote(workflow_id, safe='')}"


async def fiche(session: AsyncSession, moteur: Moteur, workflow_id: str) -> dict[str, Any]:
    """Everything a supervisor reads of one process (see the module's docstring)."""
    detail = await processus.detail(session, moteur, workflow_id)
    trouve = await lectures.projection_du_processus(session, workflow_id)
    if trouve is None:
        raise Introuvable(f"Aucun processus {workflow_id}.")
    type_, ligne = trouve
    affilie = await session.get(Affilie, ligne.affilie_id)
    taches = list(await supervision.taches_du_processus(session, workflow_id))
    evenements = list(await depots.historique(session, workflow_id))
    ids_comptes = {e.compte_id for e in evenements if e.compte_id}
    for tache in taches:
        ids_comptes |= {i for i in (tache.attribuee_a, (tache.reponse or {}).get("compte_id")) if i}
    comptes = await supervision.comptes(session, ids_comptes)
    employeur_id = detail.get("employeur_id") or (affilie.employeur_id if affilie else None)
    ids_employeurs = {employeur_id} if employeur_id else set()
    ids_employeurs |= {t.employeur_id for t in taches if t.employeur_id}
    employeurs = await supervision.employeurs(session, ids_employeurs)
    documents: list[Document] = []
    enquete = None
    if type_ == "eir":
        documents = list(await supervision.documents_de_la_demande(session, ligne.id))
        enquete = await supervision.reponse_enquete(session, ligne.id)
    elif type_ == "rectification" and ligne.document_rectifie_id:
        document = await session.get(Document, ligne.document_rectifie_id)
        documents = [document] if document else []
    return {
        **detail,
        "agent": {
            "nom": affilie.nom,
            "prenom": affilie.prenom,
            "nir": nir_masque(affilie.nir),
            "date_de_naissance": affilie.date_de_naissance,
        }
        if affilie
        else None,
        "employeur": employeurs.get(employeur_id) if employeur_id else None,
        "taches": [_tache(t, comptes, employeurs) for t in taches],
        "documents": documents,
        "enquete": {
            "reponses": list(enquete.reponses),
            "commentaire": enquete.commentaire,
            "recue_le": enquete.recue_le,
        }
        if enquete
        else None,
        "historique": [
            {
                "type": e.type,
                "acteur": e.acteur,
                "horodatage": e.horodatage,
                "details": e.details or {},
                "par": nom_du_compte(comptes.get(e.compte_id)) if e.compte_id else None,
            }
            for e in evenements
        ],
        "lien_temporal": lien_temporal(moteur.settings, workflow_id),
        "relancable": _relancable(detail, taches),
        "sequence": ligne.sequence,
    }


def _tache(tache: Any, comptes: dict[int, Compte], employeurs: dict[int, Any]) -> dict[str, Any]:
    """A task as the detail shows it: who holds or held it, who answered, when, and what."""
    reponse = tache.reponse or {}
    repondant = reponse.get("compte_id") or tache.assignee_compte_id
    employeur = employeurs.get(tache.employeur_id) if tache.employeur_id else None
    return {
        "id": tache.id,
        "type": tache.type,
        "etat": tache.etat,
        "destinataire": tache.destinataire,
        "employeur": employeur.raison_sociale if employeur else None,
        "creee_le": tache.creee_le,
        "echeance": tache.echeance,
        "en_retard": tache.etat == "ouverte" and tache.echeance is not None and tache.echeance < datetime.now(UTC),
        "relancee_le": tache.relancee_le,
        "escaladee_le": tache.escaladee_le,
        "terminee_le": tache.terminee_le,
        "attribuee_a": nom_du_compte(comptes.get(tache.attribuee_a)) if tache.attribuee_a else None,
        "terminee_par": nom_du_compte(comptes.get(repondant)) if repondant else None,
        "details": tache.details or {},
        "reponse": reponse or None,
    }


def _relancable(detail: dict[str, Any], taches: list[Any]) -> dict[str, Any] | None:
    """The open task a reminder would go to: the one the process waits on, a person's (not an incident)."""
    if detail["etat"] == "incident":
        return None
    ouvertes = [t for t in taches if t.etat == "ouverte" and t.type != "incident" and t.destinataire == "employeur"]
    return {"id": ouvertes[-1].id, "type": ouvertes[-1].type} if ouvertes else None


# --- the reminder ---


async def relancer(
    session: AsyncSession, moteur: Moteur, compte: Compte, workflow_id: str, corps: Relance
) -> dict[str, Any]:
    """Remind the open task's recipient now: one more mail under a key of its own, the reminder in the history
    with who sent it. Refused when no task awaits an answer, when the process is in incident, or when another
    reminder was sent after the state ``corps.sequence`` the page read (a double click mails once; without it,
    the state read now). The mail server down: the reminder is recorded, its mail leaves once the server
    answers (``envoyee`` false)."""
    trouve = await lectures.projection_du_processus(session, workflow_id)
    if trouve is None:
        raise Introuvable(f"Aucun processus {workflow_id}.")
    _type, ligne = trouve
    action = ActionSuperviseur(compte_id=compte.id or 0, motif=corps.motif.strip())
    action = (
        avec_sequence(action, ligne)
        if corps.sequence is None
        else action.model_copy(update={"sequence": corps.sequence})
    )
    await session.close()  # the connection serves other requests while the process sends the mail
    envoi = asyncio.ensure_future(mettre_a_jour(moteur, workflow_id, UPDATE_RELANCE, action))
    try:
        await asyncio.wait_for(asyncio.shield(envoi), ATTENTE_RELANCE)
    except TimeoutError:
        envoi.add_done_callback(lambda tache: tache.cancelled() or tache.exception())
        return {"workflow_id": workflow_id, "envoyee": False}
    return {"workflow_id": workflow_id, "envoyee": True}
