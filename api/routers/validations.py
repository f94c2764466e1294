"""Validation-of-services dossiers: the agent asks before the deadline; a supervisor decides."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from sqlmodel import col, select

from api.deps import (
    Affilie_ou_Superviseur,
    CompteCourant,
    EtatDep,
    Identifiant,
    SessionDep,
    Superviseur,
    affaire_de_l_agent,
)
from api.erreurs import reponse_erreur
from api.routers._temporal import mettre_a_jour
from domain.etats import Role
from domain.validation import DecisionValidation, DemandeValidation, EtatValidation
from persistence import depots
from persistence.models import Compte, DossierValidationTable
from workflows.validation import EcheanceValidationWorkflow

router = APIRouter(prefix="/validations", tags=["validation de services"])


class DossierPublic(BaseModel):
    id: int
    reference: str
    workflow_id: str
    motif: str
    date_limite: date
    regle: str
    etat: str
    en_attente_de: str | None
    demande_le: date | None
    decision: str | None
    historique: list[dict[str, Any]]


async def _visible(session, compte: Compte, dossier_id: int) -> DossierValidationTable:
    return await affaire_de_l_agent(
        session,
        compte,
        DossierValidationTable,
        dossier_id,
        f"Aucun dossier de validation n° {dossier_id} dans votre espace.",
    )


async def _public(session, d: DossierValidationTable) -> DossierPublic:
    assert d.id is not None
    evenements = await depots.historique(session, d.workflow_id)
    return DossierPublic(
        id=d.id,
        reference=f"VAL-{d.id}",
        workflow_id=d.workflow_id,
        motif=d.motif,
        date_limite=d.date_limite,
        regle=d.regle,
        etat=d.etat,
        en_attente_de=d.en_attente_de,
        demande_le=d.demande_le,
        decision=d.decision,
        historique=[
            {"type": e.type, "acteur": e.acteur, "horodatage": e.horodatage, "details": e.details} for e in evenements
        ],
    )


@router.get("", response_model=list[DossierPublic])
async def lister(compte: Affilie_ou_Superviseur, session: SessionDep) -> list[DossierPublic]:
    requete = select(DossierValidationTable).order_by(col(DossierValidationTable.id)).limit(200)
    if compte.role == Role.affilie.value:
        requete = requete.where(DossierValidationTable.affilie_id == compte.affilie_id)
    return [await _public(session, d) for d in (await session.exec(requete)).all()]


@router.get("/{dossier_id}", response_model=DossierPublic)
async def consulter(dossier_id: Identifiant, compte: CompteCourant, session: SessionDep) -> DossierPublic:
    return await _public(session, await _visible(session, compte, dossier_id))


@router.post("/{dossier_id}/demande", response_model=DossierPublic)
async def demander(dossier_id: Identifiant, compte: CompteCourant, session: SessionDep, etat: EtatDep):
    """The agent asks the validation of their services (before the deadline)."""
    dossier = await _visible(session, compte, dossier_id)
    if compte.role != Role.affilie.value:
        raise HTTPException(403, "Seul l'agent concerné peut demander la validation de ses services.")
    if dossier.etat == EtatValidation.forclose.value or date.today() > dossier.date_limite:
        message = (
            f"Demande hors délai, refusée : la date limite était le {dossier.date_limite:%d/%m/%Y} — {dossier.regle}."
        )
        return reponse_erreur(422, message, [{"champ": "demande", "regle": "delai_validation", "message": message}])
    await mettre_a_jour(
        await etat.client(),
        dossier.workflow_id,
        EcheanceValidationWorkflow.demander,
        DemandeValidation(compte_id=compte.id or 0),
        session,
    )
    session.expunge_all()
    return await _public(session, await _visible(session, compte, dossier_id))


@router.post("/{dossier_id}/decision", response_model=DossierPublic)
async def decider(
    dossier_id: Identifiant, corps: DecisionValidation, compte: Superviseur, session: SessionDep, etat: EtatDep
):
    dossier = await _visible(session, compte, dossier_id)
    await mettre_a_jour(
        await etat.client(),
        dossier.workflow_id,
        EcheanceValidationWorkflow.decider,
        DecisionValidation(compte_id=compte.id or 0, decision=corps.decision, motif=corps.motif),
        session,
    )
    session.expunge_all()
    return await _public(session, await _visible(session, compte, dossier_id))
