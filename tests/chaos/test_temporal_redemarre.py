"""The Temporal server (dev server persisted to its file) is killed (SIGKILL) in the middle of an EIR, twice,
and restarted on the same file: the EIR completes, and no mail, task or document is lost or doubled."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
from sqlmodel import func, select

from persistence.models import Document, Tache
from tests.support.attente import attendre
from tests.support.environnement import delais_eir_courts, settings_de_test
from tests.support.fabriques import AGENT, EMPLOYEUR
from tests.support.parcours_eir import mails_envoyes, repondre_a_l_enquete, valider_le_ris
from tests.support.processus_externes import ServeurTemporal
from tests.support.service import service_et_worker_externe

pytestmark = pytest.mark.e2e


async def test_serveur_temporal_tue_puis_relance(tmp_path, boite_mail, url_sqlite):
    temporal = ServeurTemporal(tmp_path / "temporal.db", tmp_path / "temporal.log")
    temporal.demarrer()
    settings = settings_de_test(
        tmp_path,
        url_sqlite,
        boite_mail.port,
        temporal_address=temporal.adresse,
        **delais_eir_courts(notification=2, enquete=8),
    )
    async with AsyncExitStack() as pile:
        pile.callback(temporal.arreter)
        service, worker = await pile.enter_async_context(service_et_worker_externe(settings, tmp_path / "worker.log"))
        agent, rh = await service.http("camille"), await service.http("rh-commune")
        worker.demarrer()
        demande_id = (await agent.post("/eir", json={})).json()["id"]
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1, delai=60)
        await mails_envoyes(service, len(boite_mail.sujets()))

        temporal.tuer()  # while the EIR waits for the employer
        temporal.demarrer()
        tache = (await rh.get("/taches")).json()[0]  # read from the database: no engine needed

        async def completer():
            reponse = await rh.post(
                f"/taches/{tache['id']}/completion", json={"carriere_verifiee": True, "indice_fin_de_carriere": 580}
            )
            return reponse.status_code == 200

        await attendre(completer, delai=60)  # the API's client reconnects to the restarted server
        await valider_le_ris(service, agent, demande_id, boite_mail)

        temporal.tuer()  # while the survey timer runs: the timer is in the server's file
        temporal.demarrer()
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 5, delai=90)
        await repondre_a_l_enquete(service, agent, demande_id, boite_mail)
        async with service.sessions() as session:
            taches = (await session.exec(select(func.count()).select_from(Tache))).one()
            documents = (await session.exec(select(Document.type))).all()
        assert taches == 1
        assert sorted(documents) == ["bilan", "ris"]
