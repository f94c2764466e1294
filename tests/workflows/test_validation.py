"""Validation-of-services deadlines on the time-skipping server, through the API, real SMTP server."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select
from temporalio.client import WorkflowHandle

from domain.processus import ActionSuperviseur
from domain.taches import DelaisTache
from domain.validation import EtatValidation, VueValidation
from persistence.db import transaction
from persistence.fabrique import identifiant
from persistence.models import Affilie, DossierValidationTable, Mail, Tache
from services.echeances import demarrer_echeances
from tests.support.attente import attendre, au_repos
from tests.support.environnement import settings_sur, texte
from tests.support.fabriques import AGENT, EMPLOYEUR, REGLE, SUPERVISEURS
from tests.support.service import Service, service_et_worker
from tests.support.validation import ouvrir_dossier_validation
from workflows.validation import EcheanceValidationWorkflow


class Banc:
    def __init__(self, service: Service, env, boite) -> None:
        self.service, self.env, self.boite = service, env, boite

    async def ouvrir(self, jours_avant_limite: int) -> int:
        """A dossier whose deadline is ``jours_avant_limite`` days ahead of the engine's clock."""
        dossier = await ouvrir_dossier_validation(
            self.service,
            self.env.client,
            self.service.pop.affilie,
            await self.env.get_current_time(),
            jours_avant_limite,
        )
        self.dossier_id, self.workflow_id = identifiant(dossier), dossier.workflow_id
        return self.dossier_id

    def echeance(self) -> WorkflowHandle[Any, Any]:
        """The deadline process of the dossier opened."""
        return self.env.client.get_workflow_handle(self.workflow_id)

    async def etat(self) -> dict:
        return (await (await self.service.http("camille")).get(f"/validations/{self.dossier_id}")).json()

    async def en_etat(self, etat: str) -> None:
        async def verifier():
            return (await self.etat())["etat"] == etat

        await attendre(verifier)


AUTRE_EMPLOYEUR = "drh@ch-lautreville.fr"


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, url_sqlite):
    settings = settings_sur(env_temps_accelere, tmp_path, url_sqlite, boite_mail.port)
    async with service_et_worker(env_temps_accelere, settings) as service:
        yield Banc(service, env_temps_accelere, boite_mail)


async def test_rappels_a_leurs_dates_puis_forclusion_et_demande_tardive(banc: Banc):
    await banc.ouvrir(200)
    await banc.en_etat("ouverte")
    await banc.env.sleep(timedelta(days=18))
    await au_repos(banc.echeance())
    assert banc.boite.messages == []
    await banc.env.sleep(timedelta(days=4))  # 180 days before the deadline
    await attendre(lambda: len(banc.boite.messages) == 2)
    assert banc.boite.sujets(AGENT)[0].startswith("Validation de services : votre demande est possible")
    assert len(banc.boite.pour(EMPLOYEUR)) == 1
    await banc.env.sleep(timedelta(days=147))
    await au_repos(banc.echeance())
    assert len(banc.boite.messages) == 2
    await banc.env.sleep(timedelta(days=3))  # 30 days before
    await attendre(lambda: len(banc.boite.messages) == 4)
    await banc.env.sleep(timedelta(days=32))  # past the deadline: forclos
    await banc.en_etat("forclose")
    await attendre(lambda: len(banc.boite.pour(AGENT)) == 3)
    assert "délai de demande est expiré" in banc.boite.sujets(AGENT)[2]

    reponse = await (await banc.service.http("camille")).post(f"/validations/{banc.dossier_id}/demande")
    assert reponse.status_code == 422
    assert "hors délai" in reponse.json()["detail"] and REGLE in reponse.json()["detail"]
    assert len(banc.boite.messages) == 5


async def _lignes_cir(banc: Banc) -> list[dict]:
    rh = await banc.service.http("superviseur")
    reponse = await rh.get(f"/affilies/{banc.service.pop.affilie.nir}/cir")
    assert reponse.status_code == 200, reponse.text
    corps = reponse.json()
    return corps["lignes"] if isinstance(corps, dict) else corps


