"""Validation-of-services dossiers (DESIGN §4.4): the agent asks before the deadline; a supervisor decides."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.erreurs import Conflit, Interdit, Refus
from domain.etats import Role
from domain.processus import ActionSuperviseur, Intervention
from domain.validation import (
    PARIS,
    CorpsDemandeValidation,
    DecisionValidation,
    DemandeRecueValidation,
    DemandeValidation,
    EtatValidation,
)
from persistence import lectures
from persistence.models import Affilie, Compte, DossierValidationTable
from services.acces import EvenementPublic, affaire_de_l_agent, agent_vu, exiger_role, numero, vue_publique
from services.echeances import demarrer_dossier
from services.moteur import Moteur, avec_sequence, joignable, mettre_a_jour, mettre_a_jour_et_relire
from workflows.client import delais_instruction, delais_taches
from workflows.validation import EcheanceValidationWorkflow


class DossierPublic(BaseModel):
    id: int
    reference: str
    workflow_id: str
    motif: str
    date_limite: date
    regle: str
    date_titularisation: date | None = None
    date_notification_titularisation: date | None = Field(
        default=None,
        description="Notification de la titularisation, d'où court le délai de demande (inconnue : la date d'effet "
        "de la titularisation en tient lieu)",
    )
    etat: str
    en_attente_de: str | None
    demande_le: date | None
    preuve_demande: str | None = Field(default=None, description="Demande faite hors du service : sa preuve")
    decision: str | None
    periodes_certifiees: list[dict[str, Any]] | None = Field(
        default=None, description="Périodes certifiées par les employeurs, en attente de la décision (hors du CIR)"
    )
    cotisations_dues: dict[str, Any] | None = Field(
        default=None,
        description="Cotisations rétroactives dues (décret 2003-1306, art. 50-II) : part_agent, part_employeur, total "
        "en euros, détail par période, règle appliquée",
    )
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
    relire = partial(consulter, session, compte, numero(dossier))
    return await mettre_a_jour_et_relire(session, moteur, dossier, update, argument, relire)


def _refus_hors_delai(dossier: DossierValidationTable, champ: str) -> Refus:
    return Refus(
        f"Demande hors délai, refusée : la date limite était le {dossier.date_limite:%d/%m/%Y} — {dossier.regle}.",
        champ,
        "delai_validation",
    )


async def demander(
    session: AsyncSession,
    moteur: Moteur,
    compte: Compte,
    dossier_id: int,
    corps: CorpsDemandeValidation | None = None,
) -> DossierPublic:
    """The agent asks the validation of their services (before the deadline), naming the periods if they wish."""
    dossier = await _visible(session, compte, dossier_id)
    if compte.role != Role.affilie.value:
        raise Interdit(
            "Seul l'agent concerné peut demander la validation de ses services ; une demande faite hors du service "
            "est enregistrée par un superviseur, avec sa date et sa preuve."
        )
    if dossier.etat == EtatValidation.forclose.value or datetime.now(PARIS).date() > dossier.date_limite:
        raise _refus_hors_delai(dossier, "demande")
    demande = DemandeValidation(compte_id=compte.id or 0, periodes=corps.periodes if corps else [])
    return await _mettre_a_jour(session, moteur, compte, dossier, EcheanceValidationWorkflow.demander, demande)


async def enregistrer_demande(
    session: AsyncSession, moteur: Moteur, compte: Compte, dossier_id: int, corps: DemandeRecueValidation
) -> DossierPublic:
    """A supervisor records a request made outside the service (to the employer, a paper dossier) with the date
    it was really made and its proof: on time, it is instructed even if the deadline has closed the dossier since."""
    exiger_role(compte, Role.superviseur)
    dossier = await _visible(session, compte, dossier_id)
    if corps.date_demande > datetime.now(PARIS).date():
        raise Refus(
            "date_demande : la date de la demande est dans le futur ; saisissez le jour où l'agent l'a faite.",
            "date_demande",
            "date_future",
        )
    if corps.date_demande > dossier.date_limite:
        raise _refus_hors_delai(dossier, "date_demande")
    demande = DemandeValidation(
        compte_id=compte.id or 0, periodes=corps.periodes, date_demande=corps.date_demande, preuve=corps.preuve
    )
    if dossier.etat != EtatValidation.forclose.value:
        return await _mettre_a_jour(session, moteur, compte, dossier, EcheanceValidationWorkflow.demander, demande)
    # Closed as forclos while a request made on time was pending elsewhere: the process starts again with it.
    if dossier.demande_le is not None:
        raise Conflit("Une demande est déjà enregistrée sur ce dossier.")
    affilie = await session.get(Affilie, dossier.affilie_id)
    if affilie is None:
        raise Conflit("L'agent de ce dossier n'existe plus.")
    settings = moteur.settings
    await session.close()
    async with joignable():
        demarre = await demarrer_dossier(
            await moteur.client(),
            settings.task_queue,
            dossier,
            affilie,
            settings.validation_rappels,
            delais_taches(settings),
            delais_instruction(settings),
            demande,
        )
    if not demarre:
        raise Conflit("Ce dossier est déjà en cours d'instruction : rechargez sa page.")
    session.expunge_all()
    return await consulter(session, compte, dossier_id)


async def decider(
    session: AsyncSession, moteur: Moteur, compte: Compte, dossier_id: int, corps: DecisionValidation
) -> DossierPublic:
    """A supervisor's decision on a dossier."""
    exiger_role(compte, Role.superviseur)
    dossier = await _visible(session, compte, dossier_id)
    decision = DecisionValidation(compte_id=compte.id or 0, decision=corps.decision, motif=corps.motif)
    return await _mettre_a_jour(session, moteur, compte, dossier, EcheanceValidationWorkflow.decider, decision)


async def annuler_processus(
    session: AsyncSession, moteur: Moteur, compte: Compte, dossier: DossierValidationTable, motif: str
) -> None:
    """A supervisor ends the dossier at whatever step it is (the workflow's ``annuler``); the session is closed
    meanwhile."""
    exiger_role(compte, Role.superviseur)
    if dossier.terminee_le is not None:
        raise Conflit(
            f"Le dossier de validation n° {dossier.id} est déjà terminé : il n'y a plus rien à annuler. Sa page "
            "indique comment il s'est terminé."
        )
    action = avec_sequence(ActionSuperviseur(compte_id=compte.id or 0, motif=motif), dossier)
    workflow_id = dossier.workflow_id
    await session.close()
    await mettre_a_jour(moteur, workflow_id, EcheanceValidationWorkflow.annuler, action)
    session.expunge_all()
