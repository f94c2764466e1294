"""A validation-of-services dossier opened for an agent of the test population, its deadline process started."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio.client import Client

from domain.taches import DelaisTache
from domain.validation import EcheanceValidationEntree
from persistence.db import transaction
from persistence.fabrique import identifiant
from persistence.models import Affilie, DossierValidationTable
from tests.support.fabriques import REGLE
from tests.support.service import Service
from workflows.validation import EcheanceValidationWorkflow


async def ouvrir_dossier_validation(
    service: Service, client: Client, agent: Affilie, maintenant: datetime, jours_avant_limite: int = 100
) -> DossierValidationTable:
    """The agent's dossier (titularisation, rule ``REGLE``), its deadline ``jours_avant_limite`` days after
    ``maintenant``, and its ``EcheanceValidationWorkflow`` started on the service's task queue."""
    limite = (maintenant + timedelta(days=jours_avant_limite)).date()
    async with transaction(service.sessions) as session:
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
    settings = service.settings
    await client.start_workflow(
        EcheanceValidationWorkflow.run,
        EcheanceValidationEntree(
            identifiant(dossier),
            identifiant(agent),
            service.pop.employeur.id,
            limite,
            REGLE,
            settings.validation_rappels,
            DelaisTache(settings.relance_employeur, settings.escalade_superviseur),
        ),
        id=dossier.workflow_id,
        task_queue=settings.task_queue,
    )
    return dossier
