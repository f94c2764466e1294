"""The reconciler's first half on a real engine (the dev server): every request committed without its process —
EIR, rectification, validation dossier — gets it, once; a request younger than the delay is left to the API that
is starting it; a pass over requests whose processes run already starts nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from domain.task_queues import id_workflow_eir
from persistence import depots
from persistence.db import creer_moteur, fabrique_sessions, transaction
from persistence.models import DemandeEirTable, DossierValidationTable, RectificationTable
from services.reconciliation import demarrer_les_processus_manquants
from tests.support.environnement import settings_de_test
from tests.support.fabriques import REGLE, population


async def _executions(client, workflow_id: str) -> list[str]:
    return [w.run_id async for w in client.list_workflows(f'WorkflowId = "{workflow_id}"')]


async def test_chaque_demande_sans_processus_recoit_le_sien_une_fois(env_dev, tmp_path, url_sqlite):
    settings = settings_de_test(
        tmp_path,
        url_sqlite,
        1,
        temporal_address=env_dev.client.service_client.config.target_host,
        reconciliation_delai=timedelta(seconds=30),
    )
    moteur = creer_moteur(url_sqlite)
    sessions = fabrique_sessions(moteur)
    try:
        pop = await population(sessions)
        maintenant = datetime.now(UTC)
        avant = maintenant - timedelta(minutes=1)  # committed a minute ago by an API that died since
        async with transaction(sessions) as session:
            eir = await depots.creer_demande_eir(session, pop.affilie, avant.date(), "en_ligne", avant, id_workflow_eir)
            recente = await depots.creer_demande_eir(
                session, pop.collegue, maintenant.date(), "en_ligne", maintenant, id_workflow_eir
            )
            rectification = RectificationTable(
                workflow_id=f"rectification-{pop.jeune.cle}-1",
                affilie_id=pop.jeune.id or 0,
                type_document="ris",
                annee_document=2026,
                periode_debut=date(2015, 1, 1),
                periode_fin=date(2015, 12, 31),
                motif="Période manquante",
                employeur_periode_siret=pop.employeur.siret,
                employeur_periode_id=pop.employeur.id,
                employeur_actuel_id=pop.jeune.employeur_id,
                routage="employeur_actuel",
                etat="enregistree",
                creee_le=avant,
                modifiee_le=avant,
            )
            dossier = DossierValidationTable(
                workflow_id=f"echeance-validation-{pop.jeune.cle}",
                affilie_id=pop.jeune.id or 0,
                motif="titularisation",
                date_limite=(maintenant + timedelta(days=100)).date(),
                regle=REGLE,
                etat="ouverte",
                creee_le=avant,
                modifiee_le=avant,
            )
            session.add_all([rectification, dossier])
        anciennes = [eir.workflow_id, rectification.workflow_id, dossier.workflow_id]

        assert await demarrer_les_processus_manquants(sessions, env_dev.client, settings, maintenant) == 3
        executions = {wid: await _executions(env_dev.client, wid) for wid in anciennes}
        assert all(len(runs) == 1 for runs in executions.values()), executions
        assert await _executions(env_dev.client, recente.workflow_id) == []  # the API is still starting it
        async with transaction(sessions) as session:
            for table, ident in ((DemandeEirTable, eir.id), (RectificationTable, rectification.id)):
                ligne = await session.get(table, ident)
                assert ligne is not None and ligne.processus_demarre_le is not None
            ligne = await session.get(DossierValidationTable, dossier.id)
            assert ligne is not None and ligne.processus_demarre_le is not None

        # Confirmed: the next pass has nothing to do. Unconfirmed again (the confirmation lost), it starts nothing.
        assert await demarrer_les_processus_manquants(sessions, env_dev.client, settings, maintenant) == 0
        async with transaction(sessions) as session:
            for table in (DemandeEirTable, RectificationTable, DossierValidationTable):
                await session.exec(update(table).values(processus_demarre_le=None))
        assert await demarrer_les_processus_manquants(sessions, env_dev.client, settings, maintenant) == 3
        assert {wid: await _executions(env_dev.client, wid) for wid in anciennes} == executions
    finally:
        await moteur.dispose()
