"""A private PostgreSQL server holding the service's data is stopped and restarted again and again (a clean
stop, a crash recovered at the next start, and every connection cut while the server stays up) while an EIR
runs with its worker in another process: the EIR completes, and no mail, task, document or CIR line is lost
or doubled. A user whose call is refused while the server is down calls again a moment later (each refusal
is counted)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from typing import Any

import asyncpg
import httpx
import pytest
from sqlmodel import select

from persistence.migrations import migrer_async
from persistence.models import Document, LigneCirTable, Mail, Tache
from tests.support.appels import appel_repete
from tests.support.attente import attendre
from tests.support.environnement import delais_eir_courts, settings_sur
from tests.support.fabriques import AGENT, EMPLOYEUR
from tests.support.service import service_et_worker_externe

pytestmark = pytest.mark.e2e
ARRET = 4.0  # seconds without a database at each stop
MARCHE = 4.0  # seconds of service between two faults


async def _couper_connexions(serveur) -> int:
    """What a restart does to the clients, without the wait: ``pg_terminate_backend`` on every other session."""
    connexion = await asyncpg.connect(serveur.url.replace("+asyncpg", ""))
    try:
        return await connexion.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
    finally:
        await connexion.close()


async def _redemarrer(serveur, arret: asyncio.Event, arrets: list[tuple[str, float]]) -> None:
    """Until told to end: a clean stop, every connection cut, a crash, every connection cut, and again."""
    modes = ("fast", "coupure", "immediate", "coupure")
    while not arret.is_set():
        mode = modes[len(arrets) % len(modes)]
        debut = time.monotonic()
        if mode == "coupure":
            arrets.append((f"coupure de {await _couper_connexions(serveur)} connexions", 0.0))
        else:
            await asyncio.to_thread(serveur.arreter, mode)
            await asyncio.sleep(ARRET)
            await asyncio.to_thread(serveur.demarrer)
            arrets.append((mode, time.monotonic() - debut))
        with contextlib.suppress(asyncio.TimeoutError):  # service for MARCHE seconds, unless told to end
            await asyncio.wait_for(arret.wait(), MARCHE)


async def test_postgresql_arrete_et_relance_pendant_un_eir(env_dev, tmp_path, boite_mail, postgresql_prive):
    url = postgresql_prive.url
    await migrer_async(url)
    settings = settings_sur(env_dev, tmp_path, url, boite_mail.port, **delais_eir_courts(notification=2, enquete=4))
    arret, arrets, refus = asyncio.Event(), [], Counter[str]()
    async with service_et_worker_externe(settings, tmp_path / "worker.log") as (service, worker):
        pile = service.pile
        agent, rh = await service.http("camille"), await service.http("rh-commune")
        async with service.sessions() as session:
            cir_avant = len((await session.exec(select(LigneCirTable))).all())
        worker.demarrer()

        async def appel(client: httpx.AsyncClient, methode: str, chemin: str, **options: Any) -> httpx.Response:
            return await appel_repete(client, methode, chemin, refus, 60, **options)

        coupeur = asyncio.create_task(_redemarrer(postgresql_prive, arret, arrets))
        pile.push_async_callback(lambda: coupeur)
        pile.callback(arret.set)
        demande_id = (await appel(agent, "POST", "/eir", json={})).json()["id"]
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1, delai=120)
        tache = (await appel(rh, "GET", "/taches")).json()[0]
        reponse = await appel(
            rh,
            "POST",
            f"/taches/{tache['id']}/completion",
            json={
                "carriere_verifiee": True,
                "indice_fin_de_carriere": 580,
                "corrections": [
                    {"date_debut": "1993-01-01", "date_fin": "1993-12-31", "nature": "non_titulaire_valide"}
                ],
            },
        )
        assert reponse.status_code == 200, reponse.text

        async def etat(attendu: str):
            return (await appel(agent, "GET", f"/eir/{demande_id}")).json()["etat"] == attendu

        await attendre(lambda: etat("ris_disponible"), delai=120)
        # On a fast machine the steps so far may fit between two faults: the agent answers once three faults
        # have happened, the bilan, the mails and the survey following while the faults go on.
        await attendre(lambda: len(arrets) >= 3, delai=60)
        assert (await appel(agent, "POST", f"/eir/{demande_id}/ris/validation")).status_code == 200
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 5, delai=120)  # bilan, then the survey mail
        await attendre(lambda: etat("enquete_envoyee"), delai=60)
        arret.set()
        await coupeur
        reponse = await appel(agent, "POST", f"/eir/{demande_id}/enquete", json={"reponses": [4, 4, 4, 4, 4]})
        assert reponse.status_code == 200 and reponse.json()["etat"] == "close"

        assert len(arrets) >= 3, f"{len(arrets)} pannes seulement : le test ne prouve rien"
        recus = Counter(str(m["Message-ID"]) for m in boite_mail.messages)
        assert len(recus) == 6 and set(recus.values()) == {1}, recus
        async with service.sessions() as session:
            mails = (await session.exec(select(Mail))).all()
            taches = (await session.exec(select(Tache))).all()
            documents = (await session.exec(select(Document.type))).all()
            cir = (await session.exec(select(LigneCirTable))).all()
        assert {m.message_id for m in mails} == set(recus) and {m.etat for m in mails} == {"envoye"}
        assert len(taches) == 1 and taches[0].etat == "terminee"
        assert sorted(documents) == ["bilan", "ris"]
        corrigees = [
            ligne
            for ligne in cir
            if ligne.affilie_id == service.pop.affilie.id and ligne.date_debut.isoformat() == "1993-01-01"
        ]
        assert len(cir) == cir_avant + 1 and len(corrigees) == 1  # the 1993 contract, added once
        assert corrigees[0].nature == "non_titulaire_valide"
    echecs = (tmp_path / "worker.log").read_text(errors="replace").count("Completing activity as failed")
    print(
        f"arrêts de PostgreSQL : {[(m, round(d, 1)) for m, d in arrets]} ; activités échouées puis réessayées : "
        f"{echecs} ; appels refusés puis repris : {dict(refus)}"
    )
