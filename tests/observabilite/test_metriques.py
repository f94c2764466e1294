"""``GET /metrics`` after real work (an EIR waiting for its employer, a calculation, mails sent): the expected
series with their values, refused to anyone but a supervisor or the scraper; the worker's runtime serving the
Temporal SDK's metrics and the activities' calculation counter."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from observabilite.metriques import runtime_temporal
from tests.support.attente import attendre
from tests.support.environnement import delais_eir_courts, port_libre, settings_de_test, settings_sur
from tests.support.fabriques import AGENT, EMPLOYEUR
from tests.support.observabilite import CAS, series, valeur
from tests.support.parcours_eir import eir_jusqu_au_bilan
from tests.support.service import Service, assembler, service_et_worker
from worker import creer_worker
from workflows.client import connecter

pytestmark = pytest.mark.e2e


async def test_metriques_du_service_apres_une_tache_et_des_mails(env_dev, tmp_path, boite_mail, url_sqlite):
    settings = settings_sur(
        env_dev,
        tmp_path,
        url_sqlite,
        boite_mail.port,
        metriques_jeton="jeton-du-collecteur-" + "y" * 20,
        **delais_eir_courts(),
    )
    async with service_et_worker(env_dev, settings) as service:
        pile = service.pile
        agent, rh, superviseur = (
            await service.http("camille"),
            await service.http("rh-commune"),
            await service.http("superviseur"),
        )
        racine = httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app), base_url="http://test")
        await pile.enter_async_context(racine)

        anonyme = await racine.get("/metrics")
        assert anonyme.status_code == 401 and "cnracl_" not in anonyme.text
        assert (
            await racine.get("/metrics", headers={"Authorization": agent.headers["Authorization"]})
        ).status_code == 401
        assert (await racine.get("/metrics", headers={"Authorization": rh.headers["Authorization"]})).status_code == 401
        assert (await racine.get("/metrics", headers={"Authorization": "Bearer mauvais"})).status_code == 401

        assert (await agent.post("/eir", json={})).status_code == 201
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1)
        # The calculation counter belongs to the process (other tests may have counted before): its increase.
        avant = await racine.get("/metrics", headers={"Authorization": superviseur.headers["Authorization"]})
        calculs_avant = valeur(avant.text, "cnracl_calculs_total", origine="api") or 0
        assert (await rh.post("/simulations", json=CAS)).status_code == 200
        assert (await rh.post("/simulations", json=CAS)).status_code == 200

        reponse = await racine.get("/metrics", headers={"Authorization": superviseur.headers["Authorization"]})
        assert reponse.status_code == 200 and reponse.headers["content-type"].startswith("text/plain")
        exposition = reponse.text
        # The EIR waits for its employer: one open task of that kind, not yet overdue.
        assert (
            valeur(exposition, "cnracl_taches_ouvertes", type="verification_carriere_eir", destinataire="employeur")
            == 1
        )
        assert valeur(exposition, "cnracl_taches_en_retard", type="verification_carriere_eir") is None
        assert valeur(exposition, "cnracl_processus", type="eir", etat="verification_employeur") == 1
        # Mails: acknowledgement and contact-your-employer to the agent, notification to the employer.
        assert valeur(exposition, "cnracl_mails", etat="envoye") == len(boite_mail.messages) == 3
        assert valeur(exposition, "cnracl_mails", etat="a_envoyer") is None
        assert valeur(exposition, "cnracl_mails_en_souffrance") == 0
        assert valeur(exposition, "cnracl_calculs_total", origine="api") == calculs_avant + 2

        collecteur = await racine.get("/metrics", headers={"Authorization": f"Bearer {settings.metriques_jeton}"})
        assert collecteur.status_code == 200
        assert valeur(collecteur.text, "cnracl_taches_ouvertes", type="verification_carriere_eir") == 1
        pop = service.pop
        assert pop.affilie.nir not in collecteur.text and pop.affilie.nom not in collecteur.text


async def test_sans_jeton_de_collecteur_seul_un_superviseur_lit_les_metriques(
    env_dev, tmp_path, boite_mail, url_sqlite
):
    settings = settings_de_test(
        tmp_path, url_sqlite, boite_mail.port, temporal_address=env_dev.client.service_client.config.target_host
    )
    assert settings.metriques_jeton == ""
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        superviseur = await service.http("superviseur")
        racine = httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app), base_url="http://test")
        await pile.enter_async_context(racine)
        assert (await racine.get("/metrics", headers={"Authorization": "Bearer "})).status_code == 401
        assert (
            await racine.get("/metrics", headers={"Authorization": superviseur.headers["Authorization"]})
        ).status_code == 200


async def test_le_worker_sert_les_metriques_du_sdk_et_ses_calculs(env_dev, tmp_path, boite_mail, url_sqlite):
    """``CNRACL_WORKER_METRIQUES``: the worker's runtime serves the SDK's metrics (polls, task latencies) and
    the calculations done by its activities (the bilan of an EIR)."""
    async with AsyncExitStack() as pile:
        service, port = await _worker_et_ses_metriques(pile, env_dev, tmp_path, url_sqlite, boite_mail.port)
        settings = service.settings
        agent, rh = await service.http("camille"), await service.http("rh-commune")
        await eir_jusqu_au_bilan(agent, rh, boite_mail)
        assert len(boite_mail.pour(AGENT)) == 4
        async with httpx.AsyncClient() as http:
            exposition = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    noms = {nom for nom, _, _ in series(exposition)}
    assert any(n.startswith("temporal_activity_execution_latency") for n in noms), sorted(noms)
    assert any(n.startswith("temporal_workflow_task_execution_latency") for n in noms), sorted(noms)
    assert (
        valeur(
            exposition,
            "cnracl_calculs_total",
            origine="bilan",
            activity_type="eir_calculer_bilan",
            task_queue=settings.task_queue,
        )
        == 1
    ), [s for s in series(exposition) if "calcul" in s[0]]
    assert runtime_temporal("") is None


async def test_smtp_injoignable_mail_en_attente_et_echecs_comptes(env_dev, tmp_path, url_sqlite):
    """No SMTP relay: the acknowledgement waits in the outbox (``cnracl_mails{etat="a_envoyer"}``) and each
    refused attempt of the activity is counted by the worker (``cnracl_mails_echecs``)."""
    async with AsyncExitStack() as pile:
        service, port = await _worker_et_ses_metriques(pile, env_dev, tmp_path, url_sqlite, port_libre())
        agent, superviseur = await service.http("camille"), await service.http("superviseur")
        assert (await agent.post("/eir", json={})).status_code == 201
        http = httpx.AsyncClient()
        await pile.enter_async_context(http)

        async def deux_echecs() -> bool:  # the first attempt and one retry
            exposition = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            return (valeur(exposition, "cnracl_mails_echecs_total", origine="processus") or 0) >= 2

        await attendre(deux_echecs, delai=30)
        racine = httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app), base_url="http://test")
        await pile.enter_async_context(racine)
        exposition = (
            await racine.get("/metrics", headers={"Authorization": superviseur.headers["Authorization"]})
        ).text
        assert valeur(exposition, "cnracl_mails", etat="a_envoyer") == 1
        assert valeur(exposition, "cnracl_mails", etat="envoye") is None
        assert valeur(exposition, "cnracl_mails_en_souffrance") == 0  # not yet five minutes


async def _worker_et_ses_metriques(
    pile: AsyncExitStack, env_dev: WorkflowEnvironment, tmp_path: Path, url: str, port_smtp: int
) -> tuple[Service, int]:
    """The service and a worker whose runtime serves its metrics on a free port (returned)."""
    port = port_libre()
    adresse = env_dev.client.service_client.config.target_host
    settings = settings_de_test(
        tmp_path, url, port_smtp, temporal_address=adresse, worker_metriques=f"127.0.0.1:{port}", **delais_eir_courts()
    )
    service = await assembler(settings, pile)
    client = await connecter(adresse, runtime=runtime_temporal(settings.worker_metriques))
    await pile.enter_async_context(creer_worker(client, settings, service.sessions))
    return service, port
