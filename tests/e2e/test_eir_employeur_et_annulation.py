"""The EIR's employer when the agent has none on record (the last CNRACL employer of the CIR), and a supervisor's
cancellation through the API: on the Temporal dev server, with the real SMTP server, on SQLite."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import date

import pytest
from sqlmodel import col, delete, select

from persistence.db import transaction
from persistence.models import Affilie, LigneCirTable, Tache
from tests.support.attente import attendre
from tests.support.environnement import delais_eir_courts, settings_sur, texte
from tests.support.fabriques import AGENT, EMPLOYEUR, ligne_chez
from tests.support.lexique import mots_de_code
from tests.support.navigateur import navigateur
from tests.support.parcours_eir import valider_le_ris
from tests.support.service import Service, assembler, service_et_worker
from worker import creer_worker

pytestmark = pytest.mark.e2e

ANCIEN_EMPLOYEUR = "drh@ch-lautreville.fr"


def _settings(env_dev, tmp_path, boite_mail, url_sqlite):
    return settings_sur(
        env_dev, tmp_path, url_sqlite, boite_mail.port, **delais_eir_courts(notification=2, enquete=3600)
    )


async def _sans_employeur_actuel(service: Service, affilie: Affilie) -> None:
    async with transaction(service.sessions) as session:
        ligne = await session.get(Affilie, affilie.id)
        assert ligne is not None
        ligne.employeur_id = None
        session.add(ligne)


async def test_un_agent_sans_employeur_a_son_eir_chez_le_dernier_employeur_du_cir(
    env_dev, tmp_path, boite_mail, url_sqlite
):
    async with AsyncExitStack() as pile:
        service = await assembler(_settings(env_dev, tmp_path, boite_mail, url_sqlite), pile)
        pop = service.pop
        # Camille left the fund's employers: the Commune until 2015, then the hospital until 2020, none since.
        async with transaction(service.sessions) as session:
            await session.exec(
                delete(LigneCirTable).where(
                    col(LigneCirTable.affilie_id) == pop.affilie.id, col(LigneCirTable.annee) >= 2016
                )
            )
        for annee in range(2016, 2021):
            await ligne_chez(service.sessions, pop.affilie, pop.autre_employeur, date(annee, 1, 1), date(annee, 12, 31))
        await _sans_employeur_actuel(service, pop.affilie)
        await pile.enter_async_context(creer_worker(env_dev.client, service.settings, service.sessions))
        agent, drh, rh = await service.http("camille"), await service.http("drh"), await service.http("rh-commune")

        reponse = await agent.post("/eir", json={})
        assert reponse.status_code == 201, reponse.text
        demande_id = reponse.json()["id"]
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 2)
        # The agent is told which employer to contact: the last one of the career.
        assert "Centre hospitalier de Lautreville" in texte(boite_mail.pour(AGENT)[1])

        # Day « 5 » (shortened): the former employer gets the mail and the task; the Commune nothing.
        await attendre(lambda: len(boite_mail.pour(ANCIEN_EMPLOYEUR)) == 1)
        taches = (await drh.get("/taches")).json()
        assert [t["type"] for t in taches] == ["verification_carriere_eir"]
        assert f"n° {taches[0]['id']}" in texte(boite_mail.pour(ANCIEN_EMPLOYEUR)[0])
        assert (await rh.get("/taches")).json() == [] and boite_mail.pour(EMPLOYEUR) == []
        etat = (await agent.get(f"/eir/{demande_id}")).json()
        assert etat["etat"] == "verification_employeur" and etat["en_attente_de"] == "employeur"

        reponse = await drh.post(
            f"/taches/{taches[0]['id']}/completion", json={"carriere_verifiee": True, "indice_fin_de_carriere": 520}
        )
        assert reponse.status_code == 200, reponse.text
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 3)
        assert boite_mail.pour(AGENT)[2]["Subject"] == "Votre relevé individuel de situation est disponible"
        await valider_le_ris(service, agent, demande_id, boite_mail)
        assert boite_mail.pour(AGENT)[3]["Subject"] == "Votre bilan personnalisé retraite est disponible"
        bilan = (await agent.get(f"/eir/{demande_id}/bilan")).json()
        assert bilan["indice_fin_de_carriere"] == 520
        assert sorted(str(m["To"]) for m in boite_mail.messages) == [AGENT] * 4 + [ANCIEN_EMPLOYEUR]


async def test_sans_aucun_employeur_connu_la_demande_est_refusee_en_disant_quoi_faire(
    env_dev, tmp_path, boite_mail, url_sqlite
):
    async with AsyncExitStack() as pile:
        service = await assembler(_settings(env_dev, tmp_path, boite_mail, url_sqlite), pile)
        pop = service.pop
        async with transaction(service.sessions) as session:
            await session.exec(delete(LigneCirTable).where(col(LigneCirTable.affilie_id) == pop.affilie.id))
        await _sans_employeur_actuel(service, pop.affilie)
        agent = await service.http("camille")

        reponse = await agent.post("/eir", json={})
        assert reponse.status_code == 422, reponse.text
        assert "Aucun employeur n'est connu pour votre carrière" in reponse.text
        assert "Contactez la CNRACL" in reponse.text
        assert (await agent.get("/eir")).json() == []


async def test_un_superviseur_annule_une_eir_avec_une_raison(env_dev, tmp_path, boite_mail, url_sqlite):
    async with service_et_worker(env_dev, _settings(env_dev, tmp_path, boite_mail, url_sqlite)) as service:
        agent, superviseur = await service.http("camille"), await service.http("superviseur")

        demande_id = (await agent.post("/eir", json={})).json()["id"]
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1)  # the employer's task is open

        # Only a supervisor, and only with a reason.
        refus = await agent.post(f"/eir/{demande_id}/annulation", json={"motif": "Je ne veux plus"})
        assert refus.status_code == 403, refus.text
        refus = await superviseur.post(f"/eir/{demande_id}/annulation", json={"motif": "  "})
        assert refus.status_code == 422 and "indiquez pourquoi la demande est annulée" in refus.text

        reponse = await superviseur.post(
            f"/eir/{demande_id}/annulation", json={"motif": "Doublon d'une demande faite par téléphone"}
        )
        assert reponse.status_code == 200, reponse.text
        etat = reponse.json()
        assert etat["etat"] == "annulee"
        dernier = etat["historique"][-1]
        assert dernier["type"] == "processus_annule" and dernier["acteur"] == "superviseur"
        assert dernier["details"]["motif"] == "Doublon d'une demande faite par téléphone"
        await attendre(lambda: "Votre demande d'entretien information retraite est annulée" in boite_mail.sujets(AGENT))
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 2)  # its task cancelled, the employer told
        async with service.sessions() as session:
            taches = (await session.exec(select(Tache))).all()
        assert [t.etat for t in taches] == ["annulee"]

        # Cancelled twice: refused; a cancelled request does not hold back a new one.
        encore = await superviseur.post(f"/eir/{demande_id}/annulation", json={"motif": "Encore"})
        assert encore.status_code == 409 and "déjà terminée" in encore.text
        nouvelle = await agent.post("/eir", json={})
        assert nouvelle.status_code == 201, nouvelle.text
        workflow_id = nouvelle.json()["workflow_id"]

        # From the supervisor's page of the process, at its first step (not in incident): a modal asks first.
        page_superviseur = await navigateur(service, "superviseur")
        page = (await page_superviseur.get(f"/processus/{workflow_id}")).text
        assert '<dialog id="modale-annulation"' in page and "Annuler le processus" in page
        assert '<dialog id="modale-reattribution"' not in page  # an incident's action only
        assert mots_de_code(page) == []
        annulation = await page_superviseur.post(f"/processus/{workflow_id}/annulation", {"motif": "Agent radié"})
        assert annulation.status_code == 303, annulation.text
        page = (await page_superviseur.get(f"/processus/{workflow_id}")).text
        assert "Annulé par un superviseur</strong>" in page and "« Agent radié »" in page
        assert '<dialog id="modale-annulation"' not in page  # nothing left to cancel
        await attendre(
            lambda: boite_mail.sujets(AGENT).count("Votre demande d'entretien information retraite est annulée") == 2
        )
