"""The reconciler, run by every worker each ``CNRACL_RECONCILIATION_PERIODE``: it finishes what an API process
left behind when it died (or its component was down) after a commit (docs/fiabilite.md, « Rien laissé en plan »).

1. Each request (EIR, rectification, validation dossier) committed more than ``CNRACL_RECONCILIATION_DELAI`` ago
   whose process start was never confirmed: its process is started under the request's business id — started
   already, the engine answers with the existing one (or says it ended) and nothing starts twice, so no mail is
   sent twice either (their keys are the process's) — and the start is written. Campaigns need none of this: their
   row is written by their own workflow, which exists first.
2. Each outbox row no process sends (the account mails) still to send after ``CNRACL_BOITE_ENVOI_DELAI``: sent
   again by the one path the requests use (claimed before the send: several workers, or a worker and a request,
   never send it twice), with backoff and a bound, past which the row is an incident (``cnracl_incidents``, type
   ``courriel``) and the code it carries expires.
Several workers may run it at once: every step is idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from temporalio.client import Client

from persistence import boite_envoi, reconciliation
from persistence.db import SessionFactory, transaction
from persistence.models import Affilie, DemandeEirTable, DossierValidationTable, RectificationTable
from persistence.reconciliation import TableDeDemande
from services import courriels, echeances, eir, rectifications
from services.moteur import moteur_en_panne
from settings import Settings
from workflows.client import delais_instruction, delais_taches

journal = logging.getLogger("cnracl.services.reconciliation")

LigneDeDemande = DemandeEirTable | RectificationTable | DossierValidationTable
# Rows handled per table and per pass: a backlog drains over a few passes without one long pass.
LOT = 200


@dataclass
class Bilan:
    demarres: int = 0
    mails: int = 0


async def demarrer_les_processus_manquants(
    sessions: SessionFactory, client: Client, settings: Settings, maintenant: datetime
) -> int:
    """Start the process of every request committed before ``maintenant - reconciliation_delai`` whose start was
    never confirmed; the number of requests confirmed."""
    avant = maintenant - settings.reconciliation_delai
    async with transaction(sessions) as session:
        demandes = await reconciliation.sans_processus_confirme(session, DemandeEirTable, avant, LOT)
        rectifs = await reconciliation.sans_processus_confirme(session, RectificationTable, avant, LOT)
        dossiers = await reconciliation.sans_processus_confirme(session, DossierValidationTable, avant, LOT)
        affilies = {d.affilie_id: await session.get(Affilie, d.affilie_id) for d in dossiers}
    delais = delais_taches(settings)
    departs: list[tuple[TableDeDemande, LigneDeDemande, Callable[[], Awaitable[object]]]] = [
        *((DemandeEirTable, d, partial(eir.demarrer_processus, client, settings, d)) for d in demandes),
        *((RectificationTable, r, partial(rectifications.demarrer_processus, client, settings, r)) for r in rectifs),
        *(
            (
                DossierValidationTable,
                d,
                partial(
                    echeances.demarrer_dossier,
                    client,
                    settings.task_queue,
                    d,
                    a,
                    settings.validation_rappels,
                    delais,
                    delais_instruction(settings),
                ),
            )
            for d in dossiers
            if (a := affilies.get(d.affilie_id)) is not None
        ),
    ]
    confirmes: dict[TableDeDemande, list[int]] = {}
    try:
        for table, ligne, demarrer in departs:
            try:
                await demarrer()
            except Exception as exc:
                if moteur_en_panne(exc):
                    raise  # the engine out of reach: the next pass tries again
                # This request alone cannot start: logged for the operators, the others go on.
                journal.error("processus %s non démarré par le réconciliateur : %s", ligne.workflow_id, exc)
                continue
            journal.warning("démarrage de %s confirmé par le réconciliateur", ligne.workflow_id)
            confirmes.setdefault(table, []).append(ligne.id or 0)
    finally:  # what did start is written, even when the engine went away in the middle
        async with transaction(sessions) as session:
            for table, ids in confirmes.items():
                await reconciliation.confirmer_demarrage(session, table, ids, datetime.now(UTC))
    return sum(len(ids) for ids in confirmes.values())


async def balayer_la_boite_envoi(sessions: SessionFactory, settings: Settings, maintenant: datetime) -> int:
    """Send again each account mail still waiting after ``boite_envoi_delai`` and due; the number tried."""
    async with transaction(sessions) as session:
        ids = await boite_envoi.mails_a_reprendre(session, maintenant - settings.boite_envoi_delai, maintenant, LOT)
    essais = courriels.Essais.depuis(settings)
    for mail_id in ids:
        await courriels.expedier(sessions, settings, mail_id, essais=essais)
    return len(ids)


async def reconcilier(sessions: SessionFactory, client: Client, settings: Settings) -> Bilan:
    """One pass of both."""
    maintenant = datetime.now(UTC)
    return Bilan(
        await demarrer_les_processus_manquants(sessions, client, settings, maintenant),
        await balayer_la_boite_envoi(sessions, settings, maintenant),
    )


async def boucle(sessions: SessionFactory, client: Client, settings: Settings) -> None:
    """Run a pass every ``reconciliation_periode``, for ever; a failed pass (the database or the engine out of
    reach) is logged and the next one tries again."""
    while True:
        try:
            await reconcilier(sessions, client, settings)
        except Exception as exc:
            journal.warning("réconciliation interrompue (%s) : reprise à la prochaine période", type(exc).__name__)
        await asyncio.sleep(settings.reconciliation_periode.total_seconds())
