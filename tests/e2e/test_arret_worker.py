"""The worker process is killed (SIGKILL) in the middle of an EIR, twice, and restarted:
the EIR completes and no mail is sent twice."""

from __future__ import annotations

import os
import signal
import subprocess
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from persistence.models import Mail
from tests.conftest import BIN, settings_de_test
from tests.service import assembler
from tests.workflows.test_eir_workflow import AGENT, EMPLOYEUR, attendre

pytestmark = pytest.mark.e2e


class WorkerExterne:
    """``cnracl worker`` in its own process, configured through the environment as in production."""

    def __init__(self, settings, journal: Path) -> None:
        self.env = {
            **os.environ,
            "CNRACL_DATABASE_URL": settings.database_url,
            "CNRACL_TEMPORAL_ADDRESS": settings.temporal_address,
            "CNRACL_SMTP_HOST": settings.smtp_host,
            "CNRACL_SMTP_PORT": str(settings.smtp_port),
            "CNRACL_TASK_QUEUE": settings.task_queue,
            "CNRACL_VAR_DIR": str(settings.var_dir),
        }
        self.journal = journal
        self.processus: subprocess.Popen | None = None

    def demarrer(self) -> None:
        with open(self.journal, "ab") as sortie:
            self.processus = subprocess.Popen(
                [str(BIN / "cnracl"), "worker"], env=self.env, stdout=sortie, stderr=subprocess.STDOUT
            )

    def tuer(self) -> None:
        assert self.processus is not None
        self.processus.send_signal(signal.SIGKILL)
        self.processus.wait(timeout=10)

    def arreter(self) -> None:
        if self.processus and self.processus.poll() is None:
            self.processus.terminate()
            self.processus.wait(timeout=10)


async def mails_envoyes(service, nombre: int) -> None:
    """Wait until the outbox records ``nombre`` mails as sent. The worker is killed while the process waits for
    a person, not in the instant between the relay's acceptance of a mail and the outbox's record of it: a
    kill there is the one case where a mail leaves twice (same Message-ID: docs/fiabilite.md)."""

    async def envoyes():
        async with service.sessions() as session:
            return len((await session.exec(select(Mail).where(Mail.etat == "envoye"))).all()) >= nombre

    await attendre(envoyes, delai=60)


async def valider_le_ris(service, agent, demande_id: int, boite_mail) -> None:
    """Once the RIS is out, the agent validates it; wait for the bilan's mail and its record in the outbox."""

    async def ris_disponible():
        return (await agent.get(f"/eir/{demande_id}")).json()["etat"] == "ris_disponible"

    await attendre(ris_disponible, delai=60)
    assert (await agent.post(f"/eir/{demande_id}/ris/validation")).status_code == 200
    await attendre(lambda: len(boite_mail.pour(AGENT)) == 4, delai=60)  # the bilan mail
    await mails_envoyes(service, len(boite_mail.sujets()))


async def repondre_a_l_enquete(service, agent, demande_id: int, boite_mail) -> None:
    """The agent answers the survey: the EIR closes, its six mails each arrived once and are recorded sent."""

    async def enquete_ouverte():
        return (await agent.get(f"/eir/{demande_id}")).json()["etat"] == "enquete_envoyee"

    await attendre(enquete_ouverte, delai=30)
    reponse = await agent.post(f"/eir/{demande_id}/enquete", json={"reponses": [3, 3, 3, 3, 3]})
    assert reponse.status_code == 200 and reponse.json()["etat"] == "close"
    sujets = boite_mail.sujets()
    assert len(sujets) == 6 and len(set(sujets)) == 6, sujets
    async with service.sessions() as session:
        mails = (await session.exec(select(Mail))).all()
    assert len(mails) == 6 and {m.etat for m in mails} == {"envoye"}


async def test_worker_tue_puis_relance(env_dev, tmp_path, boite_mail, url_sqlite):
    settings = settings_de_test(
        tmp_path,
        url_sqlite,
        boite_mail.port,
        temporal_address=env_dev.client.service_client.config.target_host,
        eir_delai_notification_employeur=timedelta(seconds=2),
        relance_employeur=timedelta(minutes=5),
        escalade_superviseur=timedelta(minutes=10),
        eir_delai_enquete=timedelta(seconds=4),
    )
    worker = WorkerExterne(settings, tmp_path / "worker.log")
    async with AsyncExitStack() as pile:
        pile.callback(worker.arreter)
        service = await assembler(settings, pile)
        agent, rh = await service.http("camille"), await service.http("rh-commune")
        worker.demarrer()
        demande_id = (await agent.post("/eir", json={})).json()["id"]
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1, delai=60)
        await mails_envoyes(service, len(boite_mail.sujets()))

        worker.tuer()  # while the EIR waits for the employer
        worker.demarrer()
        tache = (await rh.get("/taches")).json()[0]
        reponse = await rh.post(
            f"/taches/{tache['id']}/completion", json={"carriere_verifiee": True, "indice_fin_de_carriere": 580}
        )
        assert reponse.status_code == 200, reponse.text
        await valider_le_ris(service, agent, demande_id, boite_mail)

        worker.tuer()  # while the survey delay runs
        worker.demarrer()
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 5, delai=60)
        await repondre_a_l_enquete(service, agent, demande_id, boite_mail)
