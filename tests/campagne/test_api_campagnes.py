"""The campaign through the API: start, dry run, progress, pause and resume, the employer's answer;
bad input gets a French 422 naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.attente import attendre
from tests.support.campagne import avancer_jusqua, service_campagne, taches_de_campagne
from tests.support.environnement import settings_sur
from workflows.campagne_client import demande_campagne


@pytest.fixture
async def api(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite):
    env = env_temps_accelere
    settings = settings_sur(env, tmp_path, url_sqlite, boite_mail.port)
    async with service_campagne(env, settings, sessions_sqlite) as (service, pop):
        yield env, settings, sessions_sqlite, boite_mail, pop, service.http


async def test_mauvaises_entrees_en_francais(api):
    _, _, _, _, pop, client = api
    superviseur, rh = await client("superviseur"), await client("rh-commune")
    reponse = await superviseur.post("/campagnes/deux-mille")
    assert reponse.status_code == 422 and reponse.json()["erreurs"][0]["champ"] == "annee"
    assert "nombre entier" in reponse.json()["detail"]
    reponse = await superviseur.post("/campagnes/1990")
    assert (
        reponse.status_code == 422
        and "Année : " in reponse.json()["detail"]  # the field by its label, never its code
        and "au moins 2007" in reponse.json()["detail"]
    )
    reponse = await superviseur.get(f"/campagnes/{pop.annee}")
    assert reponse.status_code == 404 and "Aucune campagne" in reponse.json()["detail"]
    reponse = await superviseur.post(f"/campagnes/{pop.annee}/pause")
    assert reponse.status_code == 404
    assert (await rh.post(f"/campagnes/{pop.annee}")).status_code == 403
    reponse = await superviseur.get(f"/campagnes/{pop.annee}/agents", params={"cohorte": "retraite"})
    assert reponse.status_code == 422 and reponse.json()["erreurs"][0]["champ"] == "cohorte"


async def test_simulation_lancement_pilotage_et_reponse_employeur(api):
    env, settings, sessions, boite, pop, client = api
    superviseur, rh, drh = await client("superviseur"), await client("rh-commune"), await client("drh")
    annee = pop.annee

    reponse = await superviseur.post(f"/campagnes/{annee}", params={"simulation": "true"})
    assert reponse.status_code == 202, reponse.text
    simulation = reponse.json()
    assert simulation["simulation"] and simulation["etape"] == "simulee"
    assert simulation["previsionnel"]["taches"] == 2 and boite.messages == []
    qui = (await superviseur.get(f"/campagnes/{annee}/agents", params={"simulation": "true"})).json()
    assert sorted((a["prenom"], a["cohorte"]) for a in qui) == sorted(
        (pop.agents[c].prenom, d) for c, d in pop.attendus.items()
    )

    reponse = await superviseur.post(f"/campagnes/{annee}")
    assert reponse.status_code == 202, reponse.text
    assert reponse.json()["annee_envoi"] == annee + 1 and not reponse.json()["simulation"]
    assert (await superviseur.post(f"/campagnes/{annee}")).json()["workflow_id"] == f"campagne-dai-{annee}"

    assert (await superviseur.post(f"/campagnes/{annee}/pause", json={"motif": "vérification"})).json()["en_pause"]
    reponse = await superviseur.post(f"/campagnes/{annee}/pause")
    assert reponse.status_code == 409 and "déjà suspendue" in reponse.json()["detail"]
    assert (await superviseur.get(f"/campagnes/{annee}")).json()["en_pause"]
    assert not (await superviseur.post(f"/campagnes/{annee}/reprise")).json()["en_pause"]

    demande = demande_campagne(settings, annee)
    await avancer_jusqua(env, demande.calendrier.lancement + timedelta(hours=1))
    await attendre(lambda: len(boite.messages) == 2)
    taches = await taches_de_campagne(sessions)
    commune = next(t for t in taches if t.employeur_id == pop.employeurs["commune"].id)
    hopital = next(t for t in taches if t.employeur_id == pop.employeurs["hopital"].id)
    # The employer sees its campaign tasks in its inbox, answers its own, not another's.
    assert [t["id"] for t in (await rh.get("/taches")).json()] == [commune.id]
    url = f"/campagnes/{annee}/taches/{hopital.id}/completion"
    assert (await rh.post(url, json={"donnees_verifiees": True})).status_code == 404
    url = f"/campagnes/{annee}/taches/{commune.id}/completion"
    reponse = await rh.post(url, json={"donnees_verifiees": False})
    assert reponse.status_code == 422 and "J'ai vérifié les données : " in reponse.json()["detail"]
    assert (await rh.post(url, json={"donnees_verifiees": True})).json()["etat"] == "terminee"
    assert (await rh.post(url, json={"donnees_verifiees": True})).status_code == 409

    etat = (await superviseur.get(f"/campagnes/{annee}")).json()
    assert etat["progression"]["taches"] == {"ouverte": 1, "terminee": 1}
    assert etat["progression"]["employeurs"]["notifies"] == 2
    assert etat["progression"]["par_cohorte"]["ris"] == {"selectionne": 4}
    par_employeur = (await superviseur.get(f"/campagnes/{annee}/employeurs")).json()
    assert {e["raison_sociale"]: e["taches_ouvertes"] for e in par_employeur} == {
        "Commune de Saint-Exemple": 0,
        "Centre hospitalier de Lautreville": 1,
        "SDIS de l'Exemple": 0,
    }
    assert (await drh.get(f"/campagnes/{annee}")).status_code == 403
    await env.client.get_workflow_handle(f"campagne-dai-{annee}").terminate()
