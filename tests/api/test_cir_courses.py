"""Races on one agent's CIR end in one success (issue 22): the check and the write hold the agent's lock
(PostgreSQL: the affiliate's row FOR UPDATE; SQLite: its single writer taken first), so parallel writers of one
period, or of overlapping periods, never both get in — the others answer in French, never 500."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import AsyncExitStack
from datetime import date

import httpx
import pytest

from tests.support.cir import infractions_du_cir
from tests.support.environnement import settings_de_test
from tests.support.service import Service, assembler

PARALLELES = 20


@pytest.fixture
async def service(tmp_path, url_base):
    settings = settings_de_test(tmp_path, url_base, 1, temporal_address="127.0.0.1:1")
    async with AsyncExitStack() as pile:
        yield await assembler(settings, pile)


async def _annee_liberee(service: Service) -> tuple[httpx.AsyncClient, str, int]:
    """Léa's CIR with last year's line deleted: a year where a new period fits."""
    rh = await service.http("rh-commune")
    nir = service.pop.jeune.nir
    annee = date.today().year - 1
    reponse = await rh.delete(f"/affilies/{nir}/cir/{annee}/{annee}-01-01", params={"motif": "ressaisie"})
    assert reponse.status_code == 204, reponse.text
    return rh, nir, annee


async def _lignes(rh, nir: str, annee: int) -> list[dict]:
    return [ligne for ligne in (await rh.get(f"/affilies/{nir}/cir")).json() if ligne["annee"] == annee]


async def test_vingt_put_paralleles_d_une_nouvelle_periode_un_seul_reussit(service: Service):
    rh, nir, annee = await _annee_liberee(service)
    ligne = {"date_debut": f"{annee}-01-01", "date_fin": f"{annee}-12-31", "quotite": 80, "indice_majore": 450}
    reponses = await asyncio.gather(*(rh.put(f"/affilies/{nir}/cir/{annee}", json=ligne) for _ in range(PARALLELES)))
    assert Counter(r.status_code for r in reponses) == {200: 1, 409: PARALLELES - 1}
    for refus in (r for r in reponses if r.status_code == 409):
        assert refus.json()["erreurs"][0]["regle"] == "deja_enregistree"
        assert "déjà au CIR, à l'identique" in refus.json()["detail"]
    assert [(x["date_debut"], x["quotite"]) for x in await _lignes(rh, nir, annee)] == [(f"{annee}-01-01", 80)]


async def test_vingt_put_paralleles_de_periodes_qui_se_chevauchent_un_seul_reussit(service: Service):
    rh, nir, annee = await _annee_liberee(service)
    lignes = [
        {"date_debut": date(annee, 1, 1 + i).isoformat(), "date_fin": f"{annee}-12-31", "quotite": 100}
        for i in range(PARALLELES)
    ]
    reponses = await asyncio.gather(*(rh.put(f"/affilies/{nir}/cir/{annee}", json=ligne) for ligne in lignes))
    assert Counter(r.status_code for r in reponses) == {200: 1, 422: PARALLELES - 1}
    for refus in (r for r in reponses if r.status_code == 422):
        assert [e["regle"] for e in refus.json()["erreurs"]] == ["chevauchement"]
        assert "chevauche celle du" in refus.json()["detail"]
    assert len(await _lignes(rh, nir, annee)) == 1
    assert await infractions_du_cir(service.sessions) == []


async def test_suppressions_et_corrections_paralleles_d_une_meme_periode(service: Service):
    """20 parallel corrections of one line (each naming it in ``remplace``) and deletions of it: the line is
    corrected or deleted once, the others find it gone (422 or 404), never two lines."""
    rh = await service.http("rh-commune")
    superviseur = await service.http("superviseur")
    nir = service.pop.jeune.nir
    annee = date.today().year - 1
    corrections = [
        rh.put(
            f"/affilies/{nir}/cir/{annee}",
            json={
                "date_debut": date(annee, 2, 1 + i).isoformat(),
                "date_fin": f"{annee}-12-31",
                "remplace": f"{annee}-01-01",
            },
        )
        for i in range(PARALLELES // 2)
    ]
    suppressions = [
        superviseur.delete(f"/affilies/{nir}/cir/{annee}/{annee}-01-01", params={"motif": "doublon"})
        for _ in range(PARALLELES // 2)
    ]
    reponses = await asyncio.gather(*corrections, *suppressions)
    statuts = Counter(r.status_code for r in reponses)
    assert statuts[200] + statuts[204] == 1, statuts
    assert set(statuts) <= {200, 204, 404, 422}, statuts
    assert len(await _lignes(rh, nir, annee)) == statuts[200]
    assert await infractions_du_cir(service.sessions) == []
