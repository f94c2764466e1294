"""Issue 22, end to end on the Temporal dev server (real worker, real SMTP, SQLite and PostgreSQL): a CIR line
stored before the entry checks (1800, before the agent's birth) makes the bilan's calculation fail; the EIR
shows the incident to the agent in plain words, the supervisor sees it in ``GET /incidents``, on the console
page and in ``/metrics``; a supervisor's resumption and an employer's unrelated correction fail again (attempts
counted); the employer deletes the line: the correction itself resumes the process, the bilan is mailed once.
A withdrawal during an incident closes the process."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from persistence.comptes import creer_compte, hacher
from persistence.db import transaction
from persistence.models import Affilie, Compte, Evenement, Tache
from tests.support.attente import attendre, au_repos
from tests.support.environnement import delais_eir_courts, settings_sur
from tests.support.incidents import inserer_ligne_de_1800
from tests.support.navigateur import navigateur
from tests.support.service import CODE, Service, service_et_worker

pytestmark = pytest.mark.e2e
BILAN = "Votre bilan personnalisé retraite est disponible"


async def _jusqu_a_l_incident(service: Service, boite_mail, agent, rh, affilie: Affilie) -> dict:
    """The agent's EIR up to its RIS; a line of 1800 slips into the CIR; the RIS validated: the bilan fails."""
    demande = (await agent.post("/eir", json={})).json()
    await attendre(lambda: len(boite_mail.pour("rh@saint-exemple.fr")) >= 1, delai=60)

    async def tache_ouverte():
        return [t for t in (await rh.get("/taches")).json() if t["workflow_id"] == demande["workflow_id"]]

    await attendre(tache_ouverte, delai=60)
    [tache] = await tache_ouverte()
    reponse = await rh.post(
        f"/taches/{tache['id']}/completion", json={"carriere_verifiee": True, "indice_fin_de_carriere": 600}
    )
    assert reponse.status_code == 200, reponse.text

    async def ris_disponible():
        return (await agent.get(f"/eir/{demande['id']}")).json()["etat"] == "ris_disponible"

    await attendre(ris_disponible, delai=60)
    await inserer_ligne_de_1800(service.sessions, affilie, service.pop.employeur)
    assert (await agent.post(f"/eir/{demande['id']}/ris/validation")).status_code == 200

    async def en_incident():
        return (await agent.get(f"/eir/{demande['id']}")).json()["etat"] == "incident"

    await attendre(en_incident, delai=60)
    return demande


async def _tentatives(superviseur, handle, tentatives: int) -> None:
    """Wait until the incident counts ``tentatives`` attempts and its process rests, waiting for a decision."""

    async def comptees():
        incidents = (await superviseur.get("/incidents")).json()
        return len(incidents) == 1 and incidents[0]["tentatives"] == tentatives

    await attendre(comptees, delai=60)
    await au_repos(handle)


