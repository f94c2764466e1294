"""Races on a rectification (issue 22): the same request sent 20 times at once by one agent (a double click, a
retrying client) stores one request and starts one process; the others answer 409 in French, never 500."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest
from sqlmodel import select

from persistence.models import Evenement, RectificationTable
from tests.support.environnement import settings_de_test
from tests.support.service import assembler

PARALLELES = 20


@pytest.fixture
async def service(env_dev, tmp_path, url_base):
    # The dev server starts the processes; no worker runs them: the race is over once they are started.
    adresse = env_dev.client.service_client.config.target_host
    settings = settings_de_test(tmp_path, url_base, 1, temporal_address=adresse, db_pool=PARALLELES)
    async with AsyncExitStack() as pile:
        yield await assembler(settings, pile)


async def test_vingt_demandes_identiques_en_parallele(service, env_dev):
    camille = await service.http("camille")
    demande = {
        "type_document": "ris",
        "annee_document": 2026,
        "motif": "Temps partiel non repris",
        "periode_debut": "2005-01-01",
        "periode_fin": "2005-12-31",
    }
    reponses = await asyncio.gather(*(camille.post("/rectifications", json=demande) for _ in range(PARALLELES)))

    statuts = sorted(r.status_code for r in reponses)
    assert statuts == [201] + [409] * (PARALLELES - 1), [r.text for r in reponses if r.status_code not in (201, 409)]
    [creee] = [r.json() for r in reponses if r.status_code == 201]
    for refus in (r for r in reponses if r.status_code == 409):
        assert refus.json()["detail"].startswith(
            "Une demande de rectification est déjà en cours pour cette période (du 01/01/2005 au 31/12/2005) : "
            f"{creee['reference']}."
        )
    async with service.sessions() as session:
        stockees = (await session.exec(select(RectificationTable))).all()
        evenements = (await session.exec(select(Evenement).where(Evenement.type == "rectification_demandee"))).all()
    assert [r.workflow_id for r in stockees] == [creee["workflow_id"]] and len(evenements) == 1
    description = await env_dev.client.get_workflow_handle(creee["workflow_id"]).describe()
    assert description.workflow_type == "RectificationWorkflow"

    # Once the request is known, sending it again is still one conflict; another period is another request.
    assert (await camille.post("/rectifications", json=demande)).status_code == 409
    autre = await camille.post(
        "/rectifications", json=demande | {"periode_debut": "2006-01-01", "periode_fin": "2006-12-31"}
    )
    assert autre.status_code == 201, autre.text
    assert autre.json()["workflow_id"] != creee["workflow_id"]


async def test_des_periodes_differentes_en_parallele_sont_toutes_enregistrees(service):
    # They all read the same count of the agent's requests: the numbers collide and are taken again, no 409.
    camille = await service.http("camille")
    demandes = [
        {
            "type_document": "ris",
            "annee_document": 2026,
            "motif": "Temps partiel non repris",
            "periode_debut": f"{annee}-01-01",
            "periode_fin": f"{annee}-12-31",
        }
        for annee in range(2001, 2006)
    ]
    reponses = await asyncio.gather(*(camille.post("/rectifications", json=demande) for demande in demandes))
    assert [r.status_code for r in reponses] == [201] * len(demandes), [r.text for r in reponses]
    assert len({r.json()["workflow_id"] for r in reponses}) == len(demandes)
