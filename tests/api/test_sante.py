"""Readiness for the load balancer: ready while the database and the engine answer; 503 in a few seconds, saying
which component fails, once the engine is gone. Liveness stays 200."""

from __future__ import annotations

import time

from tests.support.service import service_sur_moteur_arretable


async def test_pret_tant_que_base_et_moteur_repondent_puis_503_quand_le_moteur_s_arrete(tmp_path, url_sqlite):
    async with service_sur_moteur_arretable(tmp_path, url_sqlite) as (service, temporal, _):
        anonyme = await service.http(None)
        pret = await anonyme.get("/sante/pret")
        assert pret.status_code == 200
        assert pret.json() == {"statut": "pret", "base_de_donnees": "joignable", "moteur": "joignable"}

        temporal.tuer()
        debut = time.monotonic()
        pas_pret = await anonyme.get("/sante/pret")
        assert pas_pret.status_code == 503
        assert pas_pret.json() == {"statut": "indisponible", "base_de_donnees": "joignable", "moteur": "injoignable"}
        assert time.monotonic() - debut < 8  # the probe answers; it does not hang on the engine
        assert (await anonyme.get("/sante")).status_code == 200  # alive, only not ready