async def _certifier(banc: Banc, compte: str, debut: str, fin: str, indice: int) -> dict:
    """The employer's certificates task: its only open one, listing the period; answered with that period."""
    employeur = await banc.service.http(compte)

    async def ouverte():
        return [t for t in (await employeur.get("/taches")).json() if t["etat"] == "ouverte"]

    await attendre(ouverte)
    [tache] = await ouverte()
    assert tache["type"] == "certificats_services_validation"
    reponse = await employeur.post(
        f"/taches/{tache['id']}/completion",
        json={
            "carriere_verifiee": True,
            "corrections": [
                {"date_debut": debut, "date_fin": fin, "nature": "non_titulaire_valide", "indice_majore": indice}
            ],
        },
    )
    assert reponse.status_code == 200, reponse.text
    return tache


async def _demande_certifiee(banc: Banc) -> None:
    """The agent asks with two periods, at two employers; each certifies its own; the decision awaits."""
    await banc.ouvrir(100)
    await banc.en_etat("ouverte")
    agent = await banc.service.http("camille")
    reponse = await agent.post(
        f"/validations/{banc.dossier_id}/demande",
        json={
            "periodes": [
                {"debut": "1992-01-01", "fin": "1992-12-31", "siret_employeur": banc.service.pop.autre_employeur.siret},
                {"debut": "1993-01-01", "fin": "1993-12-31"},
            ]
        },
    )
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["etat"] == "instruction_employeur"
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    mail = texte(banc.boite.pour(EMPLOYEUR)[0])
    assert "certificats à transmettre" in banc.boite.pour(EMPLOYEUR)[0]["Subject"]
    assert "du 1er janvier 1993 au 31 décembre 1993" in mail and "1992" not in mail
    tache = await _certifier(banc, "rh-commune", "1993-01-01", "1993-12-31", 300)
    assert tache["details"]["periodes_a_certifier"] == [{"debut": "1993-01-01", "fin": "1993-12-31"}]
    await attendre(lambda: len(banc.boite.pour(AUTRE_EMPLOYEUR)) == 1)
    assert "du 1er janvier 1992 au 31 décembre 1992" in texte(banc.boite.pour(AUTRE_EMPLOYEUR)[0])
    await _certifier(banc, "drh", "1992-01-01", "1992-12-31", 290)
    await banc.en_etat("decision_superviseur")
    # Certified, not validated: held apart on the dossier, out of the CIR the calculation reads.
    dossier = await banc.etat()
    assert [p["date_debut"] for p in dossier["periodes_certifiees"]] == ["1993-01-01", "1992-01-01"]
    assert not [ligne for ligne in await _lignes_cir(banc) if ligne["date_debut"].startswith(("1992", "1993"))]
    assert Decimal(dossier["cotisations_dues"]["part_agent"]) > 0
    # The supervisors' decision mail shows the certified periods and the contributions they owe.
    await attendre(lambda: len(banc.boite.pour(SUPERVISEURS)) == 1)
    assert "Périodes certifiées par les employeurs : 2" in texte(banc.boite.pour(SUPERVISEURS)[0])
    assert "Cotisations rétroactives dues" in texte(banc.boite.pour(SUPERVISEURS)[0])


async def test_demande_certifiee_par_chaque_employeur_puis_acceptee_avec_les_cotisations_dues(banc: Banc):
    await _demande_certifiee(banc)
    agent = await banc.service.http("camille")
    superviseur = await banc.service.http("superviseur")
    decisions = [t for t in (await superviseur.get("/taches")).json() if t["type"] == "decision_validation"]
    assert len(decisions) == 1
    # A second request is refused; a decision from an agent is refused.
    assert (await agent.post(f"/validations/{banc.dossier_id}/demande")).status_code == 409
    assert (
        await agent.post(f"/validations/{banc.dossier_id}/decision", json={"decision": "acceptee"})
    ).status_code == 403
    reponse = await superviseur.post(
        f"/validations/{banc.dossier_id}/decision", json={"decision": "acceptee", "motif": "Certificats conformes"}
    )
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["etat"] == "acceptee" and reponse.json()["decision"] == "acceptee"
    dues = reponse.json()["cotisations_dues"]
    await attendre(lambda: any("acceptée" in s for s in banc.boite.sujets(AGENT)))
    mail = texte(banc.boite.pour(AGENT)[-1])
    part_agent = f"{Decimal(dues['part_agent']):,.2f}".replace(",", "\u202f").replace(".", ",")
    assert f"{part_agent}\u00a0€ à votre charge" in mail and "50-II" in mail
    assert "comptent pour la liquidation" not in mail
    # Only now are the periods in the CIR, as validated services of the employers that certified them.
    validees = {ligne["date_debut"]: ligne for ligne in await _lignes_cir(banc)}
    assert validees["1993-01-01"]["nature"] == "non_titulaire_valide"
    assert validees["1992-01-01"]["nature"] == "non_titulaire_valide"
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 2)
    assert banc.boite.sujets(EMPLOYEUR)[-1].startswith("Validation de services de Camille Martin")
    for destinataire in (AGENT, EMPLOYEUR, AUTRE_EMPLOYEUR, SUPERVISEURS):  # each mail once
        assert len(banc.boite.sujets(destinataire)) == len(set(banc.boite.sujets(destinataire)))


