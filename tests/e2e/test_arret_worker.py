"""The worker process is killed (SIGKILL) in the middle of an EIR, twice, and restarted:
the EIR completes and no mail is sent twice."""

from __future__ import annotations

import pytest

from tests.support.attente import attendre
from tests.support.environnement import delais_eir_courts, settings_sur
from tests.support.fabriques import AGENT, EMPLOYEUR
from tests.support.parcours_eir import mails_envoyes, repondre_a_l_enquete, valider_le_ris
from tests.support.service import service_et_worker_externe

pytestmark = pytest.mark.e2e


async def test_worker_tue_puis_relance(env_dev, tmp_path, boite_mail, url_sqlite):
    settings = settings_sur(
        env_dev, tmp_path, url_sqlite, boite_mail.port, **delais_eir_courts(notification=2, enquete=4)
    )
    async with service_et_worker_externe(settings, tmp_path / "worker.log") as (service, worker):
        agent, rh = await service.http("camille"), await service.http("rh-commune")
        worker.demarrer()
        demande_id = (await agent.post("/eir", json={})).json()["id"]
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1, delai=60)
        await mails_envoyes(service, len(boite_mail.sujets()))

        worker.tuer()  # while the EIR waits for the employer
        worker.demarrer()
        tache = (await rh.get("/taches")).json()[0]
        reponse = await rh.post(
            f"/taches/{tache['id']}/completion", json={"carriere_verifiee": True, "indice_fin_de_carriere": 580}
        )
        assert reponse.status_code == 200, reponse.text
        await valider_le_ris(service, agent, demande_id, boite_mail)

        worker.tuer()  # while the survey delay runs
        worker.demarrer()
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 5, delai=60)
        await repondre_a_l_enquete(service, agent, demande_id, boite_mail)
