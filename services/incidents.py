"""Supervisors: the processes stopped on an incident, and what may be done about them — resume the failed step,
cancel the process (with a reason), hand the incident to another supervisor. Each action is in the history."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.adresse import employeur_de_l_incident
from domain.erreurs import Conflit, Indisponible, Introuvable, Refus
from domain.etats import ETATS_EIR_TERMINES, Acteur, Role, TypeIncident
from domain.processus import ActionSuperviseur
from domain.rectification import ETATS_RECTIFICATION_TERMINES
from domain.saisie import Saisie
from domain.validation import ETATS_VALIDATION_TERMINES
from persistence import depots, lectures, livraison_campagne
from persistence.models import (
    Compte,
    DemandeEirTable,
    DossierValidationTable,
    Employeur,
    RectificationTable,
    Tache,
)
from services import eir, rectifications, validations
from services.acces import nom_du_compte
from services.champs import MotifAnnulation
from services.moteur import Moteur, mettre_a_jour_et_relire
from workflows.eir import EirWorkflow
from workflows.rectification import RectificationWorkflow
from workflows.validation import EcheanceValidationWorkflow

journal = logging.getLogger("cnracl.services.incidents")

# How long a correction of the CIR waits for each process it resumes to take the resumption (its answer then
# stands; a process that does not answer in time is left to the supervisors' « relancer »).
ATTENTE_REPRISE = 10.0

# The steps of a campaign an incident can stop at (``campagne_incident.etape``, without the tranche's number).
ETAPES_CAMPAGNE = {
    "mise_a_jour": "mise à jour par les employeurs",
    "transmission": "transmission au GIP Info Retraite",
    "documents": "envoi des documents",
}

# Each process type's updates (typed references: the workflow's own methods).
_REPRISES: dict[str, Any] = {
    "eir": EirWorkflow.reprendre,
    "rectification": RectificationWorkflow.reprendre,
    "validation": EcheanceValidationWorkflow.reprendre,
}
_ANNULATIONS: dict[str, Any] = {
    "eir": EirWorkflow.annuler,
    "rectification": RectificationWorkflow.annuler,
    "validation": EcheanceValidationWorkflow.annuler,
}


class IncidentPublic(BaseModel):
    """Un processus en incident, tel que la console et ``GET /incidents`` le montrent."""

    workflow_id: str
    processus: str = Field(description="eir, rectification, validation ou campagne")
    reference: str
    agent: str = Field(description="Prénom et nom de l'agent")
    agent_cle: str = Field(description="Clé opaque de l'agent (celle des identifiants de processus)")
    etape: str = Field(description="L'étape qui a échoué")
    depuis: datetime
    motif: str = Field(description="Ce qui ne va pas et qui doit agir")
    tentatives: int
    type: str = Field(description="metier (données à corriger) ou technique (composant en panne)")
    derniere_erreur: str | None = None
    tache_id: int | None = Field(default=None, description="La tâche d'incident des superviseurs")
    attribuee_a: int | None = None
    attribuee_a_nom: str | None = None
    sequence: int = Field(description="La séquence de l'état lu, à renvoyer avec une action")
    incident_campagne_id: int | None = Field(
        default=None, description="Un incident de campagne : son numéro (la campagne, elle, a continué)"
    )
    page: str | None = Field(default=None, description="La page où voir ce que l'incident concerne")
    page_titre: str | None = Field(default=None, description="Le titre de cette page")
    employeur: str | None = Field(
        default=None, description="Un incident d'employeur (ses courriels de campagne) : sa raison sociale"
    )


class Reprise(Saisie):
    motif: str = Field(default="", max_length=2000, description="Pourquoi relancer (gardé dans l'historique)")


class Annulation(MotifAnnulation):
    """L'annulation d'un processus en incident par un superviseur : pourquoi, conservé dans l'historique."""

    ANNULE = "le processus est annulé"


class Reattribution(Saisie):
    compte_id: int = Field(ge=1, le=2**31 - 1, description="Le compte du superviseur à qui confier l'incident")


async def lister(session: AsyncSession) -> list[IncidentPublic]:
    """The processes in incident, the oldest incident first; then the campaigns' incidents (a recipient refused, a
    batch the collector did not take), which stopped nothing: the campaign went on with the rest."""
    incidents = await _des_processus(session)
    return incidents + await _des_campagnes(session)


