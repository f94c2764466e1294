"""PostgreSQL cuts every connection of the service's database again and again (``pg_terminate_backend``, what
a restart does to its clients) while an EIR runs with its worker in another process: the EIR completes, and
no mail, task or document is lost or doubled. The API's readers retry as a user would (a refused read is
counted, not hidden)."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import AsyncExitStack, suppress
from typing import Any

import asyncpg
import httpx
import pytest
from sqlmodel import select

from persistence.models import Document, Mail, Tache
from tests.support.appels import appel_repete
from tests.support.attente import attendre
from tests.support.environnement import (
    PG_ADMIN,
    base_postgres_migree,
    delais_eir_courts,
    settings_sur,
    supprimer_base_postgres,
    url_postgres,
)
from tests.support.fabriques import AGENT, EMPLOYEUR
from tests.support.service import service_et_worker_externe

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


async def _couper(nom: str, arret: asyncio.Event, coupures: list[int]) -> None:
    connexion = await asyncpg.connect(PG_ADMIN)
    try:
        while not arret.is_set():
            coupees = await connexion.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                nom,
            )
            coupures.append(coupees)
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(arret.wait(), 1.5)
    finally:
        await connexion.close()


async def test_connexions_postgresql_coupees_pendant_un_eir(env_dev, tmp_path, boite_mail):
    nom = await base_postgres_migree()
    url = url_postgres(nom)
    settings = settings_sur(env_dev, tmp_path, url, boite_mail.port, **delais_eir_courts(notification=2, enquete=4))
    arret, coupures, refus = asyncio.Event(), [], Counter[str]()
    async with AsyncExitStack() as pile:
        pile.push_async_callback(supprimer_base_postgres, nom)
        service, worker = await pile.enter_async_context(service_et_worker_externe(settings, tmp_path / "worker.log"))
        agent, rh = await service.http("camille"), await service.http("rh-commune")
        worker.demarrer()

        async def appel(client: httpx.AsyncClient, methode: str, chemin: str, **options: Any) -> httpx.Response:
            return await appel_repete(client, methode, chemin, refus, 20, **options)

        demande_id = (await appel(agent, "POST", "/eir", json={})).json()["id"]
        coupeur = asyncio.create_task(_couper(nom, arret, coupures))
        pile.push_async_callback(lambda: coupeur)
        pile.callback(arret.set)
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1, delai=90)
        tache = (await appel(rh, "GET", "/taches")).json()[0]
        prise = "bien été prise en compte"
        reponse = await appel_repete(
            rh,
            "POST",
            f"/taches/{tache['id']}/completion",
            refus,
            sauf=prise,
            json={"carriere_verifiee": True, "indice_fin_de_carriere": 580},
        )
        # Refused (5xx) before the process took it, the answer is sent again; once taken, the employer is never told
        # to send it again: the task comes back, or, with the database cut at that instant, the answer is said taken
        # (the EIR's next state below shows it was).
        assert reponse.status_code == 200 or (reponse.status_code == 503 and prise in reponse.text), reponse.text

        async def etat(attendu: str):
            return (await appel(agent, "GET", f"/eir/{demande_id}")).json()["etat"] == attendu

        await attendre(lambda: etat("ris_disponible"), delai=90)
        assert (await appel(agent, "POST", f"/eir/{demande_id}/ris/validation")).status_code == 200
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 5, delai=90)  # bilan, then the survey mail
        await attendre(lambda: etat("enquete_envoyee"), delai=60)
        arret.set()
        await coupeur
        reponse = await appel(agent, "POST", f"/eir/{demande_id}/enquete", json={"reponses": [4, 4, 4, 4, 4]})
        assert reponse.status_code == 200 and reponse.json()["etat"] == "close"

        assert sum(coupures) > 0, "aucune connexion coupée : le test ne prouve rien"
        sujets = boite_mail.sujets()
        assert len(sujets) == 6 and len(set(sujets)) == 6, sujets
        async with service.sessions() as session:
            mails = (await session.exec(select(Mail))).all()
            taches = (await session.exec(select(Tache))).all()
            documents = (await session.exec(select(Document.type))).all()
        assert len(mails) == 6 and {m.etat for m in mails} == {"envoye"}
        assert len(taches) == 1 and sorted(documents) == ["bilan", "ris"]
    print(
        f"connexions coupées : {sum(coupures)} en {len(coupures)} coupures ; appels refusés puis repris : {dict(refus)}"
    )
