"""The engine reached over TLS: the settings' CA, client certificate and key, through a TLS endpoint on this machine
(tests/support/tls.py) in front of the dev server; a client without a certificate is refused."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from temporalio import workflow
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from services.moteur import client_temporal
from settings import Settings
from tests.support.tls import autorite, certificats, mandataire_tls


@workflow.defn(sandboxed=False)
class Echo:
    """A process that keeps what it was given and says it when asked."""

    def __init__(self) -> None:
        self.texte = ""

    @workflow.run
    async def run(self, texte: str) -> str:
        self.texte = texte
        await workflow.wait_condition(lambda: False, timeout=timedelta(minutes=5))
        return texte

    @workflow.query
    def lire(self) -> str:
        return self.texte


def _settings(tmp_path, adresse: str, **tls: Any) -> Settings:
    return Settings(var_dir=tmp_path, temporal_address=adresse, task_queue=f"tls-{uuid.uuid4().hex[:8]}", **tls)


async def test_un_workflow_et_sa_requete_passent_en_mtls_et_un_client_sans_certificat_est_refuse(env_dev, tmp_path):
    certs = certificats(tmp_path / "certs")
    async with mandataire_tls(env_dev.client.service_client.config.target_host, certs) as adresse:
        settings = _settings(
            tmp_path,
            adresse,
            temporal_tls_ca=str(certs.ca),
            temporal_tls_cert=str(certs.client_cert),
            temporal_tls_cle=str(certs.client_cle),
        )
        client = await client_temporal(settings)
        async with Worker(
            client, task_queue=settings.task_queue, workflows=[Echo], workflow_runner=UnsandboxedWorkflowRunner()
        ):
            handle = await client.start_workflow(
                Echo.run, "bonjour", id=f"echo-{uuid.uuid4().hex}", task_queue=settings.task_queue
            )
            assert await handle.query(Echo.lire) == "bonjour"
            await handle.terminate()

        # The same endpoint, without the client's certificate: the handshake fails, the client never connects.
        sans_certificat = _settings(tmp_path, adresse, temporal_tls_ca=str(certs.ca))
        with pytest.raises(RuntimeError, match=r"(?i)connect"):
            await asyncio.wait_for(client_temporal(sans_certificat), 60)

        # A certificate the cluster's authority did not sign is refused too.
        _, _, autre_ca = autorite(tmp_path / "certs", "autre")
        inconnu = _settings(
            tmp_path,
            adresse,
            temporal_tls_ca=str(autre_ca),
            temporal_tls_cert=str(certs.client_cert),
            temporal_tls_cle=str(certs.client_cle),
        )
        with pytest.raises(RuntimeError, match=r"(?i)connect"):
            await asyncio.wait_for(client_temporal(inconnu), 60)


async def test_le_serveur_seul_authentifie_suffit_sans_mtls(env_dev, tmp_path):
    """A cluster that checks no client certificate (an API key instead, as Temporal Cloud): the CA alone."""
    certs = certificats(tmp_path / "certs")
    async with mandataire_tls(env_dev.client.service_client.config.target_host, certs, mtls=False) as adresse:
        for reglages in (
            {"temporal_tls_ca": str(certs.ca)},
            {"temporal_tls_ca": str(certs.ca), "temporal_cle_api": "cle"},
        ):
            client = await client_temporal(_settings(tmp_path, adresse, **reglages))
            assert (await client.workflow_service.get_system_info(GetSystemInfoRequest())).server_version
        assert client.api_key == "cle"
        # Plain gRPC against the TLS endpoint gets nothing.
        with pytest.raises(RuntimeError):
            await asyncio.wait_for(client_temporal(_settings(tmp_path, adresse)), 60)
