"""Validation-of-services deadlines on the time-skipping server, through the API, real SMTP server."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import select
from temporalio.client import WorkflowHandle

from domain.taches import DelaisTache
from persistence.db import transaction
from persistence.fabrique import identifiant
from persistence.models import Affilie, DossierValidationTable, Mail
from services.echeances import demarrer_echeances
from tests.support.attente import attendre, au_repos
from tests.support.environnement import settings_de_test
from tests.support.fabriques import AGENT, EMPLOYEUR, REGLE, SUPERVISEURS
from tests.support.service import Service, assembler
from tests.support.validation import ouvrir_dossier_validation
from worker import creer_worker


class Banc:
    def __init__(self, service: Service, env, boite) -> None:
        self.service, self.env, self.boite = service, env, boite

    async def ouvrir(self, jours_avant_limite: int) -> int:
        """A dossier whose deadline is ``jours_avant_limite`` days ahead of the engine's clock."""
        dossier = await ouvrir_dossier_validation(
            self.service,
            self.env.client,
            self.service.pop.affilie,
            await self.env.get_current_time(),
            jours_avant_limite,
        )
        self.dossier_id, self.workflow_id = identifiant(dossier), dossier.workflow_id
        return self.dossier_id

    def echeance(self) -> WorkflowHandle[Any, Any]:
        """The deadline process of the dossier opened."""
        return self.env.client.get_workflow_handle(self.workflow_id)

    async def etat(self) -> dict:
        return (await (await self.service.http("camille")).get(f"/validations/{self.dossier_id}")).json()

    async def en_etat(self, etat: str) -> None:
        async def verifier():
            return (await self.etat())["etat"] == etat

        await attendre(verifier)


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, url_sqlite):
    settings = settings_de_test(
        tmp_path,
        url_sqlite,
        boite_mail.port,
        temporal_address=env_temps_accelere.client.service_client.config.target_host,
    )
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        await pile.enter_async_context(creer_worker(env_temps_accelere.client, settings, service.sessions))
        yield Banc(service, env_temps_accelere, boite_mail)


async def test_rappels_a_leurs_dates_puis_forclusion_et_demande_tardive(banc: Banc):
    await banc.ouvrir(200)
    await banc.en_etat("ouverte")
    await banc.env.sleep(timedelta(days=18))
    await au_repos(banc.echeance())
    assert banc.boite.messages == []
    await banc.env.sleep(timedelta(days=4))  # 180 days before the deadline
    await attendre(lambda: len(banc.boite.messages) == 2)
    assert banc.boite.sujets(AGENT)[0].startswith("Validation de services : votre demande est possible")
    assert len(banc.boite.pour(EMPLOYEUR)) == 1
    await banc.env.sleep(timedelta(days=147))
    await au_repos(banc.echeance())
    assert len(banc.boite.messages) == 2
    await banc.env.sleep(timedelta(days=3))  # 30 days before
    await attendre(lambda: len(banc.boite.messages) == 4)
    await banc.env.sleep(timedelta(days=32))  # past the deadline: forclos
    await banc.en_etat("forclose")
    await attendre(lambda: len(banc.boite.pour(AGENT)) == 3)
    assert "délai de demande est expiré" in banc.boite.sujets(AGENT)[2]

    reponse = await (await banc.service.http("camille")).post(f"/validations/{banc.dossier_id}/demande")
    assert reponse.status_code == 422
    assert "hors délai" in reponse.json()["detail"] and REGLE in reponse.json()["detail"]
    assert len(banc.boite.messages) == 5


async def test_demande_dans_le_delai_puis_decision(banc: Banc):
    await banc.ouvrir(100)
    await banc.en_etat("ouverte")
    agent = await banc.service.http("camille")
    reponse = await agent.post(f"/validations/{banc.dossier_id}/demande")
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["etat"] == "instruction_employeur"
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    assert "certificats à transmettre" in banc.boite.pour(EMPLOYEUR)[0]["Subject"]
    rh = await banc.service.http("rh-commune")
    [tache] = (await rh.get("/taches")).json()
    assert tache["type"] == "certificats_services_validation"
    reponse = await rh.post(
        f"/taches/{tache['id']}/completion",
        json={
            "carriere_verifiee": True,
            "corrections": [{"date_debut": "1993-01-01", "date_fin": "1993-12-31", "nature": "non_titulaire_valide"}],
        },
    )
    assert reponse.status_code == 200, reponse.text
    await attendre(lambda: len(banc.boite.pour(SUPERVISEURS)) == 1)
    superviseur = await banc.service.http("superviseur")
    decisions = [t for t in (await superviseur.get("/taches")).json() if t["type"] == "decision_validation"]
    assert len(decisions) == 1
    # A second request is refused; a decision from an agent is refused.
    assert (await agent.post(f"/validations/{banc.dossier_id}/demande")).status_code == 409
    assert (
        await agent.post(f"/validations/{banc.dossier_id}/decision", json={"decision": "acceptee"})
    ).status_code == 403
    reponse = await superviseur.post(
        f"/validations/{banc.dossier_id}/decision", json={"decision": "acceptee", "motif": "Certificats conformes"}
    )
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["etat"] == "acceptee" and reponse.json()["decision"] == "acceptee"
    await attendre(lambda: len(banc.boite.messages) == 5)
    assert banc.boite.sujets(AGENT)[-1] == "Décision sur votre demande de validation de services : acceptée"
    assert banc.boite.sujets(EMPLOYEUR)[-1].startswith("Validation de services de Camille Martin")
    sujets = banc.boite.sujets()
    assert len(sujets) == len(set(sujets)) == 5


async def test_demarrer_la_population_deux_fois(banc: Banc):
    s = banc.service.settings
    async with transaction(banc.service.sessions) as session:
        for affilie, titularisation in (
            (banc.service.pop.affilie, date(2012, 3, 1)),
            (banc.service.pop.collegue, date(2011, 9, 1)),
            (banc.service.pop.jeune, date(2016, 1, 1)),
        ):
            a = await session.get(Affilie, affilie.id)
            assert a is not None
            a.date_titularisation = titularisation
            session.add(a)
    delais = DelaisTache(s.relance_employeur, s.escalade_superviseur)
    premier = await demarrer_echeances(
        banc.service.sessions, banc.env.client, s.task_queue, s.validation_rappels, delais, date(2026, 11, 22)
    )
    second = await demarrer_echeances(
        banc.service.sessions, banc.env.client, s.task_queue, s.validation_rappels, delais, date(2026, 11, 22)
    )
    assert (premier.eligibles, premier.demarres, premier.deja_demarres) == (2, 2, 0)
    assert (second.eligibles, second.demarres, second.deja_demarres) == (2, 0, 2)

    async def forclos():
        async with banc.service.sessions() as session:
            dossiers = (await session.exec(select(DossierValidationTable))).all()
        return len(dossiers) == 2 and {d.etat for d in dossiers} == {"forclose"}

    await attendre(forclos)
    # Deadlines of 2014 lapsed long ago: closed without mailing anyone.
    async with banc.service.sessions() as session:
        assert (await session.exec(select(Mail))).all() == []
