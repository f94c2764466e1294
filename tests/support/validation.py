"""A validation-of-services dossier opened for an agent of the test population, its deadline process started."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowHandle

from domain.taches import DelaisTache
from domain.validation import EcheanceValidationEntree
from persistence.db import SessionFactory, transaction
from persistence.fabrique import identifiant
from persistence.models import Affilie, DossierValidationTable
from settings import Settings
from tests.support.fabriques import REGLE
from tests.support.service import Service
from workflows.client import delais_instruction
from workflows.validation import EcheanceValidationWorkflow


async def demarrer_echeance_validation(
    sessions: SessionFactory,
    client: Client,
    settings: Settings,
    agent: Affilie,
    employeur_id: int | None,
    maintenant: datetime,
    jours_avant_limite: int = 100,
) -> tuple[DossierValidationTable, WorkflowHandle[Any, Any]]:
    """The agent's dossier (titularisation, rule ``REGLE``), its deadline ``jours_avant_limite`` days after
    ``maintenant``, and its ``EcheanceValidationWorkflow`` started on the settings' task queue."""
    limite = (maintenant + timedelta(days=jours_avant_limite)).date()
    async with transaction(sessions) as session:
        dossier = DossierValidationTable(
            workflow_id=f"echeance-validation-{agent.cle}",
            affilie_id=identifiant(agent),
            motif="titularisation",
            date_limite=limite,
            regle=REGLE,
            etat="ouverte",
            creee_le=maintenant,
            modifiee_le=maintenant,
        )
        session.add(dossier)
    handle = await client.start_workflow(
        EcheanceValidationWorkflow.run,
        EcheanceValidationEntree(
            identifiant(dossier),
            identifiant(agent),
            employeur_id,
            limite,
            REGLE,
            settings.validation_rappels,
            DelaisTache(settings.relance_employeur, settings.escalade_superviseur),
            delais_instruction(settings),
        ),
        id=dossier.workflow_id,
        task_queue=settings.task_queue,
    )
    return dossier, handle


async def ouvrir_dossier_validation(
    service: Service, client: Client, agent: Affilie, maintenant: datetime, jours_avant_limite: int = 100
) -> DossierValidationTable:
    """The dossier of an agent of the service's population, its deadline process started."""
    dossier, _ = await demarrer_echeance_validation(
        service.sessions, client, service.settings, agent, service.pop.employeur.id, maintenant, jours_avant_limite
    )
    return dossier
