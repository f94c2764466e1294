"""The worker killed (SIGKILL) in the middle of a validation-of-services dossier, twice, and restarted: the
decision is reached, each mail sent once, no task doubled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from persistence.models import Mail, Tache
from tests.support.attente import attendre
from tests.support.environnement import settings_sur
from tests.support.fabriques import AGENT, EMPLOYEUR, SUPERVISEURS
from tests.support.parcours_eir import mails_envoyes
from tests.support.service import service_et_worker_externe
from tests.support.validation import ouvrir_dossier_validation

pytestmark = pytest.mark.e2e


async def test_worker_tue_pendant_une_validation_de_services(env_dev, tmp_path, boite_mail, url_sqlite):
    settings = settings_sur(env_dev, tmp_path, url_sqlite, boite_mail.port)
    async with service_et_worker_externe(settings, tmp_path / "worker.log") as (service, worker):
        pop = service.pop
        dossier = await ouvrir_dossier_validation(service, env_dev.client, pop.affilie, datetime.now(UTC))
        worker.demarrer()
        agent, rh, superviseur = (
            await service.http("camille"),
            await service.http("rh-commune"),
            await service.http("superviseur"),
        )

        async def ouverte():
            return (await agent.get(f"/validations/{dossier.id}")).json()["etat"] == "ouverte"

        await attendre(ouverte, delai=60)
        reponse = await agent.post(f"/validations/{dossier.id}/demande")
        assert reponse.status_code == 200, reponse.text
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1, delai=60)
        await mails_envoyes(service, len(boite_mail.sujets()))

        worker.tuer()  # while the employer gathers the service certificates
        worker.demarrer()
        [tache] = (await rh.get("/taches")).json()
        reponse = await rh.post(
            f"/taches/{tache['id']}/completion",
            json={
                "carriere_verifiee": True,
                "corrections": [
                    {
                        "date_debut": "1993-01-01",
                        "date_fin": "1993-12-31",
                        "nature": "non_titulaire_valide",
                        "indice_majore": 300,
                    }
                ],
            },
        )
        assert reponse.status_code == 200, reponse.text
        await attendre(lambda: len(boite_mail.pour(SUPERVISEURS)) == 1, delai=60)
        await mails_envoyes(service, len(boite_mail.sujets()))

        worker.tuer()  # while a supervisor has to decide
        worker.demarrer()
        reponse = await superviseur.post(
            f"/validations/{dossier.id}/decision", json={"decision": "acceptee", "motif": "Certificats conformes"}
        )
        assert reponse.status_code == 200, reponse.text
        assert reponse.json()["etat"] == "acceptee"
        await attendre(lambda: any("acceptée" in s for s in boite_mail.sujets(AGENT)), delai=60)
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 2, delai=60)

        sujets = boite_mail.sujets()
        assert len(sujets) == len(set(sujets)), sujets
        async with service.sessions() as session:
            mails = (await session.exec(select(Mail))).all()
            taches = (await session.exec(select(Tache))).all()
        assert len(mails) == len(sujets) and {m.etat for m in mails} == {"envoye"}
        assert sorted(t.type for t in taches) == ["certificats_services_validation", "decision_validation"]
        assert {t.etat for t in taches} == {"terminee"}
