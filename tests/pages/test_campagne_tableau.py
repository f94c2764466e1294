"""The campaign pages on the real service (Temporal's time-skipping server, a worker, the real SMTP server,
SQLite): the supervisor dry-runs and launches a campaign from the form, follows it on its dashboard (chart and
tables), suspends and resumes it, sees the late employers after the cut-off; the employer lists its agents
targeted by the campaign, answered or not, with the links to their tasks."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from domain.campagne import PARIS
from domain.campagne_echeances import id_workflow_delai
from notifications.rendu import date_fr
from persistence.models import Evenement
from tests.support.attente import attendre
from tests.support.campagne import (
    avancer_jusqua,
    service_campagne,
    taches_de_campagne,
)
from tests.support.environnement import settings_sur
from tests.support.lexique import mots_de_code
from workflows.campagne_client import demande_campagne


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite):
    env = env_temps_accelere
    settings = settings_sur(env, tmp_path, url_sqlite, boite_mail.port)
    async with service_campagne(env, settings, sessions_sqlite) as (service, pop):
        yield env, settings, sessions_sqlite, boite_mail, pop, service.navigateur
        await env.client.get_workflow_handle(f"campagne-dai-{pop.annee}").terminate()


async def test_tableau_de_bord_pilotage_et_liste_employeur(banc):
    env, settings, sessions, boite, pop, navigateur = banc
    annee = pop.annee
    superviseur = await navigateur("superviseur")
    page = await superviseur.get("/superviseur/campagnes")
    assert page.status_code == 200 and "Aucune campagne n&#39;a encore été lancée." not in page.text
    assert "Aucune campagne n'a encore été lancée." in page.text
    assert '<label class="fr-label" for="annee">Année N de la campagne' in page.text
    # A year out of range is refused on its field.
    refus = await superviseur.post("/superviseur/campagnes", {"annee": "1990"})
    assert refus.status_code == 422
    assert (
        '<p id="annee-erreur" class="fr-error-text">indiquez l&#39;année N de la campagne, de 2007 à 2100' in refus.text
    )
    absente = await superviseur.get(f"/superviseur/campagnes/{annee}")
    assert absente.status_code == 200 and f"Aucune campagne {annee} n'a été lancée." in absente.text
    assert f'value="{annee}"' in absente.text  # the launch form, with the year filled in
    # Its agents' page says what to do, in words (never a route).
    sans_agents = await superviseur.get(f"/superviseur/campagnes/{annee}/agents")
    assert sans_agents.status_code == 404
    assert "lancez-la d&#39;abord depuis la page des campagnes" in sans_agents.text
    assert "POST" not in sans_agents.text and f"/campagnes/{annee})" not in sans_agents.text

    # The dry run: counted, nothing sent.
    reponse = await superviseur.post("/superviseur/campagnes", {"annee": str(annee), "simulation": "oui"})
    assert reponse.status_code == 303
    assert reponse.headers["location"] == f"/superviseur/campagnes/{annee}?simulation=oui&message=simulee"
    page = await superviseur.get(reponse.headers["location"])
    assert "La simulation est faite : rien n&#39;a été envoyé." in page.text
    assert f"Simulation de la campagne {annee}" in page.text and "Prévisionnel de la simulation" in page.text
    assert "Suspendre la campagne" not in page.text and boite.messages == []

    # The campaign itself, then paused and resumed from its dashboard.
    reponse = await superviseur.post("/superviseur/campagnes", {"annee": str(annee)})
    assert (
        reponse.status_code == 303 and reponse.headers["location"] == f"/superviseur/campagnes/{annee}?message=lancee"
    )
    page = await superviseur.get(reponse.headers["location"])
    assert "La campagne est lancée." in page.text and "Suspendre la campagne" in page.text
    reponse = await superviseur.post(f"/superviseur/campagnes/{annee}/pause", {"motif": "contrôle des cohortes"})
    assert reponse.status_code == 303
    page = await superviseur.get(reponse.headers["location"])
    assert "La campagne est suspendue" in page.text and "Reprendre la campagne" in page.text
    assert "Suspendue</span>" in page.text
    refus = await superviseur.post(f"/superviseur/campagnes/{annee}/pause", {"motif": ""})
    assert refus.status_code == 409 and "déjà suspendue" in refus.text
    reponse = await superviseur.post(f"/superviseur/campagnes/{annee}/reprise", {"motif": ""})
    assert reponse.status_code == 303
    assert "La campagne reprend" in (await superviseur.get(reponse.headers["location"])).text
    async with sessions() as session:
        types = [
            e.type
            for e in (
                await session.exec(select(Evenement).where(Evenement.processus_id == f"campagne-dai-{annee}"))
            ).all()
        ]
    assert [t for t in types if t in ("campagne_suspendue", "campagne_reprise")] == [
        "campagne_suspendue",
        "campagne_reprise",
    ]

    # July N: the employers are told, one task per agent to update.
    calendrier = demande_campagne(settings, annee).calendrier
    await avancer_jusqua(env, calendrier.lancement + timedelta(hours=1))
    await attendre(lambda: len(boite.messages) == 2)
    page = await superviseur.get(f"/superviseur/campagnes/{annee}")
    assert 'role="img" aria-labelledby="graphique-campagne-titre graphique-campagne-desc"' in page.text
    assert "<caption>Agents par cohorte et par état de leur document</caption>" in page.text
    assert "Relevé individuel de situation (RIS)</th>" in page.text
    # « Courriel », as everywhere else on the pages: the dashboard's row and the supervisor's menu.
    assert '<th scope="row">Courriels envoyés aux agents</th>' in page.text and "Modèles de courriels" in page.text
    assert "Mails envoyés" not in page.text and "Modèles de mails" not in page.text
    taches = await taches_de_campagne(sessions)
    ouvertes = len([t for t in taches if t.etat == "ouverte"])
    assert re.search(rf"Tâches de mise à jour ouvertes</th><td>{ouvertes}</td>", page.text)
    for employeur in pop.employeurs.values():
        assert employeur.raison_sociale.replace("'", "&#39;") in page.text

    # The employer: its agents of the campaign, the ones to update first, with their task.
    rh = await navigateur("rh-commune")
    liste = await rh.get("/employeur/campagnes")
    assert liste.status_code == 200 and f"Campagne {annee} (envoi des documents en {annee + 1})" in liste.text
    commune = [t for t in taches if t.employeur_id == pop.employeurs["commune"].id]
    assert commune
    for tache in commune:
        assert f'href="/taches/{tache.id}">Mettre à jour et répondre' in liste.text
    for cle in pop.a_mettre_a_jour["commune"]:
        assert f"{pop.agents[cle].prenom} {pop.agents[cle].nom}" in liste.text
    hopital = [t for t in taches if t.employeur_id == pop.employeurs["hopital"].id]
    for tache in hopital:
        assert f'href="/taches/{tache.id}"' not in liste.text
    # It answers one from the task form: refused while the agent's CIR lacks the reference year (N-1), saying
    # which period; once the year is written on the CIR page, accepted: now « Répondu ».
    await rh.get(f"/taches/{commune[0].id}")
    refus = await rh.post(f"/taches/{commune[0].id}", {"carriere_verifiee": "oui"})
    assert refus.status_code == 422 and f"il manque la période du 1er janvier {annee - 1} au " in refus.text
    agent = next(a for a in pop.agents.values() if a.id == commune[0].affilie_id)
    await rh.get(f"/cir/{agent.nir}", params={"annee": annee - 1})
    periode = {"date_debut": f"{annee - 1}-01-01", "date_fin": date.today().isoformat(), "indice_majore": "480"}
    formulaire = {"quotite": "100", "nature": "titulaire", "categorie": "sedentaire"}
    ecrite = await rh.post(f"/cir/{agent.nir}/{annee - 1}", {**formulaire, **periode})
    assert ecrite.status_code == 303, ecrite.text
    await rh.get(f"/taches/{commune[0].id}")
    assert (await rh.post(f"/taches/{commune[0].id}", {"carriere_verifiee": "oui"})).status_code == 303
    assert "Répondu</p>" in (await rh.get("/employeur/campagnes")).text

    # After the cut-off, the late employers (open tasks left) are on the dashboard.
    await avancer_jusqua(env, calendrier.date_limite + timedelta(hours=1))

    async def retard_affiche() -> bool:
        texte = (await superviseur.get(f"/superviseur/campagnes/{annee}")).text
        return (
            "Centre hospitalier de Lautreville</td><td>" in texte.split('id="titre-retard"')[1].split("</section>")[0]
        )

    for _ in range(100):
        if await retard_affiche():
            break
        await env.sleep(timedelta(hours=1))
    assert await retard_affiche()
    # Others are refused: an employer on the supervisors' pages, a supervisor on the employer's list.
    assert (await rh.get(f"/superviseur/campagnes/{annee}")).status_code == 403
    assert (await rh.post(f"/superviseur/campagnes/{annee}/pause", {"motif": ""})).status_code == 403
    assert (await superviseur.get("/employeur/campagnes")).status_code == 403


async def test_prolonger_le_delai_d_un_employeur_depuis_le_tableau_de_bord(banc):
    env, settings, _, boite, pop, navigateur = banc
    annee, hopital = pop.annee, pop.employeurs["hopital"]
    superviseur = await navigateur("superviseur")
    await superviseur.get("/superviseur/campagnes")
    assert (await superviseur.post("/superviseur/campagnes", {"annee": str(annee)})).status_code == 303
    calendrier = demande_campagne(settings, annee).calendrier
    await avancer_jusqua(env, calendrier.lancement + timedelta(hours=1))
    await attendre(lambda: len(boite.messages) == 2)
    page = await superviseur.get(f"/superviseur/campagnes/{annee}")
    assert '<h2 id="titre-delai">Prolonger le délai d\'un employeur</h2>' in page.text

    adresse = f"/superviseur/campagnes/{annee}/employeurs/delai"
    jour = calendrier.date_limite.astimezone(PARIS).date() + timedelta(days=10)
    transmission = calendrier.transmission.astimezone(PARIS).date()
    saisie = {"employeur_id": str(hopital.id), "motif": "Fusion des services des ressources humaines"}
    refus = await superviseur.post(adresse, {**saisie, "date_limite": transmission.isoformat()})
    assert refus.status_code == 422 and "transmises au GIP Info Retraite" in refus.text
    assert mots_de_code(refus.text) == []
    reponse = await superviseur.post(adresse, {**saisie, "date_limite": jour.isoformat()})
    assert reponse.status_code == 303 and reponse.headers["location"] == f"/superviseur/campagnes/{annee}?message=delai"
    page = await superviseur.get(reponse.headers["location"])
    assert "Le délai de l&#39;employeur est prolongé" in page.text and f"Prolongée au {date_fr(jour)}" in page.text
    assert mots_de_code(page.text) == []
    # The hospital reads its own date on its campaign page.
    drh = await navigateur("drh")
    assert f"au plus tard le <strong>{date_fr(jour)}</strong>" in (await drh.get("/employeur/campagnes")).text
    await env.client.get_workflow_handle(id_workflow_delai(annee, hopital.id)).terminate()
