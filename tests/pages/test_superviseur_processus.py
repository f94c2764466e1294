"""A process's full detail and the supervisor's actions on it (issue 23, deliver 4), on the Temporal dev server
with a real worker, real SMTP and SQLite: the agent, the employer, each task with who answered it, when and
what, the survey's answers, the documents, the link to the Temporal UI; « Relancer maintenant » mails the
task's recipient once per press (a second press from the same page is refused; after a reload, one more mail
under a new key); a process in incident is handed to another supervisor, then cancelled with a reason, from
its page."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from persistence.comptes import creer_compte, hacher
from persistence.db import transaction
from persistence.models import Compte, Mail, Tache
from tests.support.attente import attendre
from tests.support.environnement import delais_eir_courts, settings_sur
from tests.support.fabriques import AGENT, EMPLOYEUR
from tests.support.incidents import inserer_ligne_de_1800
from tests.support.lexique import mots_de_code
from tests.support.navigateur import navigateur
from tests.support.service import CODE, service_et_worker
from worker import WORKFLOWS, executant_workflows

pytestmark = pytest.mark.e2e
UI = "http://temporal.exemple:8080"
RELANCE = "Relance : vérification de carrière en attente"


@pytest.fixture
async def service(env_dev, tmp_path, boite_mail, url_sqlite):
    settings = settings_sur(
        env_dev,
        tmp_path,
        url_sqlite,
        boite_mail.port,
        temporal_ui=UI + "/",
        **delais_eir_courts(notification=1, enquete=1),
    )
    async with service_et_worker(env_dev, settings) as service:
        async with transaction(service.sessions) as session:
            await creer_compte(session, role="superviseur", identifiant="superviseur2", code_hash=hacher(CODE))
            rh = (await session.exec(select(Compte).where(Compte.identifiant == "rh-commune"))).one()
            rh.prenom, rh.nom = "Inès", "Roux"
            session.add(rh)
        yield service


def _sequence(page: str) -> str:
    trouve = re.search(r'name="sequence" value="(\d+)"', page)
    assert trouve, "la page n'offre pas de relance"
    return trouve.group(1)


async def _mails_de_relance(service) -> list[Mail]:
    async with service.sessions() as session:
        return list((await session.exec(select(Mail).where(Mail.evenement == "relance_employeur"))).all())


async def _etat(agent, demande_id: int) -> str:
    return (await agent.get(f"/eir/{demande_id}")).json()["etat"]


async def _attendre_etat(agent, demande_id: int, etat: str) -> None:
    async def atteint():
        return await _etat(agent, demande_id) == etat

    await attendre(atteint, delai=60)


async def test_le_detail_dit_qui_a_repondu_quoi_et_la_relance_part_une_fois_par_appui(service, boite_mail, env_dev):
    agent, rh = await service.http("camille"), await service.http("rh-commune")
    demande = (await agent.post("/eir", json={})).json()
    workflow_id = demande["workflow_id"]
    await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1, delai=60)
    superviseur = await navigateur(service, "superviseur")

    # The open task: who it waits for, and the reminder behind its confirmation.
    page = (await superviseur.get(f"/processus/{workflow_id}")).text
    assert "Camille Martin" in page and "Commune de Saint-Exemple (SIRET" in page
    nir = service.pop.affilie.nir
    assert f"NIR {nir[0]} {nir[1:3]} {nir[3:5]} •• ••• ••• ••" in page and nir not in page
    assert "Personne ne l'a encore prise en charge." in page and "À traiter au plus tard le" in page
    assert 'aria-controls="modale-relance"' in page and '<dialog id="modale-relance"' in page
    lue = _sequence(page)

    # One press: one mail to the employer, the reminder in the history with who sent it and why.
    envoi = await superviseur.post(f"/processus/{workflow_id}/relance", {"sequence": lue, "motif": "Dossier urgent"})
    assert envoi.status_code == 303 and envoi.headers["location"].endswith("?message=relance_envoyee")
    await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 2, delai=30)
    assert boite_mail.sujets(EMPLOYEUR)[1].startswith(RELANCE)
    page = (await superviseur.get(envoi.headers["location"])).text
    assert "La relance est envoyée" in page
    assert "Employeur relancé</strong>" in page and "(superviseur) : « Dossier urgent »" in page
    assert "Relancée le" in page

    # The same page pressed again (a double click): refused, no mail.
    double = await superviseur.post(f"/processus/{workflow_id}/relance", {"sequence": lue})
    assert double.status_code == 409
    assert "Une relance vient d&#39;être envoyée pour cette tâche" in double.text
    # After a reload, a deliberate second press: one more mail, under a key of its own.
    encore = await superviseur.post(f"/processus/{workflow_id}/relance", {"sequence": _sequence(page)})
    assert encore.status_code == 303
    await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 3, delai=30)
    cles = [m.cle for m in await _mails_de_relance(service)]
    assert len(cles) == 2 and len(set(cles)) == 2
    assert len(boite_mail.pour(EMPLOYEUR)) == 3

    # The JSON counterpart, then the employer answers: the task says who, when and what.
    api = await service.http("superviseur")
    assert (await api.post(f"/processus/{workflow_id}/relance", json={"motif": "par l'API"})).json()["envoyee"]
    await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 4, delai=30)
    [tache] = (await rh.get("/taches")).json()
    reponse = await rh.post(
        f"/taches/{tache['id']}/completion",
        json={"carriere_verifiee": True, "indice_fin_de_carriere": 612, "commentaire": "Carrière revue avec l'agent"},
    )
    assert reponse.status_code == 200, reponse.text
    await _attendre_etat(agent, demande["id"], "ris_disponible")
    page = (await superviseur.get(f"/processus/{workflow_id}")).text
    carte = page.split(f'id="tache-{tache["id"]}"', 1)[1].split('id="tache-', 1)[0]
    assert "Traitée le" in carte and "par <strong>Inès Roux</strong>" in carte
    assert "Indice majoré de fin de carrière retenu : 612" in carte and "Carrière revue avec l&#39;agent" in carte
    assert "Personne ne l'a encore prise en charge" not in carte and "À traiter au plus tard" not in carte
    # Nobody to remind any more.
    assert 'id="modale-relance"' not in page
    refus = await api.post(f"/processus/{workflow_id}/relance", json={})
    assert refus.status_code == 409 and "n'attend la réponse d'aucune tâche" in refus.json()["detail"]

    # The agent validates the RIS, the bilan comes, then the survey, answered.
    assert (await agent.post(f"/eir/{demande['id']}/ris/validation")).status_code == 200
    await _attendre_etat(agent, demande["id"], "enquete_envoyee")
    avis = {"reponses": [5, 4, 3, 2, 1], "commentaire": "Entretien très clair"}
    assert (await agent.post(f"/eir/{demande['id']}/enquete", json=avis)).status_code == 200
    page = (await superviseur.get(f"/processus/{workflow_id}")).text
    enquete = page.split('id="enquete"', 1)[1].split("</section>", 1)[0]
    notes = re.findall(r'<th scope="row">[^<]+</th><td>(\d)</td>', enquete)
    assert notes == ["5", "4", "3", "2", "1"] and "Commentaire : Entretien très clair" in enquete
    documents = page.split('id="documents"', 1)[1].split("</section>", 1)[0]
    assert documents.count('<a href="/documents/') == 2 and "Bilan" in documents
    lien = f'href="{UI}/namespaces/default/workflows/{workflow_id}"'
    assert lien in page
    assert mots_de_code(page) == []
    assert len(boite_mail.pour(AGENT)) >= 4

    # The history with its three reminders replays against the code: the reminder's path is deterministic.
    historique = await env_dev.client.get_workflow_handle(workflow_id).fetch_history()
    await Replayer(
        workflows=list(WORKFLOWS), data_converter=pydantic_data_converter, workflow_runner=executant_workflows()
    ).replay_workflow(historique)


async def test_un_incident_se_reattribue_puis_s_annule_depuis_la_page_du_processus(service, boite_mail):
    agent, rh = await service.http("camille"), await service.http("rh-commune")
    demande = (await agent.post("/eir", json={})).json()
    workflow_id = demande["workflow_id"]
    await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1, delai=60)
    [tache] = (await rh.get("/taches")).json()
    reponse = await rh.post(
        f"/taches/{tache['id']}/completion", json={"carriere_verifiee": True, "indice_fin_de_carriere": 600}
    )
    assert reponse.status_code == 200, reponse.text
    await _attendre_etat(agent, demande["id"], "ris_disponible")
    await inserer_ligne_de_1800(service.sessions, service.pop.affilie, service.pop.employeur)
    assert (await agent.post(f"/eir/{demande['id']}/ris/validation")).status_code == 200
    await _attendre_etat(agent, demande["id"], "incident")

    superviseur = await navigateur(service, "superviseur")
    page = (await superviseur.get(f"/processus/{workflow_id}")).text
    assert "Arrêté sur un incident métier" in page and "calcul du bilan personnalisé" in page
    assert '<dialog id="modale-annulation"' in page and '<dialog id="modale-reattribution"' in page
    assert 'id="modale-relance"' not in page  # in incident, the step is resumed from the console
    assert mots_de_code(page) == []
    # The console asks too before a cancellation, in a modal.
    console = (await superviseur.get("/superviseur/incidents")).text
    assert f'<dialog id="annulation-modale-{workflow_id}"' in console and mots_de_code(console) == []

    # Handed to the other supervisor.
    async with service.sessions() as session:
        autre = (await session.exec(select(Compte).where(Compte.identifiant == "superviseur2"))).one()
    choix = await superviseur.post(f"/processus/{workflow_id}/reattribution", {"compte_id": str(autre.id)})
    assert choix.status_code == 303 and choix.headers["location"].endswith("?message=incident_reattribue")
    async with service.sessions() as session:
        incident = (
            await session.exec(select(Tache).where(Tache.workflow_id == workflow_id, Tache.type == "incident"))
        ).one()
    assert incident.attribuee_a == autre.id
    assert "L&#39;incident est confié au superviseur choisi." in (await superviseur.get(choix.headers["location"])).text

    # Cancelled: a reason is required; then the process ends, the agent is told, the reason in the history.
    sans_motif = await superviseur.post(f"/processus/{workflow_id}/annulation", {"motif": "  "})
    assert sans_motif.status_code == 422 and "Processus non annulé : " in sans_motif.text
    assert await _etat(agent, demande["id"]) == "incident"
    annulation = await superviseur.post(f"/processus/{workflow_id}/annulation", {"motif": "Doublon de demande"})
    assert annulation.status_code == 303, annulation.text
    assert await _etat(agent, demande["id"]) == "annulee"
    page = (await superviseur.get(f"/processus/{workflow_id}")).text
    assert "Annulé par un superviseur</strong>" in page and "« Doublon de demande »" in page
    await attendre(lambda: any("annul" in s.lower() for s in boite_mail.sujets(AGENT)), delai=30)
