"""Stopping cleanly (SIGTERM, as an orchestrator stops a process for a release or a move): the worker stops
taking tasks and lets the mail it is sending finish; the API answers the request under way before it exits."""

from __future__ import annotations

import asyncio
import signal
from contextlib import AsyncExitStack

import httpx
import pytest
from sqlmodel import select

from persistence.models import Mail
from tests.support.arret import puits_lent
from tests.support.attente import attendre
from tests.support.environnement import delais_eir_courts, settings_de_test
from tests.support.processus_externes import ApiExterne, WorkerExterne
from tests.support.service import CODE, assembler

pytestmark = pytest.mark.e2e


async def _connexion(http: httpx.AsyncClient, identifiant: str) -> dict[str, str]:
    reponse = await http.post("/auth/jeton", data={"username": identifiant, "password": CODE})
    assert reponse.status_code == 200, reponse.text
    return {"Authorization": f"Bearer {reponse.json()['access_token']}"}


async def test_arretes_par_sigterm_le_worker_finit_son_courriel_et_l_api_sa_requete(env_dev, tmp_path, url_sqlite):
    with puits_lent(tmp_path / "mail", lenteur=3) as (puits, port):
        settings = settings_de_test(
            tmp_path,
            url_sqlite,
            port,
            temporal_address=env_dev.client.service_client.config.target_host,
            **delais_eir_courts(notification=1),
        )
        delais = {"CNRACL_EIR_DELAI_NOTIFICATION_EMPLOYEUR": "PT1S"}
        worker = WorkerExterne(settings, tmp_path / "worker.log", CNRACL_WORKER_ARRET_GRACE="PT20S")
        api = ApiExterne(settings, tmp_path / "api.log", CNRACL_API_ARRET_GRACE="PT60S", **delais)
        async with AsyncExitStack() as pile:
            pile.callback(worker.arreter)
            pile.callback(api.arreter)
            service = await assembler(settings, pile)
            api.lancer()
            worker.demarrer()
            api.ecoute()
            http = await pile.enter_async_context(httpx.AsyncClient(base_url=api.base, timeout=120))
            agent, rh = await _connexion(http, "camille"), await _connexion(http, "rh-commune")
            assert (await http.post("/eir", json={}, headers=agent)).status_code == 201

            # The worker, stopped while the acknowledgement is in the SMTP server's hands, finishes sending it.
            await attendre(puits.en_cours.is_set, delai=60)
            assert worker.processus is not None
            worker.processus.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(worker.processus.wait, 60)
            journal = (tmp_path / "worker.log").read_text()
            assert code == 0, journal[-3000:]
            assert "arrêt demandé" in journal
            assert puits.nombre == 1
            async with service.sessions() as session:
                mails = (await session.exec(select(Mail))).all()
            assert [(m.evenement, m.etat) for m in mails] == [("accuse_reception", "envoye")]

            # The API, stopped while an employer's answer waits for a worker to take it, answers it first.
            worker.demarrer()

            async def tache_ouverte() -> bool:
                return bool((await http.get("/taches", headers=rh)).json())

            await attendre(tache_ouverte, delai=60)
            [tache] = (await http.get("/taches", headers=rh)).json()
            worker.arreter()
            reponse = asyncio.create_task(
                http.post(
                    f"/taches/{tache['id']}/completion",
                    json={"carriere_verifiee": True, "indice_fin_de_carriere": 580},
                    headers=rh,
                )
            )
            await asyncio.sleep(1)  # the request has reached the API (it waits on the engine)
            assert api.processus is not None and not reponse.done()
            api.processus.send_signal(signal.SIGTERM)
            worker.demarrer()

            assert (await reponse).status_code == 200, (await reponse).text
            # uvicorn ends by re-raising the signal it handled: the orchestrator sees a stop by SIGTERM.
            assert await asyncio.to_thread(api.processus.wait, 60) in (0, -signal.SIGTERM)
