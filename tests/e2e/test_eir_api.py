"""One complete EIR through the HTTP API, on the Temporal dev server, with the real SMTP server,
once on SQLite and once on PostgreSQL. Each mail is checked and counted: exactly one of each."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from notifications.rendu import date_fr
from tests.support.attente import attendre
from tests.support.environnement import delais_eir_courts, settings_sur, texte
from tests.support.fabriques import AGENT, EMPLOYEUR
from tests.support.service import service_et_worker

pytestmark = pytest.mark.e2e


async def _etat(http, demande_id: int) -> str:
    return (await http.get(f"/eir/{demande_id}")).json()["etat"]


async def test_eir_complet_par_l_api(env_dev, tmp_path, boite_mail, url_base):
    settings = settings_sur(
        env_dev, tmp_path, url_base, boite_mail.port, **delais_eir_courts(notification=2, enquete=2)
    )
    async with service_et_worker(env_dev, settings) as service:
        agent, rh = await service.http("camille"), await service.http("rh-commune")

        reponse = await agent.post("/eir", json={})
        assert reponse.status_code == 201, reponse.text
        demande_id = reponse.json()["id"]
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 2)
        accuse = boite_mail.pour(AGENT)[0]
        assert accuse["Subject"] == "Votre demande d'entretien information retraite est enregistrée"
        assert f"enregistrée le {date_fr(datetime.now(ZoneInfo('Europe/Paris')).date())}" in texte(accuse)

        # After the (shortened) delay: the employer's mail and task.
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1)
        taches = (await rh.get("/taches")).json()
        assert [t["type"] for t in taches] == ["verification_carriere_eir"]
        tache = taches[0]
        assert f"n° {tache['id']}" in texte(boite_mail.pour(EMPLOYEUR)[0])
        detail = (await rh.get(f"/taches/{tache['id']}")).json()
        assert detail["agent"]["nom"] == "Martin" and len(detail["agent"]["cir"]) > 20

        reponse = await rh.post(
            f"/taches/{tache['id']}/completion",
            json={
                "carriere_verifiee": True,
                "indice_fin_de_carriere": 612,
                "corrections": [{"date_debut": "2003-01-01", "date_fin": "2003-12-31", "quotite": 50}],
            },
        )
        assert reponse.status_code == 200, reponse.text
        assert reponse.json()["etat"] == "terminee"
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 3)
        assert boite_mail.pour(AGENT)[2]["Subject"] == "Votre relevé individuel de situation est disponible"

        async def ris_disponible():
            return await _etat(agent, demande_id) == "ris_disponible"

        await attendre(ris_disponible)
        ris = (await agent.get(f"/eir/{demande_id}/ris")).json()
        assert [p["quotite"] for p in ris["periodes"] if p["annee"] == 2003] == [50]

        # Consolidation: what the agent just did is what the next read shows.
        reponse = await agent.post(
            f"/eir/{demande_id}/ris/consolidation",
            json={"periodes": [{"annee": 1995, "commentaire": "Contrat manquant"}]},
        )
        assert reponse.status_code == 200, reponse.text
        assert reponse.json()["etat"] == "consolidation_employeur"
        assert reponse.json()["en_attente_de"] == "employeur"
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 2)
        consolidation = [t for t in (await rh.get("/taches")).json() if t["type"] == "consolidation_eir"]
        assert len(consolidation) == 1 and "1995" in texte(boite_mail.pour(EMPLOYEUR)[1])
        reponse = await rh.post(
            f"/taches/{consolidation[0]['id']}/completion",
            json={
                "carriere_verifiee": True,
                "corrections": [
                    {"date_debut": "1995-01-01", "date_fin": "1995-06-30", "nature": "non_titulaire_valide"}
                ],
            },
        )
        assert reponse.status_code == 200, reponse.text
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 4)
        assert boite_mail.pour(AGENT)[3]["Subject"] == "Votre relevé individuel de situation a été mis à jour"
        await attendre(ris_disponible)

        reponse = await agent.post(f"/eir/{demande_id}/ris/validation")
        assert reponse.status_code == 200, reponse.text
        assert reponse.json()["etape"] == "realisation"
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 5)
        assert boite_mail.pour(AGENT)[4]["Subject"] == "Votre bilan personnalisé retraite est disponible"
        bilan = (await agent.get(f"/eir/{demande_id}/bilan")).json()
        assert bilan["indice_fin_de_carriere"] == 612
        montants = [p["pension_brute_mensuelle"] for p in bilan["points"]]
        assert len(montants) >= 2 and all(m > 0 for m in montants) and montants == sorted(montants)
        assert "612" in texte(boite_mail.pour(AGENT)[4])

        # After the survey delay: the closure mail; then the answers.
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 6)
        assert "donnez-nous votre avis" in boite_mail.pour(AGENT)[5]["Subject"]

        async def enquete_ouverte():
            return await _etat(agent, demande_id) == "enquete_envoyee"

        await attendre(enquete_ouverte)
        reponse = await agent.post(f"/eir/{demande_id}/enquete", json={"reponses": [5, 5, 4, 4, 5]})
        assert reponse.status_code == 200, reponse.text
        etat = reponse.json()
        assert etat["etat"] == "close" and etat["historique"][-1]["type"] == "enquete_repondue"
        assert etat["historique"][-1]["details"]["reponses"] == [5, 5, 4, 4, 5]

        sujets = boite_mail.sujets()
        assert len(sujets) == 8 and len(set(sujets)) == 8
        assert [str(m["To"]) for m in boite_mail.messages].count(EMPLOYEUR) == 2
