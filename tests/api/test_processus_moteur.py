"""A process's detail when the engine goes away: the history from the database at once, the engine's part
marked unavailable within a few seconds (a read holds one of its API process's places meanwhile)."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime

from domain.task_queues import id_workflow_eir
from persistence import depots
from persistence.db import transaction
from tests.support.environnement import settings_de_test
from tests.support.processus_externes import ServeurTemporal
from tests.support.service import assembler


async def test_detail_d_un_processus_quand_le_moteur_s_arrete(tmp_path, url_sqlite):
    temporal = ServeurTemporal(tmp_path / "temporal.db", tmp_path / "temporal.log")
    temporal.demarrer()
    settings = settings_de_test(tmp_path, url_sqlite, 1, temporal_address=temporal.adresse)
    async with AsyncExitStack() as pile:
        pile.callback(temporal.arreter)
        service = await assembler(settings, pile)
        async with transaction(service.sessions) as session:
            demande = await depots.creer_demande_eir(
                session,
                service.pop.affilie,
                datetime.now(UTC).date(),
                "en_ligne",
                datetime.now(UTC),
                id_workflow_eir,
            )
        superviseur = await service.http("superviseur")
        chemin = f"/processus/{demande.workflow_id}"
        # The request is stored but its process was never started: the engine does not know it.
        assert (await superviseur.get(chemin)).json()["moteur"] == {"statut": "introuvable dans le moteur"}

        temporal.tuer()
        debut = time.monotonic()
        reponse = await superviseur.get(chemin)
        assert reponse.status_code == 200
        assert reponse.json()["moteur"] == {"statut": "moteur indisponible"}
        assert reponse.json()["workflow_id"] == demande.workflow_id
        assert time.monotonic() - debut < 6  # not the client's ~9 s of retries