async def test_rejet_laisse_le_cir_inchange(banc: Banc):
    await _demande_certifiee(banc)
    avant = await _lignes_cir(banc)
    superviseur = await banc.service.http("superviseur")
    reponse = await superviseur.post(
        f"/validations/{banc.dossier_id}/decision", json={"decision": "rejetee", "motif": "Services non validables"}
    )
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["etat"] == "rejetee"
    await attendre(lambda: any("rejetée" in s for s in banc.boite.sujets(AGENT)))
    assert "reste inchangé" in texte(banc.boite.pour(AGENT)[-1])
    assert await _lignes_cir(banc) == avant


async def test_decision_relancee_puis_close_sans_decision(banc: Banc):
    await _demande_certifiee(banc)
    s = banc.service.settings
    await banc.env.sleep(s.relance_employeur + timedelta(hours=1))
    await attendre(lambda: len(banc.boite.pour(SUPERVISEURS)) == 2)
    assert "toujours attendue" in banc.boite.sujets(SUPERVISEURS)[-1]
    superviseur = await banc.service.http("superviseur")
    [decision] = [t for t in (await superviseur.get("/taches")).json() if t["type"] == "decision_validation"]
    assert decision["relancee_le"] is not None
    await banc.env.sleep(s.escalade_superviseur - s.relance_employeur)
    await attendre(lambda: len(banc.boite.pour(SUPERVISEURS)) == 3)
    await banc.env.sleep(s.validation_delai_decision)
    await banc.en_etat("sans_decision")
    await attendre(lambda: any("est clos sans" in sujet for sujet in banc.boite.sujets(AGENT)))
    assert [e["type"] for e in (await banc.etat())["historique"]][-1] == "sans_decision"
    assert not [ligne for ligne in await _lignes_cir(banc) if ligne["date_debut"].startswith(("1992", "1993"))]


async def test_certificats_non_recus_dans_le_delai_decision_sur_les_pieces_recues(banc: Banc):
    await banc.ouvrir(100)
    await banc.en_etat("ouverte")
    agent = await banc.service.http("camille")
    assert (await agent.post(f"/validations/{banc.dossier_id}/demande")).status_code == 200
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    await banc.env.sleep(banc.service.settings.validation_delai_certificats + timedelta(hours=1))
    await banc.en_etat("decision_superviseur")
    dossier = await banc.etat()
    assert "certificats_non_recus" in [e["type"] for e in dossier["historique"]]
    assert dossier["periodes_certifiees"] == []
    rh = await banc.service.http("rh-commune")
    assert (await rh.get("/taches")).json() == []  # its task closed, no longer awaiting an answer


async def test_demande_faite_ailleurs_enregistree_avec_sa_date_et_sa_preuve(banc: Banc):
    await banc.ouvrir(-30)  # the deadline passed long ago: closed as forclos
    await banc.en_etat("forclose")
    superviseur = await banc.service.http("superviseur")
    limite = date.fromisoformat((await banc.etat())["date_limite"])
    # After the deadline: refused with the rule.
    reponse = await superviseur.post(
        f"/validations/{banc.dossier_id}/demande-recue",
        json={"date_demande": (limite + timedelta(days=1)).isoformat(), "preuve": "Courrier reçu le lendemain"},
    )
    assert reponse.status_code == 422 and "hors délai" in reponse.json()["detail"]
    # Made on time to the employer, recorded now: instructed although the dossier had closed.
    reponse = await superviseur.post(
        f"/validations/{banc.dossier_id}/demande-recue",
        json={"date_demande": (limite - timedelta(days=3)).isoformat(), "preuve": "Courrier à l'employeur n° 2014-118"},
    )
    assert reponse.status_code == 200, reponse.text
    await banc.en_etat("instruction_employeur")
    dossier = await banc.etat()
    assert dossier["demande_le"] == (limite - timedelta(days=3)).isoformat()
    assert dossier["preuve_demande"] == "Courrier à l'employeur n° 2014-118"
    rh = await banc.service.http("rh-commune")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    assert [t["type"] for t in (await rh.get("/taches")).json()] == ["certificats_services_validation"]
    # The agent cannot record a request made elsewhere.
    agent = await banc.service.http("camille")
    assert (
        await agent.post(
            f"/validations/{banc.dossier_id}/demande-recue",
            json={"date_demande": limite.isoformat(), "preuve": "x"},
        )
    ).status_code == 403