def _page_de_l_incident(cle: str, annee: int) -> tuple[str, str]:
    """Where the incident is answered: an employer's refused mails, on its address's page; an agent's, on the
    campaign's delivery page (its coordinates are a link away)."""
    if (employeur_id := employeur_de_l_incident(cle)) is not None:
        return f"/superviseur/employeurs/{employeur_id}/coordonnees", "Corriger l'adresse électronique de l'employeur"
    return f"/superviseur/campagnes/{annee}/agents", "Remise des documents de la campagne"


async def _des_campagnes(session: AsyncSession) -> list[IncidentPublic]:
    incidents = []
    for incident, campagne, affilie in await livraison_campagne.incidents_ouverts(session):
        page, titre = _page_de_l_incident(incident.cle, campagne.annee)
        employeur_id = employeur_de_l_incident(incident.cle)
        employeur = await session.get(Employeur, employeur_id) if employeur_id is not None else None
        incidents.append(
            IncidentPublic(
                workflow_id=campagne.workflow_id,
                processus="campagne",
                reference=f"DAI-{campagne.annee}",
                agent=f"{affilie.prenom} {affilie.nom}" if affilie else "",
                agent_cle=affilie.cle if affilie else "",
                etape=ETAPES_CAMPAGNE.get(incident.etape.split("-")[0], incident.etape),
                depuis=incident.depuis or datetime.now(UTC),
                motif=incident.motif,
                tentatives=incident.tentatives,
                type=incident.type,
                sequence=0,
                incident_campagne_id=incident.id,
                page=page,
                page_titre=titre,
                employeur=employeur.raison_sociale if employeur is not None else None,
            )
        )
    return incidents


async def _des_processus(session: AsyncSession) -> list[IncidentPublic]:
    incidents = []
    for type_, ligne, affilie, tache in await lectures.processus_en_incident(session):
        incident: dict[str, Any] = ligne.incident or {}
        titulaire = await session.get(Compte, tache.attribuee_a) if tache and tache.attribuee_a else None
        incidents.append(
            IncidentPublic(
                workflow_id=ligne.workflow_id,
                processus=type_,
                reference=f"{lectures.PROJECTIONS[type_][1]}-{ligne.id}",
                agent=f"{affilie.prenom} {affilie.nom}",
                agent_cle=affilie.cle,
                etape=incident.get("etape", ""),
                depuis=incident.get("depuis") or ligne.modifiee_le,
                motif=incident.get("motif", ""),
                tentatives=incident.get("tentatives", 0),
                type=incident.get("type", "technique"),
                derniere_erreur=incident.get("derniere_erreur"),
                tache_id=tache.id if tache else None,
                attribuee_a=tache.attribuee_a if tache else None,
                attribuee_a_nom=nom_du_compte(titulaire),
                sequence=ligne.sequence,
            )
        )
    return incidents


async def _en_incident(session: AsyncSession, workflow_id: str) -> tuple[str, Any]:
    trouve = await lectures.projection_du_processus(session, workflow_id)
    if trouve is None:
        raise Introuvable(f"Aucun processus {workflow_id}.")
    type_, ligne = trouve
    if ligne.etat != "incident":
        raise Conflit(
            f"Le processus {workflow_id} n'est pas en incident : il n'y a rien à relancer ni à annuler ici. "
            "Sa page indique où il en est."
        )
    return type_, ligne


async def _agir(
    session: AsyncSession, moteur: Moteur, workflow_id: str, updates: dict[str, Any], action: ActionSuperviseur
) -> dict[str, Any]:
    type_, ligne = await _en_incident(session, workflow_id)
    avant = ligne

    async def relire() -> dict[str, Any]:
        trouve = await lectures.projection_du_processus(session, workflow_id)
        ligne = trouve[1] if trouve else avant
        return {"workflow_id": workflow_id, "etat": ligne.etat, "incident": ligne.incident}

    return await mettre_a_jour_et_relire(session, moteur, ligne, updates[type_], action, relire)


async def reprendre(
    session: AsyncSession, moteur: Moteur, compte: Compte, workflow_id: str, corps: Reprise
) -> dict[str, Any]:
    """Run the failed step again (once the data are corrected, or the component back)."""
    action = ActionSuperviseur(compte_id=compte.id or 0, motif=corps.motif.strip())
    return await _agir(session, moteur, workflow_id, _REPRISES, action)


