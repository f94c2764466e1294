"""The process engine out of reach: every route that talks to it answers 503 in French at once, without retrying
the update, and a request that could not start its process leaves nothing behind."""

from __future__ import annotations

from contextlib import AsyncExitStack

from domain.erreurs import MoteurIndisponible
from tests.support.environnement import port_libre, settings_de_test
from tests.support.service import assembler, service_sur_moteur_arretable


async def test_moteur_jamais_joignable_503_et_rien_d_enregistre(tmp_path, url_sqlite):
    settings = settings_de_test(tmp_path, url_sqlite, 1, temporal_address=f"127.0.0.1:{port_libre()}")
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        agent = await service.http("camille")
        reponse = await agent.post("/eir", json={})
        assert reponse.status_code == 503, reponse.text
        assert reponse.json()["detail"] == MoteurIndisponible.MESSAGE
        # Nothing was stored: the agent simply tries again later.
        assert (await agent.get("/eir")).json() == []


async def test_mise_a_jour_moteur_arrete_503_en_francais(tmp_path, url_sqlite):
    async with service_sur_moteur_arretable(tmp_path, url_sqlite) as (service, temporal, demande):
        agent = await service.http("camille")
        # The engine is up but the process was never started: closed as far as the agent can tell.
        reponse = await agent.post(f"/eir/{demande.id}/ris/validation")
        assert reponse.status_code == 409, reponse.text
        assert reponse.json()["detail"] == "Ce processus est terminé : il n'attend plus de réponse."

        temporal.tuer()
        reponse = await agent.post(f"/eir/{demande.id}/ris/validation")
        assert reponse.status_code == 503, reponse.text
        assert reponse.json()["detail"] == MoteurIndisponible.MESSAGE