async def test_demarrer_la_population_deux_fois(banc: Banc):
    s = banc.service.settings
    async with transaction(banc.service.sessions) as session:
        for affilie, titularisation in (
            (banc.service.pop.affilie, date(2012, 3, 1)),
            (banc.service.pop.collegue, date(2011, 9, 1)),
            (banc.service.pop.jeune, date(2016, 1, 1)),
        ):
            a = await session.get(Affilie, affilie.id)
            assert a is not None
            a.date_titularisation = titularisation
            session.add(a)
    delais = DelaisTache(s.relance_employeur, s.escalade_superviseur)
    premier = await demarrer_echeances(
        banc.service.sessions, banc.env.client, s.task_queue, s.validation_rappels, delais, date(2026, 11, 22)
    )
    second = await demarrer_echeances(
        banc.service.sessions, banc.env.client, s.task_queue, s.validation_rappels, delais, date(2026, 11, 22)
    )
    assert (premier.eligibles, premier.demarres, premier.deja_demarres) == (2, 2, 0)
    assert (second.eligibles, second.demarres, second.deja_demarres) == (2, 0, 2)

    async def forclos():
        async with banc.service.sessions() as session:
            dossiers = (await session.exec(select(DossierValidationTable))).all()
        return len(dossiers) == 2 and {d.etat for d in dossiers} == {"forclose"}

    await attendre(forclos)
    # Deadlines of 2014 lapsed long ago: closed without mailing anyone.
    async with banc.service.sessions() as session:
        assert (await session.exec(select(Mail))).all() == []


async def test_un_dossier_par_titularisation_et_delai_depuis_la_notification(banc: Banc):
    s = banc.service.settings
    pop = banc.service.pop
    async with transaction(banc.service.sessions) as session:
        a = await session.get(Affilie, pop.affilie.id)
        assert a is not None
        a.date_titularisation, a.date_notification_titularisation = date(2012, 3, 1), date(2012, 10, 15)
        session.add(a)
    delais = DelaisTache(s.relance_employeur, s.escalade_superviseur)

    async def demarrer():
        return await demarrer_echeances(
            banc.service.sessions, banc.env.client, s.task_queue, s.validation_rappels, delais, date(2026, 11, 22)
        )

    assert (await demarrer()).demarres == 1
    # A new titularisation (after a new stage) reopens a window: a second dossier, the first one kept.
    async with transaction(banc.service.sessions) as session:
        a = await session.get(Affilie, pop.affilie.id)
        assert a is not None
        a.date_titularisation, a.date_notification_titularisation = date(2012, 12, 1), None
        session.add(a)
    bilan = await demarrer()
    assert (bilan.demarres, bilan.deja_demarres) == (1, 0)
    async with banc.service.sessions() as session:
        dossiers = (await session.exec(select(DossierValidationTable).order_by(col(DossierValidationTable.id)))).all()
    assert [d.date_titularisation for d in dossiers] == [date(2012, 3, 1), date(2012, 12, 1)]
    # The window runs from the notification (15/10/2012), not from the effect date (01/03/2012).
    assert dossiers[0].date_limite == date(2014, 10, 15) and dossiers[0].date_notification_titularisation
    assert "notifiée le 15/10/2012" in dossiers[0].regle
    assert dossiers[1].date_limite == date(2014, 12, 1) and "date de notification inconnue" in dossiers[1].regle
    assert dossiers[0].workflow_id != dossiers[1].workflow_id
    assert dossiers[1].workflow_id.endswith("-2") and pop.affilie.nir not in dossiers[1].workflow_id


