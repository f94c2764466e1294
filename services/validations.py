"""Validation-of-services dossiers (DESIGN §4.4): the agent asks before the deadline; a supervisor decides."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.erreurs import Interdit, Refus
from domain.etats import Role
from domain.processus import Intervention
from domain.validation import DecisionValidation, DemandeValidation, EtatValidation
from persistence import lectures
from persistence.models import Compte, DossierValidationTable
from services.acces import EvenementPublic, affaire_de_l_agent, agent_vu, exiger_role, numero, vue_publique
from services.moteur import Moteur, avec_sequence, mettre_a_jour
from workflows.validation import EcheanceValidationWorkflow


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
    historique: list[EvenementPublic]


async def _visible(session: AsyncSession, compte: Compte, dossier_id: int) -> DossierValidationTable:
    return await affaire_de_l_agent(
        session,
        compte,
        DossierValidationTable,
        dossier_id,
        f"Aucun dossier de validation n° {dossier_id} dans votre espace.",
    )


async def _public(session: AsyncSession, d: DossierValidationTable) -> DossierPublic:
    return await vue_publique(session, DossierPublic, d, "VAL")


async def lister(session: AsyncSession, compte: Compte) -> list[DossierPublic]:
    return [await _public(session, d) for d in await lectures.dossiers_de_validation(session, agent_vu(compte))]


async def consulter(session: AsyncSession, compte: Compte, dossier_id: int) -> DossierPublic:
    return await _public(session, await _visible(session, compte, dossier_id))


async def _mettre_a_jour(
    session: AsyncSession,
    moteur: Moteur,
    compte: Compte,
    dossier: DossierValidationTable,
    update: object,
    argument: Intervention,
) -> DossierPublic:
    dossier_id = numero(dossier)
    await session.close()  # the connection serves other requests while the process answers
    await mettre_a_jour(moteur, dossier.workflow_id, update, avec_sequence(argument, dossier))
    session.expunge_all()
    return await consulter(session, compte, dossier_id)


async def demander(session: AsyncSession, moteur: Moteur, compte: Compte, dossier_id: int) -> DossierPublic:
    """The agent asks the validation of their services (before the deadline)."""
    dossier = await _visible(session, compte, dossier_id)
    if compte.role != Role.affilie.value:
        raise Interdit("Seul l'agent concerné peut demander la validation de ses services.")
    if dossier.etat == EtatValidation.forclose.value or date.today() > dossier.date_limite:
        raise Refus(
            f"Demande hors délai, refusée : la date limite était le {dossier.date_limite:%d/%m/%Y} — {dossier.regle}.",
            "demande",
            "delai_validation",
        )
    demande = DemandeValidation(compte_id=compte.id or 0)
    return await _mettre_a_jour(session, moteur, compte, dossier, EcheanceValidationWorkflow.demander, demande)


async def decider(
    session: AsyncSession, moteur: Moteur, compte: Compte, dossier_id: int, corps: DecisionValidation
) -> DossierPublic:
    """A supervisor's decision on a dossier."""
    exiger_role(compte, Role.superviseur)
    dossier = await _visible(session, compte, dossier_id)
    decision = DecisionValidation(compte_id=compte.id or 0, decision=corps.decision, motif=corps.motif)
    return await _mettre_a_jour(session, moteur, compte, dossier, EcheanceValidationWorkflow.decider, decision)
