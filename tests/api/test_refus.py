"""Refusals through the API: a French message naming the rule, and who may see what."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.task_queues import id_workflow_eir
from persistence import depots
from persistence.db import transaction
from persistence.fabrique import nir_valide
from persistence.models import DemandeEirTable
from tests.support.environnement import settings_de_test
from tests.support.fabriques import inserer_tache, tache_de_verification
from tests.support.service import Service, assembler


@pytest.fixture
async def service(tmp_path, url_sqlite):
    # Temporal is deliberately unreachable: every refusal below must come before the engine.
    settings = settings_de_test(tmp_path, url_sqlite, 1, temporal_address="127.0.0.1:1")
    async with AsyncExitStack() as pile:
        yield await assembler(settings, pile)


async def _demande_existante(service: Service, il_y_a: timedelta, etat: str) -> DemandeEirTable:
    maintenant = datetime.now(UTC)
    async with transaction(service.sessions) as session:
        demande = await depots.creer_demande_eir(
            session, service.pop.affilie, (maintenant - il_y_a).date(), "en_ligne", maintenant, id_workflow_eir
        )
        demande.etat = etat
        demande.terminee_le = None if etat != "close" else maintenant
        session.add(demande)
    return demande


async def test_agent_de_moins_de_45_ans(service: Service):
    reponse = await (await service.http("lea")).post("/eir", json={})
    assert reponse.status_code == 422
    assert "à partir de 45 ans" in reponse.json()["detail"]
    assert reponse.json()["erreurs"][0]["regle"] == "age_minimum"


async def test_jamais_affilie(service: Service):
    inconnu = nir_valide(1, date(1970, 1, 1), "75", 101, 999)
    reponse = await (await service.http("superviseur")).post("/eir", json={"nir": inconnu})
    assert reponse.status_code == 422
    assert "jamais été affilié à la CNRACL" in reponse.json()["detail"]


async def test_nir_invalide(service: Service):
    reponse = await (await service.http("superviseur")).post("/eir", json={"nir": "268043306300199"})
    assert reponse.status_code == 422
    erreur = reponse.json()["erreurs"][0]
    assert erreur["champ"] == "nir" and "clé du NIR" in erreur["message"]


async def test_eir_deja_ouvert(service: Service):
    await _demande_existante(service, timedelta(days=400), "verification_employeur")
    reponse = await (await service.http("camille")).post("/eir", json={})
    assert reponse.status_code == 409
    assert "déjà en cours" in reponse.json()["detail"]


async def test_autre_eir_dans_les_6_derniers_mois(service: Service):
    await _demande_existante(service, timedelta(days=90), "close")
    reponse = await (await service.http("camille")).post("/eir", json={})
    assert reponse.status_code == 422
    assert "6 mois après la précédente demande" in reponse.json()["detail"]
    assert reponse.json()["erreurs"][0]["regle"] == "delai_entre_demandes"


async def test_siret_invalide_a_la_creation_de_compte(service: Service):
    from persistence.comptes import CompteInvalide, creer_compte

    async with transaction(service.sessions) as session:
        with pytest.raises(CompteInvalide, match="clé du SIRET"):
            await creer_compte(session, role="employeur", identifiant="rh2", code_hash="x", siret="21330063000175")


async def test_ligne_cir_sur_deux_annees(service: Service):
    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    reponse = await rh.put(f"/affilies/{nir}/cir/2010", json={"date_debut": "2010-07-01", "date_fin": "2011-06-30"})
    assert reponse.status_code == 422
    erreur = reponse.json()["erreurs"][0]
    assert "une seule année civile" in erreur["message"]


async def test_ligne_cir_correcte_puis_relue(service: Service):
    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    reponse = await rh.put(
        f"/affilies/{nir}/cir/2010",
        json={"date_debut": "2010-01-01", "date_fin": "2010-12-31", "quotite": 80, "indice_majore": 480},
    )
    assert reponse.status_code == 200, reponse.text
    lignes = (await rh.get(f"/affilies/{nir}/cir")).json()
    assert [(ligne["quotite"], ligne["indice_majore"]) for ligne in lignes if ligne["annee"] == 2010] == [(80, 480)]


async def test_completion_avec_ligne_sur_deux_annees(service: Service):
    rh = await service.http("rh-commune")
    reponse = await rh.post(
        "/taches/1/completion",
        json={
            "carriere_verifiee": True,
            "indice_fin_de_carriere": 600,
            "corrections": [{"date_debut": "2019-12-01", "date_fin": "2020-01-31"}],
        },
    )
    assert reponse.status_code == 422
    # the rule names its field: the line's last day, by its label in the sentence
    assert reponse.json()["erreurs"][0]["champ"] == "corrections.0.date_fin"
    assert (
        "Dernier jour (corrections du CIR, n° 1) : une ligne du CIR porte sur une seule année civile"
        in (reponse.json()["detail"])
    )


async def test_employeur_ne_voit_pas_la_tache_d_un_autre(service: Service):
    demande = await _demande_existante(service, timedelta(days=1), "verification_employeur")
    async with transaction(service.sessions) as session:
        maintenant = datetime.now(UTC)
        tache = await tache_de_verification(session, demande, "t1", echeance=maintenant, creee_le=maintenant)
    drh = await service.http("drh")
    assert (await drh.get(f"/taches/{tache.id}")).status_code == 404
    assert (
        await drh.post(
            f"/taches/{tache.id}/completion", json={"carriere_verifiee": True, "indice_fin_de_carriere": 600}
        )
    ).status_code == 404
    assert (await drh.get("/taches")).json() == []
    assert (await drh.get(f"/affilies/{service.pop.affilie.nir}/cir")).status_code == 404
    rh = await service.http("rh-commune")
    assert [t["id"] for t in (await rh.get("/taches")).json()] == [tache.id]
    assert (await (await service.http("superviseur")).get(f"/taches/{tache.id}")).status_code == 200


async def test_agent_ne_lit_pas_l_eir_d_un_autre(service: Service):
    demande = await _demande_existante(service, timedelta(days=1), "verification_employeur")
    jean = await service.http("jean")
    for methode, chemin in (
        ("GET", ""),
        ("GET", "/bilan"),
        ("GET", "/ris"),
        ("POST", "/ris/validation"),
        ("DELETE", ""),
    ):
        reponse = await jean.request(methode, f"/eir/{demande.id}{chemin}")
        assert reponse.status_code == 404, (methode, chemin)
    assert (await (await service.http("camille")).get(f"/eir/{demande.id}")).status_code == 200
    # An employer is not an agent: the agent routes refuse its role.
    assert (await (await service.http("rh-commune")).post("/eir", json={})).status_code == 403


async def test_sans_jeton_et_jeton_falsifie(service: Service):
    anonyme = await service.http()
    assert (await anonyme.get("/sante")).json() == {"statut": "ok"}
    assert (await anonyme.get("/taches")).status_code == 401
    anonyme.headers["Authorization"] = "Bearer abc.def.ghi"
    reponse = await anonyme.get("/eir")
    assert reponse.status_code == 401 and "Reconnectez-vous" in reponse.json()["detail"]


async def test_connexion_code_errone_puis_verrou(service: Service):
    anonyme = await service.http()
    for _ in range(5):
        reponse = await anonyme.post("/auth/jeton", data={"username": "camille", "password": "mauvais"})
        assert reponse.status_code == 401
    reponse = await anonyme.post("/auth/jeton", data={"username": "camille", "password": "code-de-test-123"})
    assert reponse.status_code == 423 and "verrouillé" in reponse.json()["detail"]


async def test_get_eir_repond_sans_moteur_ni_worker(service: Service):
    demande = await _demande_existante(service, timedelta(days=1), "verification_employeur")
    etat = (await (await service.http("camille")).get(f"/eir/{demande.id}")).json()
    assert etat["etat"] == "verification_employeur"
    assert etat["historique"][0]["type"] == "demande_enregistree"


async def test_simulation_par_l_api(service: Service):
    rh = await service.http("rh-commune")
    cas = {
        "date_de_naissance": "1968-04-02",
        "date_de_liquidation": "2032-04-02",
        "indice_majore": 612,
        "trimestres_services": 150,
    }
    reponse = await rh.post("/simulations", json=cas)
    assert reponse.status_code == 200 and reponse.json()["decote_trimestres"] == 12
    reponse = await rh.post("/simulations", json=cas | {"date_de_liquidation": "1950-01-01"})
    assert reponse.status_code == 422
    assert reponse.json()["erreurs"][0]["champ"] == "date_de_liquidation"
    assert (await (await service.http("camille")).post("/simulations", json=cas)).status_code == 403


async def test_devis_de_rachat_et_cumul_par_l_api(service: Service):
    rh = await service.http("rh-commune")
    demande = {
        "date_de_naissance": "1960-03-01",
        "date_de_demande": "2019-06-01",
        "trimestres": 4,
        "option": 1,
        "traitement_indiciaire_brut_annuel": 30000,
    }
    reponse = await rh.post("/simulations/rachat", json=demande)
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["cout_rachat_etudes"] == 11760.0 and reponse.json()["age"] == 59
    refus = await rh.post("/simulations/rachat", json=demande | {"trimestres": 13})
    assert refus.status_code == 422
    erreur = refus.json()["erreurs"][0]
    assert erreur["champ"] == "trimestres" and "1 à 12 trimestres" in erreur["message"]
    assert refus.json()["detail"].startswith("Trimestres : Le rachat d'études")
    cas = {
        "date_de_naissance": "1954-01-01",
        "date_de_liquidation": "2014-06-01",
        "trimestres_services": 165,
        "traitement_indiciaire_brut_annuel": 30000,
        "carriere_longue": {"trimestres_fin_annee": {"20": 5}, "duree_cotisee": 165},
        "revenus_activite_annuels": 15500,
        "rachat_etudes": {"trimestres": 2, "option": 2, "date_de_demande": "2010-01-01"},
    }
    resultat = (await rh.post("/simulations", json=cas)).json()
    assert resultat["cumul_libre"] is False and resultat["ecretement_annuel"] == 1058.62
    assert resultat["cout_rachat_etudes"] == 11880.0  # 56 ans, option 2 : 19,8 % × 30 000 € × 2
    refus = await rh.post("/simulations", json=cas | {"revenus_activite_annuels": -1})
    assert refus.status_code == 422 and refus.json()["erreurs"][0]["champ"] == "revenus_activite_annuels"


async def test_siret_invalide_par_l_api(service: Service):
    reponse = await (await service.http("camille")).post(
        "/rectifications",
        json={
            "type_document": "ris",
            "annee_document": 2026,
            "motif": "Période manquante",
            "periode_debut": "1992-01-01",
            "periode_fin": "1992-12-31",
            "siret_employeur": "21330063000175",
        },
    )
    assert reponse.status_code == 422
    erreur = reponse.json()["erreurs"][0]
    assert erreur["champ"] == "siret_employeur" and "Luhn" in erreur["message"]


async def test_tache_de_campagne_par_la_corbeille(service: Service):
    maintenant = datetime.now(UTC)
    async with transaction(service.sessions) as session:
        pop = service.pop
        tache = await inserer_tache(
            session,
            "campagne-dai-2026:maj:1",
            "maj_cir_campagne",
            "campagne-dai-2026",
            pop.employeur.id,
            pop.affilie.id,
            echeance=maintenant,
            creee_le=maintenant,
        )
    rh = await service.http("rh-commune")
    assert [t["id"] for t in (await rh.get("/taches", params={"type": "maj_cir_campagne"})).json()] == [tache.id]
    reponse = await rh.post(f"/taches/{tache.id}/completion", json={"carriere_verifiee": True})
    assert reponse.status_code == 200 and reponse.json()["etat"] == "terminee"
    deuxieme = await rh.post(f"/taches/{tache.id}/completion", json={"carriere_verifiee": True})
    assert deuxieme.status_code == 409 and "est déjà terminée" in deuxieme.json()["detail"], deuxieme.text


async def test_filtre_inconnu_de_la_corbeille(service: Service):
    reponse = await (await service.http("rh-commune")).get("/taches", params={"etat": "perdue"})
    assert reponse.status_code == 422
    erreur = reponse.json()["erreurs"][0]
    assert erreur["champ"] == "etat"
    assert (
        erreur["message"]
        == "valeur inconnue ; valeurs possibles : 'ouverte', 'terminee', 'annulee' ou 'close_date_limite'"
    )
