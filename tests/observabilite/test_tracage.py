"""``CNRACL_TRACAGE_OTEL``: OpenTelemetry spans for starting an EIR, running it and its activities."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from observabilite.tracage import intercepteurs
from tests.support.attente import attendre
from tests.support.environnement import delais_eir_courts, settings_de_test
from tests.support.fabriques import EMPLOYEUR
from tests.support.service import assembler
from worker import creer_worker
from workflows.client import connecter

pytestmark = pytest.mark.e2e


async def test_tracage_opentelemetry(env_dev, tmp_path, boite_mail, url_sqlite):
    exportateur = InMemorySpanExporter()
    fournisseur = trace.get_tracer_provider()
    if not isinstance(fournisseur, TracerProvider):
        fournisseur = TracerProvider()
        trace.set_tracer_provider(fournisseur)
    fournisseur.add_span_processor(SimpleSpanProcessor(exportateur))
    adresse = env_dev.client.service_client.config.target_host
    settings = settings_de_test(
        tmp_path, url_sqlite, boite_mail.port, tracage_otel=True, temporal_address=adresse, **delais_eir_courts()
    )
    assert intercepteurs(False) == []
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)  # the API connects its client with the setting: traced
        client_worker = await connecter(adresse, tracage=settings.tracage_otel)
        await pile.enter_async_context(creer_worker(client_worker, settings, service.sessions))
        agent = await service.http("camille")
        assert (await agent.post("/eir", json={})).status_code == 201
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1)
    spans = exportateur.get_finished_spans()
    noms = {span.name for span in spans}
    assert {"StartWorkflow:EirWorkflow", "RunWorkflow:EirWorkflow", "RunActivity:tache_ouvrir"} <= noms, noms
    depart = next(s for s in spans if s.name == "StartWorkflow:EirWorkflow")
    execution = next(s for s in spans if s.name == "RunWorkflow:EirWorkflow")
    assert execution.context.trace_id == depart.context.trace_id  # one trace from the API call to the workflow