async def _metrique(service: Service, superviseur, type_: str) -> float:
    """The gauge ``cnracl_incidents{type}`` as a Prometheus scrape with a supervisor's token reads it."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app), base_url="http://test") as racine:
        texte = (await racine.get("/metrics", headers={"Authorization": superviseur.headers["Authorization"]})).text
    ligne = next(ligne for ligne in texte.splitlines() if ligne.startswith(f'cnracl_incidents{{type="{type_}"}}'))
    return float(ligne.split()[-1])


async def test_une_ligne_fausse_arrete_le_bilan_puis_la_correction_et_la_relance_le_produisent_une_fois(
    env_dev, tmp_path, boite_mail, url_base
):
    settings = settings_sur(
        env_dev, tmp_path, url_base, boite_mail.port, **delais_eir_courts(notification=1, enquete=600)
    )
    async with service_et_worker(env_dev, settings) as service:
        async with transaction(service.sessions) as session:
            await creer_compte(session, role="superviseur", identifiant="superviseur2", code_hash=hacher(CODE))
        agent, rh, superviseur = (
            await service.http("camille"),
            await service.http("rh-commune"),
            await service.http("superviseur"),
        )
        pop = service.pop
        demande = await _jusqu_a_l_incident(service, boite_mail, agent, rh, pop.affilie)
        workflow_id = demande["workflow_id"]

        # The agent: the state and the reason, in plain words, on the JSON route and the page.
        etat = (await agent.get(f"/eir/{demande['id']}")).json()
        assert etat["en_attente_de"] == "superviseur"
        assert etat["incident"]["type"] == "metier" and etat["incident"]["tentatives"] == 1
        assert "ligne de carrière (CIR) de 1800" in etat["incident"]["motif"]
        page_agent = await navigateur(service, "camille")
        page = (await page_agent.get(f"/eir/{demande['id']}")).text
        assert "Votre demande est arrêtée : une donnée de votre carrière doit être corrigée" in page
        assert "précède la naissance" in page and "Vous n'avez rien à faire" in page
        assert "metier" not in page and "DonneesInvalides" not in page

        # The supervisor: the API, the console page, the gauge.
        [incident] = (await superviseur.get("/incidents")).json()
        assert incident["workflow_id"] == workflow_id and incident["processus"] == "eir"
        assert incident["agent"] == "Camille Martin" and incident["etape"] == "calcul du bilan personnalisé"
        assert incident["type"] == "metier" and incident["tentatives"] == 1 and incident["depuis"]
        assert "L'employeur de cette période doit corriger ou supprimer la ligne" in incident["motif"]
        assert (await agent.get("/incidents")).status_code == 403
        console = await navigateur(service, "superviseur")
        page = (await console.get("/superviseur/incidents")).text
        assert incident["reference"] in page and "Camille Martin" in page and "précède la naissance" in page
        assert 'href="/superviseur/incidents"' in page  # in the supervisors' menu
        assert (await superviseur.get(f"/processus/{workflow_id}")).json()["incident"]["type"] == "metier"
        detail = (await console.get(f"/processus/{workflow_id}")).text
        assert "Arrêté sur un incident métier" in detail
        assert "<dt>Moteur de processus</dt><dd>en cours" in detail and "RUNNING" not in detail
        # Its history in words: the employer's task named by its label, never by its code.
        assert "Tâche terminée : Vérification de carrière (EIR)" in detail and "carriere eir" not in detail.lower()
        assert await _metrique(service, superviseur, "metier") == 1.0
        assert await _metrique(service, superviseur, "technique") == 0.0

        # Handed to another supervisor (in the history); never to an agent's or an employer's account.
        refus = await superviseur.post(f"/processus/{workflow_id}/reattribution", json={"compte_id": 1})
        assert refus.status_code == 422 and "aucun superviseur actif n° 1" in refus.text
        async with service.sessions() as session:
            autre = (await session.exec(select(Tache).where(Tache.type == "incident"))).one()
            deuxieme = (await session.exec(select(Compte).where(Compte.identifiant == "superviseur2"))).one()
        reponse = await console.post(
            f"/superviseur/incidents/{workflow_id}/reattribution", {"compte_id": str(deuxieme.id)}
        )
        assert reponse.status_code == 303, reponse.text
        [incident] = (await superviseur.get("/incidents")).json()
        assert incident["attribuee_a"] == deuxieme.id and incident["tache_id"] == autre.id
        page = (await console.get(f"/taches/{autre.id}")).text  # in the supervisors' inbox too
        assert "Incident à traiter" in page and "console des incidents" in page and "Terminer la tâche" not in page

        # A cancellation without its reason or confirmation is refused on the page, saying which.
        await console.get("/superviseur/incidents")
        reponse = await console.post(f"/superviseur/incidents/{workflow_id}/annulation", {"motif": ""})
        assert reponse.status_code == 422
        assert "indiquez pourquoi" in reponse.text and "cochez la case pour confirmer" in reponse.text

        # The supervisor resumes from the console before the data is fixed: the step fails again, one more attempt.
        handle = env_dev.client.get_workflow_handle(workflow_id)
        await console.get("/superviseur/incidents")
        reponse = await console.post(f"/superviseur/incidents/{workflow_id}/relance", {"motif": "essai"})
        assert reponse.status_code == 303, reponse.text
        await _tentatives(superviseur, handle, 2)

        # The employer corrects another period of the agent: the correction resumes the process itself, which
        # fails again on the line of 1800 (the incident stays open, one more attempt counted).
        reponse = await rh.put(
            f"/affilies/{pop.affilie.nir}/cir/2025",
            json={"date_debut": "2025-01-01", "date_fin": "2025-12-31", "quotite": 100, "indice_majore": 561},
        )
        assert reponse.status_code == 200, reponse.text
        await _tentatives(superviseur, handle, 3)

        # The employer deletes the line: the correction resumes the process, the bilan comes once, no supervisor
        # acting.
        reponse = await rh.delete(
            f"/affilies/{pop.affilie.nir}/cir/1800/1800-01-01", params={"motif": "Ligne saisie par erreur"}
        )
        assert reponse.status_code == 204, reponse.text

        async def bilan_disponible():
            return (await agent.get(f"/eir/{demande['id']}")).json()["etat"] == "bilan_disponible"

        await attendre(bilan_disponible, delai=60)
        await attendre(lambda: BILAN in boite_mail.sujets("camille.martin@exemple.fr"), delai=60)
        assert boite_mail.sujets("camille.martin@exemple.fr").count(BILAN) == 1
        assert (await agent.get(f"/eir/{demande['id']}")).json()["incident"] is None
        assert (await agent.get(f"/eir/{demande['id']}/bilan")).status_code == 200
        assert (await superviseur.get("/incidents")).json() == []
        assert await _metrique(service, superviseur, "metier") == 0.0
        async with service.sessions() as session:
            evenements = (await session.exec(select(Evenement).where(Evenement.processus_id == workflow_id))).all()
        types = [e.type for e in evenements]
        for attendu in ("incident_ouvert", "tache_attribuee", "incident_relance", "incident_resolu"):
            assert attendu in types, types
        relance = next(e for e in evenements if e.type == "incident_relance")
        assert relance.acteur == "superviseur" and relance.details["motif"] == "essai"
        async with service.sessions() as session:
            compte_rh = (await session.exec(select(Compte).where(Compte.identifiant == "rh-commune"))).one()
        par_correction = [e for e in evenements if e.type == "incident_relance_par_correction"]
        assert [(e.acteur, e.compte_id) for e in par_correction] == [("employeur", compte_rh.id)] * 2
        assert "période du 01/01/1800 au 31/12/1800 supprimée" in par_correction[-1].details["motif"]


async def test_un_retrait_pendant_un_incident_clot_le_processus(env_dev, tmp_path, boite_mail, url_base):
    settings = settings_sur(
        env_dev, tmp_path, url_base, boite_mail.port, **delais_eir_courts(notification=1, enquete=600)
    )
    async with service_et_worker(env_dev, settings) as service:
        agent, rh, superviseur = (
            await service.http("camille"),
            await service.http("rh-commune"),
            await service.http("superviseur"),
        )
        demande = await _jusqu_a_l_incident(service, boite_mail, agent, rh, service.pop.affilie)
        reponse = await agent.delete(f"/eir/{demande['id']}")
        assert reponse.status_code == 200, reponse.text
        assert reponse.json()["etat"] == "retiree"
        assert (await agent.get(f"/eir/{demande['id']}")).json()["etat"] == "retiree"
        await attendre(
            lambda: (
                "Votre demande d'entretien information retraite est retirée"
                in boite_mail.sujets("camille.martin@exemple.fr")
            ),
            delai=60,
        )
        assert (await superviseur.get("/incidents")).json() == []
        async with service.sessions() as session:
            tache = (await session.exec(select(Tache).where(Tache.type == "incident"))).one()
        assert tache.etat == "annulee"
        assert BILAN not in boite_mail.sujets("camille.martin@exemple.fr")
