"""A process's detail when the engine goes away: the history from the database at once, the engine's part
marked unavailable within a few seconds (a read holds one of its API process's places meanwhile)."""

from __future__ import annotations

import time

from tests.support.service import service_sur_moteur_arretable


async def test_detail_d_un_processus_quand_le_moteur_s_arrete(tmp_path, url_sqlite):
    async with service_sur_moteur_arretable(tmp_path, url_sqlite) as (service, temporal, demande):
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
