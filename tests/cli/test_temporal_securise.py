"""A ``cnracl`` command on a secured engine: the same client factory as the API and the worker (TLS, client
certificate, encrypted payloads), configured by the environment as an operator would."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from temporalio.api.workflowservice.v1 import DescribeScheduleRequest
from temporalio.client import Client

from domain.campagne import SCHEDULE_CAMPAGNE
from services.codec import CLE, ENCODAGE, cle_aleatoire
from tests.support.environnement import BIN
from tests.support.processus_externes import ServeurTemporal
from tests.support.tls import certificats, mandataire_tls


async def _cnracl(env: dict[str, str], *arguments: str) -> tuple[int, str]:
    processus = await asyncio.create_subprocess_exec(
        str(BIN / "cnracl"),
        *arguments,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    sortie, _ = await asyncio.wait_for(processus.communicate(), 180)
    assert processus.returncode is not None
    return processus.returncode, sortie.decode()


async def test_la_planification_passe_en_mtls_et_son_entree_est_chiffree(tmp_path: Path):
    temporal = ServeurTemporal(tmp_path / "temporal.db", tmp_path / "temporal.log")
    temporal.demarrer()
    try:
        certs = certificats(tmp_path / "certs")
        async with mandataire_tls(temporal.adresse, certs) as adresse:
            env = {
                **os.environ,
                "CNRACL_VAR_DIR": str(tmp_path / "var"),
                "CNRACL_TEMPORAL_ADDRESS": adresse,
                "CNRACL_TEMPORAL_TLS_CA": str(certs.ca),
                "CNRACL_CODEC_CLES": f"2026:{cle_aleatoire()}",
            }
            # Without the client's certificate the engine is out of reach: said in French, no traceback.
            code, sortie = await _cnracl(env, "campagne", "planifier")
            assert code == 2 and "moteur des processus est momentanément indisponible" in sortie, sortie
            assert "Traceback" not in sortie
            env |= {
                "CNRACL_TEMPORAL_TLS_CERT": str(certs.client_cert),
                "CNRACL_TEMPORAL_TLS_CLE": str(certs.client_cle),
            }
            code, sortie = await _cnracl(env, "campagne", "planifier")
            assert code == 0 and "Planification créée" in sortie, sortie

        # The engine keeps the Schedule's input encrypted with the key named in its metadata.
        client = await Client.connect(temporal.adresse)
        decrite = await client.workflow_service.describe_schedule(
            DescribeScheduleRequest(namespace="default", schedule_id=SCHEDULE_CAMPAGNE)
        )
        [entree] = decrite.schedule.action.start_workflow.input.payloads
        assert (entree.metadata["encoding"], entree.metadata[CLE]) == (ENCODAGE, b"2026")
    finally:
        temporal.arreter()
