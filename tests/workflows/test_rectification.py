"""Rectificative RIS/EIG requests through the API, on the time-skipping server, with the real SMTP
server: every routing path, the EIG flag, the rectified document; each mail exactly once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from persistence.fabrique import siret_valide
from persistence.models import Document, Tache
from tests.support.attente import attendre
from tests.support.environnement import settings_sur, texte
from tests.support.fabriques import AGENT, EMPLOYEUR, SUPERVISEURS, ligne_chez
from tests.support.incidents import inserer_ligne_de_1800
from tests.support.lexique import texte_lu
from tests.support.navigateur import navigateur
from tests.support.service import Service, service_et_worker

DRH = "drh@ch-lautreville.fr"


class Banc:
    def __init__(self, service: Service, env, boite) -> None:
        self.service, self.env, self.boite = service, env, boite

    async def demander(self, **corps) -> dict:
        agent = await self.service.http("camille")
        reponse = await agent.post(
            "/rectifications",
            json={"type_document": "ris", "annee_document": 2026, "motif": "Temps partiel non repris", **corps},
        )
        assert reponse.status_code == 201, reponse.text
        return reponse.json()

    async def etat(self, rectification_id: int) -> dict:
        agent = await self.service.http("camille")
        return (await agent.get(f"/rectifications/{rectification_id}")).json()

    async def taches(self, identifiant: str) -> list[dict]:
        return (await (await self.service.http(identifiant)).get("/taches")).json()

    async def completer(self, identifiant: str, tache_id: int, corrections: list[dict]) -> None:
        reponse = await (await self.service.http(identifiant)).post(
            f"/taches/{tache_id}/completion", json={"carriere_verifiee": True, "corrections": corrections}
        )
        assert reponse.status_code == 200, reponse.text

    async def attendre_etat(self, rectification_id: int, etat: str) -> dict:
        resultat = {}

        async def verifier():
            resultat.update(await self.etat(rectification_id))
            return resultat["etat"] == etat

        await attendre(verifier)
        return resultat


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, url_sqlite):
    settings = settings_sur(env_temps_accelere, tmp_path, url_sqlite, boite_mail.port)
    async with service_et_worker(env_temps_accelere, settings) as service:
        yield Banc(service, env_temps_accelere, boite_mail)


async def test_periode_chez_l_employeur_actuel(banc: Banc):
    r = await banc.demander(periode_debut="2005-01-01", periode_fin="2005-12-31")
    assert r["routage"] == "employeur_actuel" and r["reclamation_eig"] is False
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    assert "période à corriger" in banc.boite.pour(EMPLOYEUR)[0]["Subject"]
    [tache] = await banc.taches("rh-commune")
    assert tache["type"] == "correction_cir_rectification"
    assert await banc.taches("drh") == []
    await banc.completer(
        "rh-commune", tache["id"], [{"date_debut": "2005-01-01", "date_fin": "2005-12-31", "quotite": 80}]
    )
    etat = await banc.attendre_etat(r["id"], "document_rectifie")
    await attendre(lambda: len(banc.boite.pour(AGENT)) == 2)
    assert banc.boite.sujets(AGENT) == [
        "Votre demande de RIS rectificatif est enregistrée",
        "Votre RIS rectificatif est disponible",
    ]
    async with banc.service.sessions() as session:
        document = await session.get(Document, etat["document_rectifie_id"])
    assert document is not None
    periode = [p for p in document.contenu["periodes"] if p["annee"] == 2005]
    assert document.contenu["rectificatif"] is True and periode[0]["quotite"] == 80
    assert len(banc.boite.messages) == 3


async def test_employeur_precedent_dans_le_systeme(banc: Banc):
    pop = banc.service.pop
    # The hospital employed the agent in 1992 (its line is on the CIR); 1993 is missing.
    await ligne_chez(banc.service.sessions, pop.affilie, pop.autre_employeur, date(1992, 1, 1), date(1992, 12, 31))
    r = await banc.demander(
        periode_debut="1993-01-01", periode_fin="1993-12-31", siret_employeur=pop.autre_employeur.siret
    )
    assert r["routage"] == "employeur_precedent"
    # First the former employer transmits; then the current one obtains and corrects.
    await attendre(lambda: len(banc.boite.pour(DRH)) == 1)
    assert banc.boite.pour(EMPLOYEUR) == []
    [transmission] = await banc.taches("drh")
    assert transmission["type"] == "transmission_donnees_rectification"
    # The former employer sees the disputed period only (no line of the CIR in it, no NIR), and writes nothing
    # outside it.
    drh = await banc.service.http("drh")
    vue = (await drh.get(f"/taches/{transmission['id']}")).json()
    assert vue["perimetre"] == "periode_contestee" and vue["agent"]["cir"] == [] and "nir" not in vue["agent"]
    refus = await drh.post(
        f"/taches/{transmission['id']}/completion",
        json={"carriere_verifiee": True, "corrections": [{"date_debut": "1992-01-01", "date_fin": "1992-12-31"}]},
    )
    assert refus.status_code == 422 and refus.json()["erreurs"][0]["regle"] == "periode_contestee"
    await banc.completer(
        "drh",
        transmission["id"],
        [{"date_debut": "1993-01-01", "date_fin": "1993-12-31", "nature": "non_titulaire_valide"}],
    )
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    assert "ancien employeur" in banc.boite.pour(EMPLOYEUR)[0]["Subject"]
    [obtention] = await banc.taches("rh-commune")
    assert obtention["type"] == "obtention_donnees_rectification"
    await banc.completer("rh-commune", obtention["id"], [])
    await banc.attendre_etat(r["id"], "document_rectifie")
    await attendre(lambda: len(banc.boite.pour(AGENT)) == 2)
    async with banc.service.sessions() as session:
        ligne = list((await session.exec(select(Tache))).all())
    assert {t.etat for t in ligne} == {"terminee"}
    assert len(banc.boite.messages) == 4


async def test_employeur_precedent_hors_systeme(banc: Banc):
    inconnu = siret_valide(99887766, 12)
    r = await banc.demander(periode_debut="1992-01-01", periode_fin="1992-06-30", siret_employeur=inconnu)
    assert r["routage"] == "employeur_precedent_hors_systeme"
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    [obtention] = await banc.taches("rh-commune")
    assert obtention["type"] == "obtention_donnees_rectification"
    await banc.completer("rh-commune", obtention["id"], [{"date_debut": "1992-01-01", "date_fin": "1992-06-30"}])
    await banc.attendre_etat(r["id"], "document_rectifie")
    await attendre(lambda: len(banc.boite.messages) == 3)


async def test_autre_regime(banc: Banc):
    r = await banc.demander(periode_debut="1990-07-01", periode_fin="1990-08-31", regime="msa")
    assert r["routage"] == "autre_regime"
    await banc.attendre_etat(r["id"], "orientee_autre_regime")
    await attendre(lambda: len(banc.boite.pour(AGENT)) == 2)
    orientation = banc.boite.pour(AGENT)[1]
    assert orientation["Subject"] == "Votre demande de rectification : contactez la Mutualité sociale agricole (MSA)"
    assert "https://www.msa.fr" in texte(orientation)
    assert await banc.taches("rh-commune") == [] and len(banc.boite.messages) == 2


async def test_eig_porte_la_reclamation(banc: Banc):
    r = await banc.demander(type_document="eig", periode_debut="2010-01-01", periode_fin="2010-12-31")
    assert r["reclamation_eig"] is True
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    assert "réclamation sur l'EIG" in texte(banc.boite.pour(EMPLOYEUR)[0])
    [tache] = await banc.taches("rh-commune")
    assert tache["details"]["reclamation_eig"] is True
    await banc.completer(
        "rh-commune", tache["id"], [{"date_debut": "2010-01-01", "date_fin": "2010-12-31", "indice_majore": 450}]
    )
    etat = await banc.attendre_etat(r["id"], "document_rectifie")
    async with banc.service.sessions() as session:
        document = await session.get(Document, etat["document_rectifie_id"])
    assert document is not None
    assert document.type == "eig" and document.contenu["reclamation_eig"] is True
    assert document.contenu["mention"] == "Dossier instruit dans le cadre d'une réclamation sur l'EIG"
    assert len(document.contenu["points"]) >= 2
    await attendre(lambda: len(banc.boite.pour(AGENT)) == 2)
    assert "réclamation sur l'EIG" in texte(banc.boite.pour(AGENT)[1])


async def test_relance_et_escalade_de_la_tache(banc: Banc):
    r = await banc.demander(periode_debut="2005-01-01", periode_fin="2005-12-31")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    await banc.env.sleep(timedelta(days=10, minutes=1))
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 2)
    assert banc.boite.pour(EMPLOYEUR)[1]["Subject"].startswith("Relance")
    await banc.env.sleep(timedelta(days=10))
    await attendre(lambda: len(banc.boite.pour(SUPERVISEURS)) == 1)
    assert (await banc.etat(r["id"]))["historique"][-1]["type"] == "escalade_superviseur"


async def test_autorisations(banc: Banc):
    agent = await banc.service.http("camille")
    reponse = await agent.post(
        "/rectifications",
        json={
            "type_document": "ris",
            "annee_document": 2026,
            "motif": "x" * 5,
            "periode_debut": "2005-01-01",
            "periode_fin": "2005-12-31",
            "nir": banc.service.pop.collegue.nir,
        },
    )
    assert reponse.status_code == 403
    r = await banc.demander(periode_debut="2005-01-01", periode_fin="2005-12-31")
    jean = await banc.service.http("jean")
    assert (await jean.get(f"/rectifications/{r['id']}")).status_code == 404
    assert [x["id"] for x in (await jean.get("/rectifications")).json()] == []
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    assert await banc.taches("drh") == []
    [tache] = await banc.taches("rh-commune")
    drh = await banc.service.http("drh")
    assert (await drh.post(f"/taches/{tache['id']}/completion", json={"carriere_verifiee": True})).status_code == 404


async def test_demande_mal_formee(banc: Banc):
    agent = await banc.service.http("camille")
    reponse = await agent.post(
        "/rectifications",
        json={
            "type_document": "bulletin",
            "annee_document": 2026,
            "motif": "erreur",
            "periode_debut": "2005-12-31",
            "periode_fin": "2005-01-01",
        },
    )
    assert reponse.status_code == 422
    champs = {e["champ"] for e in reponse.json()["erreurs"]}
    assert "type_document" in champs
    reponse = await agent.post(
        "/rectifications",
        json={
            "type_document": "ris",
            "annee_document": 2026,
            "motif": "erreur",
            "periode_debut": "1980-01-01",
            "periode_fin": "1980-12-31",
        },
    )
    assert reponse.status_code == 422 and "SIRET" in reponse.json()["detail"]


async def test_le_superviseur_voit_chaque_processus(banc: Banc):
    r = await banc.demander(periode_debut="1990-07-01", periode_fin="1990-08-31", regime="regime_general")
    await banc.attendre_etat(r["id"], "orientee_autre_regime")
    superviseur = await banc.service.http("superviseur")
    liste = (await superviseur.get("/processus", params={"type": "rectification"})).json()
    assert [(p["reference"], p["etat"]) for p in liste] == [(f"RECT-{r['id']}", "orientee_autre_regime")]
    detail = (await superviseur.get(f"/processus/{r['workflow_id']}")).json()
    assert detail["moteur"]["statut"] == "COMPLETED"
    assert [e["type"] for e in detail["historique"]] == ["rectification_demandee", "orientee_autre_regime"]
    assert (await superviseur.get("/processus", params={"type": "inconnu"})).status_code == 422
    assert (await (await banc.service.http("rh-commune")).get("/processus")).status_code == 403


async def test_un_eig_rectificatif_refuse_par_le_calcul_est_un_incident_que_le_superviseur_annule(banc: Banc):
    """The same incident step as the EIR's: the rectified EIG's calculation refuses a CIR line of 1800 (stored
    before the entry checks); the supervisor sees it and cancels the request with a reason through the API."""
    service = banc.service
    await inserer_ligne_de_1800(service.sessions, service.pop.affilie, service.pop.employeur)
    r = await banc.demander(type_document="eig", periode_debut="2005-01-01", periode_fin="2005-12-31")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    [tache] = await banc.taches("rh-commune")
    await banc.completer("rh-commune", tache["id"], [])
    await banc.attendre_etat(r["id"], "incident")
    superviseur = await service.http("superviseur")
    [incident] = (await superviseur.get("/incidents")).json()
    assert incident["processus"] == "rectification" and incident["type"] == "metier"
    assert incident["etape"] == "production du document rectifié" and "1800" in incident["motif"]
    refus = await superviseur.post(f"/processus/{incident['workflow_id']}/annulation", json={"motif": "  "})
    assert refus.status_code == 422 and "indiquez pourquoi" in refus.text
    reponse = await superviseur.post(
        f"/processus/{incident['workflow_id']}/annulation", json={"motif": "Carrière reprise par un autre dossier"}
    )
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["etat"] == "annulee"
    assert (await superviseur.get("/incidents")).json() == []
    encore = await superviseur.post(f"/processus/{incident['workflow_id']}/reprise", json={})
    assert encore.status_code == 409 and "n'est pas en incident" in encore.json()["detail"]
    async with service.sessions() as session:
        documents = (await session.exec(select(Document))).all()
        taches = (await session.exec(select(Tache).where(Tache.type == "incident"))).all()
    assert documents == [] and [t.etat for t in taches] == ["annulee"]


async def test_aucune_erreur_constatee_est_dite_a_l_agent_avec_son_motif(banc: Banc):
    """The employer finds the period right: the agent is mailed that outcome and its reason, not « corrigée »; no
    rectified document, the CIR untouched. An answer that does not hold together is refused, naming its field."""
    r = await banc.demander(periode_debut="2005-01-01", periode_fin="2005-12-31")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    [tache] = await banc.taches("rh-commune")
    rh = await banc.service.http("rh-commune")
    url = f"/taches/{tache['id']}/completion"

    sans_motif = await rh.post(url, json={"carriere_verifiee": True, "resultat": "aucune_erreur", "motif": "  "})
    assert sans_motif.status_code == 422 and sans_motif.json()["erreurs"][0]["champ"] == "motif"
    avec_lignes = await rh.post(
        url,
        json={
            "carriere_verifiee": True,
            "resultat": "aucune_erreur",
            "motif": "Période conforme",
            "corrections": [{"date_debut": "2005-01-01", "date_fin": "2005-12-31", "quotite": 80}],
        },
    )
    assert avec_lignes.status_code == 422
    assert avec_lignes.json()["erreurs"][0]["regle"] == "aucune_erreur_sans_correction"
    rien = await rh.post(url, json={"carriere_verifiee": False, "resultat": "corrigee"})
    assert rien.status_code == 422 and rien.json()["erreurs"][0]["regle"] == "correction_de_la_periode"
    assert "aucune erreur constatée" in rien.json()["detail"]

    motif = "Temps plein toute l'année 2005, conforme à l'arrêté du 3 janvier 2005"
    reponse = await rh.post(
        url, json={"carriere_verifiee": True, "resultat": "aucune_erreur", "motif": motif, "commentaire": ""}
    )
    assert reponse.status_code == 200, reponse.text
    etat = await banc.attendre_etat(r["id"], "aucune_erreur_constatee")
    assert etat["en_attente_de"] is None
    await attendre(lambda: len(banc.boite.pour(AGENT)) == 2)
    assert banc.boite.sujets(AGENT) == [
        "Votre demande de RIS rectificatif est enregistrée",
        "Votre demande de rectification : aucune erreur constatée par l'employeur",
    ]
    corps = texte(banc.boite.pour(AGENT)[1])
    assert motif in corps and "n'y a constaté aucune erreur" in corps and "a été corrigée" not in corps
    async with banc.service.sessions() as session:
        # its own document: the RIS as it stands (not a rectified one), with the employer's reason
        [document] = (await session.exec(select(Document))).all()
        [fermee] = (await session.exec(select(Tache))).all()
    assert document.id == etat["document_rectifie_id"] and document.contenu["rectificatif"] is False
    reponse_document = document.contenu["reponse_rectification"]
    assert reponse_document["resultat"] == "aucune_erreur" and reponse_document["lignes_modifiees"] == []
    assert [m["motif"] for m in reponse_document["motifs"]] == [motif]
    assert fermee.etat == "terminee" and fermee.reponse is not None and fermee.reponse["resultat"] == "aucune_erreur"
    assert len(banc.boite.messages) == 3
    # the agent's page says it too, with the reason
    camille = await navigateur(banc.service, "camille")
    page = texte_lu((await camille.get(f"/rectifications/{r['id']}")).text)
    assert "Aucune erreur constatée par votre employeur" in page and motif in page