async def test_demande_faite_a_l_employeur_enregistree_pendant_le_delai(banc: Banc):
    await banc.ouvrir(100)
    await banc.en_etat("ouverte")
    superviseur = await banc.service.http("superviseur")
    hier = datetime.now(ZoneInfo("Europe/Paris")).date() - timedelta(days=1)
    demain = hier + timedelta(days=2)
    reponse = await superviseur.post(
        f"/validations/{banc.dossier_id}/demande-recue", json={"date_demande": demain.isoformat(), "preuve": "x"}
    )
    assert reponse.status_code == 422 and "date_demande" in reponse.text
    reponse = await superviseur.post(
        f"/validations/{banc.dossier_id}/demande-recue",
        json={"date_demande": hier.isoformat(), "preuve": "Dossier papier reçu par l'employeur"},
    )
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["etat"] == "instruction_employeur"
    assert reponse.json()["demande_le"] == hier.isoformat()
    assert reponse.json()["preuve_demande"] == "Dossier papier reçu par l'employeur"
    recue = [e for e in reponse.json()["historique"] if e["type"] == "demande_recue"]
    assert recue[0]["acteur"] == "superviseur"


async def _demande_en_instruction(banc: Banc) -> dict:
    """The agent asks; the employer's certificates task is open (its mail sent)."""
    await banc.ouvrir(100)
    await banc.en_etat("ouverte")
    agent = await banc.service.http("camille")
    reponse = await agent.post(
        f"/validations/{banc.dossier_id}/demande", json={"periodes": [{"debut": "1993-01-01", "fin": "1993-12-31"}]}
    )
    assert reponse.status_code == 200, reponse.text
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    return reponse.json()


async def test_un_superviseur_annule_le_dossier_pendant_l_instruction(banc: Banc):
    await _demande_en_instruction(banc)
    superviseur = await banc.service.http("superviseur")
    sans_motif = await superviseur.post(f"/processus/{banc.workflow_id}/annulation", json={"motif": " "})
    assert sans_motif.status_code == 422
    reponse = await superviseur.post(
        f"/processus/{banc.workflow_id}/annulation", json={"motif": "Demande faite en double par courrier"}
    )
    assert reponse.status_code == 200, reponse.text
    await banc.en_etat("annulee")
    await attendre(lambda: any("est annulé" in sujet for sujet in banc.boite.sujets(AGENT)))
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 2)  # its task cancelled, and it is told
    rh = await banc.service.http("rh-commune")
    assert (await rh.get("/taches")).json() == []  # gone from its inbox
    async with banc.service.sessions() as session:
        taches = (await session.exec(select(Tache).where(Tache.workflow_id == banc.workflow_id))).all()
    assert [(t.type, t.etat) for t in taches] == [("certificats_services_validation", "annulee")]
    [annulation] = [e for e in (await banc.etat())["historique"] if e["type"] == "processus_annule"]
    assert annulation["acteur"] == "superviseur"
    assert annulation["details"]["motif"] == "Demande faite en double par courrier"
    encore = await superviseur.post(f"/processus/{banc.workflow_id}/annulation", json={"motif": "Encore"})
    assert encore.status_code == 409


async def test_l_annulation_repond_avec_l_etat_du_dossier(banc: Banc):
    # The cancellation a dossier takes from the shared process layer answers with its own state, as its query does.
    await _demande_en_instruction(banc)
    vue = await banc.echeance().execute_update(
        EcheanceValidationWorkflow.annuler, ActionSuperviseur(motif="Demande faite en double par courrier")
    )
    assert isinstance(vue, VueValidation) and vue.etat is EtatValidation.annulee and vue.termine
    assert await banc.echeance().query(EcheanceValidationWorkflow.etat) == vue
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 2)  # its certificates task cancelled, and it is told


async def test_un_depart_a_la_retraite_clot_le_dossier_en_instruction(banc: Banc):
    await _demande_en_instruction(banc)
    superviseur = await banc.service.http("superviseur")
    reponse = await superviseur.put(
        f"/affilies/{banc.service.pop.affilie.nir}/situation", json={"date_liquidation": "2026-10-01"}
    )
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["processus_informes"] == 1
    await banc.en_etat("sans_objet")
    await attendre(lambda: any("départ à la retraite" in sujet for sujet in banc.boite.sujets(AGENT)))
    assert [e["type"] for e in (await banc.etat())["historique"]][-1] == "fin_retraite"
    assert not [ligne for ligne in await _lignes_cir(banc) if ligne["date_debut"].startswith("1993")]
