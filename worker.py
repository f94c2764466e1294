"""The worker: runs the workflows and activities of every process. Start N of them anywhere."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.campagne import activites_campagne
from activities.campagne_papier import arreter_l_impression
from activities.eir import ActivitesEir
from activities.mails import ExpediteurMails
from activities.processus import ActivitesProcessus
from activities.rectification import ActivitesRectification
from activities.validation import ActivitesValidation
from api.documents_pdf import rendre_lettres
from notifications.rendu import Gabarits
from notifications.transport import TransportSmtp
from observabilite.journaux import configurer_journaux
from observabilite.memoire import figer_memoire
from observabilite.metriques import runtime_temporal
from persistence.db import SessionFactory, creer_moteur, fabrique_sessions
from services.moteur import client_temporal
from services.reconciliation import boucle
from settings import Settings, get_settings
from workflows.campagne import WORKFLOWS_CAMPAGNE
from workflows.campagne_documents import RebondsCampagneWorkflow, RenvoiDocumentWorkflow
from workflows.eir import EirWorkflow
from workflows.rectification import RectificationWorkflow
from workflows.validation import EcheanceValidationWorkflow

WORKFLOWS: Sequence[type] = (
    EirWorkflow,
    RectificationWorkflow,
    EcheanceValidationWorkflow,
    *WORKFLOWS_CAMPAGNE,
    RenvoiDocumentWorkflow,
    RebondsCampagneWorkflow,
)
# Our modules that workflows import: pure data and rules (no I/O at import), safe to share.
MODULES_PARTAGES = (
    "domain",
    "activities",
    "persistence",
    "notifications",
    "pension",
    "pydantic",
    "yaml",
    "sqlalchemy",
    "sqlmodel",
    "jinja2",
    "aiosmtplib",
    "argon2",
)


def activites(settings: Settings, sessions: SessionFactory) -> list[Callable[..., Any]]:
    mails = ExpediteurMails(sessions, Gabarits(), TransportSmtp.depuis(settings))
    processus = ActivitesProcessus(sessions, mails, settings.url_publique, settings.mail_superviseurs)
    eir = ActivitesEir(sessions, mails, processus)
    rectification = ActivitesRectification(sessions)
    validation = ActivitesValidation(sessions)
    return [
        processus.parties,
        processus.situation,
        processus.transition,
        processus.ouvrir_tache,
        processus.marquer_tache,
        processus.clore_tache,
        processus.notifier,
        eir.publier_ris,
        eir.calculer_bilan,
        eir.enregistrer_enquete,
        rectification.produire_document,
        validation.employeurs_des_periodes,
        validation.enregistrer_certificats,
        validation.valider_periodes,
        *activites_campagne(settings, sessions, rendre_lettres),
    ]


def executant_workflows() -> SandboxedWorkflowRunner:
    """The sandbox, with our own deterministic modules passed through (shared, imported once)."""
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*MODULES_PARTAGES))


PARTS = ("tout", "workflows", "activites")


def creer_worker(client: Client, settings: Settings, sessions: SessionFactory, part: str = "tout") -> Worker:
    """``part``: ``tout`` runs both; ``workflows`` runs the workflow tasks and their local activities (the short
    writes a person's answer waits for); ``activites`` runs the other activities (documents, mails, campaign
    batches). Split, the two run as separate processes, the second at a lower system priority: when the
    processor is short, the answers go first and the documents and mails follow."""
    if part not in PARTS:
        raise ValueError(f"part : {part!r} inconnue ; choisissez parmi {', '.join(PARTS)}.")
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=list(WORKFLOWS) if part != "activites" else [],
        activities=activites(settings, sessions),
        workflow_runner=executant_workflows(),
        no_remote_activities=part == "workflows",
        graceful_shutdown_timeout=settings.worker_arret_grace,
    )


def arreter_sur_signal(le_worker: Worker) -> None:
    """SIGTERM or SIGINT: stop polling, let the running activities finish within the grace period, then return
    from ``run()`` (the process exits 0). A second signal is not needed and changes nothing."""
    boucle_courante = asyncio.get_running_loop()
    arret: list[asyncio.Task[None]] = []

    def demander_l_arret() -> None:
        if not arret:
            logging.getLogger(__name__).info("arrêt demandé : plus de nouvelle tâche, fin des activités en cours")
            arret.append(boucle_courante.create_task(le_worker.shutdown()))

    for signal_d_arret in (signal.SIGTERM, signal.SIGINT):
        boucle_courante.add_signal_handler(signal_d_arret, demander_l_arret)


async def main(settings: Settings | None = None, part: str = "tout") -> None:
    settings = settings or get_settings()
    configurer_journaux(settings, "worker")
    moteur = creer_moteur(settings.database_url, settings.db_pool)
    client = await client_temporal(settings, runtime_temporal(settings.worker_metriques))
    sessions = fabrique_sessions(moteur)
    # The reconciler runs beside the activities (a worker of the workflows only serves the answers).
    reconciliateur = asyncio.create_task(boucle(sessions, client, settings)) if part != "workflows" else None
    try:
        le_worker = creer_worker(client, settings, sessions, part)
        arreter_sur_signal(le_worker)
        figer_memoire()
        await le_worker.run()
    finally:
        if reconciliateur is not None:
            reconciliateur.cancel()
        await asyncio.to_thread(arreter_l_impression)
        await moteur.dispose()


if __name__ == "__main__":
    asyncio.run(main())
