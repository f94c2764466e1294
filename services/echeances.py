"""Starting the validation-of-services deadlines of a population, idempotently: one dossier per eligible
agent, then its workflow (the use case behind ``cnracl echeances demarrer``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.taches import DelaisTache
from domain.validation import (
    DelaisInstruction,
    DemandeValidation,
    EcheanceValidationEntree,
    EtatValidation,
    echeance_validation,
)
from persistence import reconciliation
from persistence.db import SessionFactory, transaction
from persistence.models import Affilie, DossierValidationTable
from workflows.validation import EcheanceValidationWorkflow


@dataclass
class BilanDemarrage:
    eligibles: int = 0
    demarres: int = 0
    deja_demarres: int = 0


def id_workflow_validation(cle_affilie: str, rang: int) -> str:
    """The deadline of the agent's ``rang``-th titularisation (no personal data: the agent's opaque key)."""
    return f"echeance-validation-{cle_affilie}-{rang}"


async def demarrer_echeances(
    sessions: SessionFactory,
    client: Client,
    task_queue: str,
    rappels: list[timedelta],
    delais: DelaisTache,
    le: date,
    lot: int = 500,
    instruction: DelaisInstruction | None = None,
) -> BilanDemarrage:
    """One dossier and one workflow per eligible agent's titularisation (a new titularisation reopens a window);
    running it again starts nothing twice (a unique dossier per agent and titularisation, and the workflow id as
    business key)."""
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
            dossiers = (
                await session.exec(
                    select(DossierValidationTable).where(
                        col(DossierValidationTable.affilie_id).in_([affilie.id for affilie in affilies])
                    )
                )
            ).all()
            existants = {(dossier.affilie_id, dossier.date_titularisation): dossier for dossier in dossiers}
            rangs = Counter(dossier.affilie_id for dossier in dossiers)
            a_demarrer: list[tuple[DossierValidationTable, Affilie]] = []
            for affilie in affilies:
                echeance = echeance_validation(
                    affilie.date_titularisation,
                    affilie.temps_non_complet,
                    affilie.date_affiliation,
                    le,
                    affilie.date_notification_titularisation,
                )
                if echeance is None:
                    continue
                bilan.eligibles += 1
                if affilie.id is None:
                    continue
                dossier = existants.get((affilie.id, affilie.date_titularisation))
                if dossier is None:
                    maintenant = datetime.now(UTC)
                    rangs[affilie.id] += 1
                    dossier = DossierValidationTable(
                        workflow_id=id_workflow_validation(affilie.cle, rangs[affilie.id]),
                        affilie_id=affilie.id,
                        motif=echeance.motif.value,
                        date_limite=echeance.date_limite,
                        regle=echeance.regle,
                        date_titularisation=affilie.date_titularisation,
                        date_notification_titularisation=affilie.date_notification_titularisation,
                        etat=EtatValidation.ouverte.value,
                        creee_le=maintenant,
                        modifiee_le=maintenant,
                    )
                    session.add(dossier)
                a_demarrer.append((dossier, affilie))
            await session.flush()
        demarres = []
        for dossier, affilie in a_demarrer:
            if await demarrer_dossier(client, task_queue, dossier, affilie, rappels, delais, instruction):
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
    instruction: DelaisInstruction | None = None,
    demande: DemandeValidation | None = None,
) -> bool:
    """Start the deadline of a stored dossier under its business id; ``False``: it was started already (the
    command run again, or the reconciler after a crash between the dossier's commit and its start).
    ``demande``: a request made on time elsewhere, recorded after the dossier closed: a new run of the same process
    starts with it (its states numbered after the dossier's)."""
    if dossier.id is None or affilie.id is None:
        raise LookupError("dossier de validation non enregistré")
    try:
        await client.start_workflow(
            EcheanceValidationWorkflow.run,
            EcheanceValidationEntree(
                dossier.id,
                affilie.id,
                affilie.employeur_id,
                dossier.date_limite,
                dossier.regle,
                rappels,
                delais,
                instruction or DelaisInstruction(),
                demande,
                dossier.sequence if demande is not None else 0,
            ),
            id=dossier.workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            id_reuse_policy=(
                WorkflowIDReusePolicy.ALLOW_DUPLICATE if demande is not None else WorkflowIDReusePolicy.REJECT_DUPLICATE
            ),
        )
    except WorkflowAlreadyStartedError:
        return False
    return True