async def reprendre_apres_correction(
    session: AsyncSession, moteur: Moteur, compte: Compte, affilie_id: int, correction: str
) -> list[str]:
    """The agent's CIR was just corrected (``correction``: what, for the history): every process of the agent
    stopped on a business incident (the data broke a rule) runs its failed step again, as by a supervisor's
    « relancer », recorded as resumed by the correction and by whom (one whose step is being tried again keeps it
    for when that try fails). A process that cannot take it (it ended, the engine is out of reach) is left as it
    is; a step that fails again (the data still wrong) leaves the incident open, one more attempt counted.
    Returns the processes resumed.
    Called after the correction is committed: the session is closed meanwhile."""
    incidents = [
        ligne.workflow_id
        for _type, ligne, _affilie, _tache in await lectures.processus_en_incident(session, affilie_id)
        if (ligne.incident or {}).get("type") == TypeIncident.metier.value
    ]
    acteur = Acteur.employeur if compte.role == Role.employeur.value else Acteur.superviseur
    action = ActionSuperviseur(
        compte_id=compte.id or 0,
        motif=f"Relancé par la correction du compte individuel retraite : {correction}",
        correction_par=acteur,
    )
    repris = []
    for workflow_id in incidents:
        try:
            async with asyncio.timeout(ATTENTE_REPRISE):
                await _agir(session, moteur, workflow_id, _REPRISES, action)
        except (Conflit, Introuvable, Indisponible, TimeoutError) as exc:
            journal.info("processus %s non relancé après la correction du CIR : %s", workflow_id, exc)
            continue
        repris.append(workflow_id)
    return repris


def annulable(type_: str, etat: str) -> bool:
    """Whether a supervisor may cancel the process now: any process in incident; an EIR, a rectification or a
    validation dossier at any step until it ends."""
    if etat == "incident":
        return True
    if type_ == "eir":
        return etat not in {e.value for e in ETATS_EIR_TERMINES}
    if type_ == "validation":
        return etat not in ETATS_VALIDATION_TERMINES
    return type_ == "rectification" and etat not in {e.value for e in ETATS_RECTIFICATION_TERMINES}


async def annuler(
    session: AsyncSession, moteur: Moteur, compte: Compte, workflow_id: str, corps: Annulation
) -> dict[str, Any]:
    """End the process in incident (an EIR, a rectification or a validation dossier: at any step), cancelled: its
    tasks cancelled, the reason in the history."""
    action = ActionSuperviseur(compte_id=compte.id or 0, motif=corps.motif)
    trouve = await lectures.projection_du_processus(session, workflow_id)
    if trouve is not None and trouve[0] in ("eir", "rectification", "validation") and trouve[1].etat != "incident":
        if isinstance(trouve[1], RectificationTable):
            await rectifications.annuler_processus(session, moteur, compte, trouve[1], corps.motif)
        elif isinstance(trouve[1], DemandeEirTable):
            await eir.annuler_processus(session, moteur, compte, trouve[1], corps.motif)
        elif isinstance(trouve[1], DossierValidationTable):
            await validations.annuler_processus(session, moteur, compte, trouve[1], corps.motif)
        apres = await lectures.projection_du_processus(session, workflow_id)
        return {"workflow_id": workflow_id, "etat": apres[1].etat if apres else None, "incident": None}
    return await _agir(session, moteur, workflow_id, _ANNULATIONS, action)


async def reattribuer(session: AsyncSession, compte: Compte, workflow_id: str, corps: Reattribution) -> IncidentPublic:
    """Hand the incident's task to another supervisor (in the history: who gave it to whom)."""
    await _en_incident(session, workflow_id)
    incident = next((i for i in await lister(session) if i.workflow_id == workflow_id), None)
    tache = await session.get(Tache, incident.tache_id) if incident and incident.tache_id else None
    if tache is None:
        raise Conflit(f"Le processus {workflow_id} n'a pas de tâche d'incident ouverte : rechargez la page.")
    cible = await session.get(Compte, corps.compte_id)
    if cible is None or cible.role != Role.superviseur.value or not cible.actif:
        raise Refus(
            f"compte_id : aucun superviseur actif n° {corps.compte_id} ; choisissez un compte de superviseur.",
            "compte_id",
            "superviseur_actif",
        )
    try:
        await depots.attribuer_tache(session, tache, cible.id, datetime.now(UTC), Role.superviseur.value, compte.id)
    except depots.AttributionConcurrente as exc:
        await session.rollback()
        raise Conflit(f"L'incident de {workflow_id} vient de changer : rechargez la page.") from exc
    await session.commit()
    session.expunge_all()
    return next(i for i in await lister(session) if i.workflow_id == workflow_id)


async def superviseurs(session: AsyncSession) -> list[tuple[int, str]]:
    """The supervisors an incident may be handed to: (account, name)."""
    return [(c.id or 0, nom_du_compte(c) or c.identifiant) for c in await lectures.comptes_superviseurs(session)]
