"""The worker killed (SIGKILL) in the middle of a rectification routed through the former and the current
employer, twice, and restarted: the rectified RIS is produced once, each mail sent once, no task doubled."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlmodel import select

from persistence.models import Document, Mail, Tache
from tests.support.attente import attendre
from tests.support.environnement import settings_sur
from tests.support.fabriques import AGENT, EMPLOYEUR, ligne_chez
from tests.support.parcours_eir import mails_envoyes
from tests.support.service import service_et_worker_externe

pytestmark = pytest.mark.e2e
DRH = "drh@ch-lautreville.fr"


async def test_worker_tue_pendant_une_rectification(env_dev, tmp_path, boite_mail, url_sqlite):
    settings = settings_sur(env_dev, tmp_path, url_sqlite, boite_mail.port)
    async with service_et_worker_externe(settings, tmp_path / "worker.log") as (service, worker):
        agent, rh, drh = (await service.http("camille"), await service.http("rh-commune"), await service.http("drh"))
        # The hospital employed the agent in 1992 (its line is on the CIR); 1993 is missing.
        pop = service.pop
        await ligne_chez(service.sessions, pop.affilie, pop.autre_employeur, date(1992, 1, 1), date(1992, 12, 31))
        worker.demarrer()
        reponse = await agent.post(
            "/rectifications",
            json={
                "type_document": "ris",
                "annee_document": 2026,
                "motif": "Contrat à l'hôpital absent",
                "periode_debut": "1993-01-01",
                "periode_fin": "1993-12-31",
                "siret_employeur": service.pop.autre_employeur.siret,
            },
        )
        assert reponse.status_code == 201, reponse.text
        rectification_id = reponse.json()["id"]
        await attendre(lambda: len(boite_mail.pour(DRH)) == 1, delai=60)
        await mails_envoyes(service, 2)

        worker.tuer()  # while the former employer has to transmit
        worker.demarrer()
        [transmission] = (await drh.get("/taches")).json()
        reponse = await drh.post(
            f"/taches/{transmission['id']}/completion",
            json={
                "carriere_verifiee": True,
                "corrections": [
                    {"date_debut": "1993-01-01", "date_fin": "1993-12-31", "nature": "non_titulaire_valide"}
                ],
            },
        )
        assert reponse.status_code == 200, reponse.text
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1, delai=60)
        await mails_envoyes(service, 3)

        worker.tuer()  # while the current employer has to obtain and correct
        worker.demarrer()
        [obtention] = (await rh.get("/taches")).json()
        reponse = await rh.post(
            f"/taches/{obtention['id']}/completion",
            json={
                "carriere_verifiee": True,
                "corrections": [
                    {"date_debut": "1993-01-01", "date_fin": "1993-12-31", "nature": "non_titulaire_valide"}
                ],
            },
        )
        assert reponse.status_code == 200, reponse.text

        async def rectifie():
            return (await agent.get(f"/rectifications/{rectification_id}")).json()["etat"] == "document_rectifie"

        await attendre(rectifie, delai=60)
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 2, delai=60)

        sujets = boite_mail.sujets()
        assert len(sujets) == len(set(sujets)) == 4, sujets
        recus = Counter(str(m["Message-ID"]) for m in boite_mail.messages)
        async with service.sessions() as session:
            mails = (await session.exec(select(Mail))).all()
            taches = (await session.exec(select(Tache))).all()
            documents = (await session.exec(select(Document))).all()
        assert len(mails) == 4 and {m.etat for m in mails} == {"envoye"}
        assert {m.message_id for m in mails} == set(recus) and set(recus.values()) == {1}
        assert sorted(t.type for t in taches) == [
            "obtention_donnees_rectification",
            "transmission_donnees_rectification",
        ]
        assert {t.etat for t in taches} == {"terminee"}
        assert [d.contenu.get("rectificatif") for d in documents] == [True]
