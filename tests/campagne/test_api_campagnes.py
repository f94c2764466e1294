"""The campaign through the API: start, dry run, progress, pause and resume, the employer's answer;
bad input gets a French 422 naming the field."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.campagne import PARIS
from domain.campagne_echeances import id_workflow_delai
from notifications.rendu import date_fr
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
    assert "lancez-la d'abord depuis la page des campagnes" in reponse.json()["detail"]
    assert "/campagnes" not in reponse.json()["detail"]  # what to do, in words, never a route
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
    # The agent's CIR lacks the reference year (N-1): refused, saying which period is missing; accepted once written.
    reponse = await rh.post(url, json={"donnees_verifiees": True})
    detail = reponse.json()["detail"]
    assert reponse.status_code == 422 and "il manque" in detail and f"du 1er janvier {annee - 1} au " in detail, detail
    assert detail.startswith("J'ai vérifié les données : ") and reponse.json()["erreurs"][0]["regle"] == "cir_incomplet"
    agent = next(a for a in pop.agents.values() if a.id == commune.affilie_id)
    ligne = {"date_debut": f"{annee - 1}-01-01", "date_fin": date.today().isoformat(), "indice_majore": 480}
    assert (await rh.put(f"/affilies/{agent.nir}/cir/{annee - 1}", json=ligne)).status_code == 200
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


async def test_delai_d_un_employeur_et_ses_refus(api):
    env, settings, _, boite, pop, client = api
    superviseur, rh = await client("superviseur"), await client("rh-commune")
    annee, hopital = pop.annee, pop.employeurs["hopital"]
    cal = demande_campagne(settings, annee).calendrier

    def jour(instant, jours: int = 0) -> str:
        return (instant.astimezone(PARIS).date() + timedelta(days=jours)).isoformat()

    url = f"/campagnes/{annee}/employeurs/{hopital.id}/delai"
    corps = {"date_limite": jour(cal.date_limite, 10), "motif": "Fusion des services des ressources humaines"}
    assert (await superviseur.post(url, json=corps)).status_code == 404  # no campaign yet
    assert (await superviseur.post(f"/campagnes/{annee}")).status_code == 202
    await avancer_jusqua(env, cal.lancement + timedelta(hours=1))
    await attendre(lambda: len(boite.messages) == 2)

    assert (await rh.post(url, json=corps)).status_code == 403
    inconnu = await superviseur.post(f"/campagnes/{annee}/employeurs/999999/delai", json=corps)
    assert inconnu.status_code == 404 and "n'est pas un employeur de la campagne" in inconnu.json()["detail"]
    refus = {
        "déjà passé": (date.today() - timedelta(days=1)).isoformat(),
        "une prolongation va au-delà": jour(cal.date_limite),
        f"transmises au GIP Info Retraite le {date_fr(cal.transmission)}": jour(cal.transmission),
    }
    for attendu, valeur in refus.items():
        reponse = await superviseur.post(url, json={**corps, "date_limite": valeur})
        assert reponse.status_code == 422 and attendu in reponse.json()["detail"], reponse.text
        assert "Nouvelle date limite : " in reponse.json()["detail"]  # the field by its label, never its code
    sans_motif = await superviseur.post(url, json={"date_limite": corps["date_limite"]})
    assert sans_motif.status_code == 422 and sans_motif.json()["erreurs"][0]["champ"] == "motif"

    reponse = await superviseur.post(url, json=corps)
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["taches"] == 1 and reponse.json()["raison_sociale"] == hopital.raison_sociale
    par_employeur = {e["employeur_id"]: e for e in (await superviseur.get(f"/campagnes/{annee}/employeurs")).json()}
    assert par_employeur[hopital.id]["date_limite"] and not par_employeur[pop.employeurs["commune"].id]["date_limite"]
    (tache,) = (await (await client("drh")).get("/taches")).json()
    assert datetime.fromisoformat(tache["echeance"]) == datetime.fromisoformat(reponse.json()["date_limite"])
    await env.client.get_workflow_handle(f"campagne-dai-{annee}").terminate()
    await env.client.get_workflow_handle(id_workflow_delai(annee, hopital.id)).terminate()
