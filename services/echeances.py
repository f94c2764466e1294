"""Starting the validation-of-services deadlines of a population, idempotently: one dossier per eligible
agent, then its workflow (the use case behind ``cnracl echeances demarrer``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.taches import DelaisTache
from domain.validation import EcheanceValidationEntree, EtatValidation, echeance_validation
from persistence import reconciliation
from persistence.db import SessionFactory, transaction
from persistence.models import Affilie, DossierValidationTable
from workflows.validation import EcheanceValidationWorkflow


@dataclass
class BilanDemarrage:
    eligibles: int = 0
    demarres: int = 0
    deja_demarres: int = 0


def id_workflow_validation(cle_affilie: str) -> str:
    return f"echeance-validation-{cle_affilie}"


async def demarrer_echeances(
    sessions: SessionFactory,
    client: Client,
    task_queue: str,
    rappels: list[timedelta],
    delais: DelaisTache,
    le: date,
    lot: int = 500,
) -> BilanDemarrage:
    """One dossier and one workflow per eligible agent; running it again starts nothing twice
    (a unique dossier per agent, and the workflow id as business key)."""
    bilan = BilanDemarrage()
    dernier_id = 0
    while True:
        async with transaction(sessions) as session:
            affilies = (
                await session.exec(
                    select(Affilie)
                    .where(
                        col(Affilie.id) > dernier_id,
                        col(Affilie.date_titularisation).is_not(None) | col(Affilie.temps_non_complet),
                    )
                    .order_by(col(Affilie.id))
                    .limit(lot)
                )
            ).all()
            if not affilies:
                return bilan
            dernier_id = max(affilie.id or 0 for affilie in affilies)
            existants = {
                dossier.affilie_id: dossier
                for dossier in (
                    await session.exec(
                        select(DossierValidationTable).where(
                            col(DossierValidationTable.affilie_id).in_([affilie.id for affilie in affilies])
                        )
                    )
                ).all()
            }
            a_demarrer: list[tuple[DossierValidationTable, Affilie]] = []
            for affilie in affilies:
                echeance = echeance_validation(
                    affilie.date_titularisation, affilie.temps_non_complet, affilie.date_affiliation, le
                )
                if echeance is None:
                    continue
                bilan.eligibles += 1
                if affilie.id is None:
                    continue
                dossier = existants.get(affilie.id)
                if dossier is None:
                    maintenant = datetime.now(UTC)
                    dossier = DossierValidationTable(
                        workflow_id=id_workflow_validation(affilie.cle),
                        affilie_id=affilie.id,
                        motif=echeance.motif.value,
                        date_limite=echeance.date_limite,
                        regle=echeance.regle,
                        etat=EtatValidation.ouverte.value,
                        creee_le=maintenant,
                        modifiee_le=maintenant,
                    )
                    session.add(dossier)
                a_demarrer.append((dossier, affilie))
            await session.flush()
        demarres = []
        for dossier, affilie in a_demarrer:
            if await demarrer_dossier(client, task_queue, dossier, affilie, rappels, delais):
                bilan.demarres += 1
            else:
                bilan.deja_demarres += 1
            demarres.append(dossier.id or 0)
        async with transaction(sessions) as session:
            await reconciliation.confirmer_demarrage(session, DossierValidationTable, demarres, datetime.now(UTC))


async def demarrer_dossier(
    client: Client,
    task_queue: str,
    dossier: DossierValidationTable,
    affilie: Affilie,
    rappels: list[timedelta],
    delais: DelaisTache,
) -> bool:
    """Start the deadline of a stored dossier under its business id; ``False``: it was started already (the
    command run again, or the reconciler after a crash between the dossier's commit and its start)."""
    if dossier.id is None or affilie.id is None:
        raise LookupError("dossier de validation non enregistré")
    try:
        await client.start_workflow(
            EcheanceValidationWorkflow.run,
            EcheanceValidationEntree(
                dossier.id, affilie.id, affilie.employeur_id, dossier.date_limite, dossier.regle, rappels, delais
            ),
            id=dossier.workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        return False
    return True
