"""Every EIR and rectification ends (issue 25): its overall delay, the expiry of a human wait, the agent's retirement or
death, a supervisor's cancellation and the agent's withdrawal of a rectification — each a named outcome, mailed to
whom it concerns and in the history. Through the API, on Temporal's time-skipping server, with the real activities
(SQLite, the real SMTP server)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import select
from temporalio.client import WorkflowUpdateFailedError

from domain.eir import ActionAffilie
from domain.processus import ActionSuperviseur
from domain.rectification import EtatRectification, VueRectification
from persistence.models import Affilie, Document, Tache
from tests.support.attente import attendre
from tests.support.environnement import BoiteMail, settings_sur, texte
from tests.support.fabriques import AGENT, EMPLOYEUR, ligne_chez
from tests.support.lexique import texte_lu
from tests.support.navigateur import navigateur
from tests.support.service import Service, service_et_worker
from workflows.rectification import RectificationWorkflow

DRH = "drh@ch-lautreville.fr"
UNE_MINUTE = timedelta(minutes=1)


class Banc:
    def __init__(self, service: Service, env: Any, boite: BoiteMail) -> None:
        self.service, self.env, self.boite = service, env, boite

    async def http(self, identifiant: str) -> httpx.AsyncClient:
        return await self.service.http(identifiant)

    async def eir(self) -> int:
        reponse = await (await self.http("camille")).post("/eir", json={})
        assert reponse.status_code == 201, reponse.text
        await attendre(lambda: len(self.boite.pour(AGENT)) == 2)  # the acknowledgment, « contactez votre employeur »
        return int(reponse.json()["id"])

    async def rectification(self, **corps: Any) -> int:
        reponse = await (await self.http("camille")).post(
            "/rectifications",
            json={"type_document": "ris", "annee_document": 2026, "motif": "Temps partiel non repris", **corps},
        )
        assert reponse.status_code == 201, reponse.text
        return int(reponse.json()["id"])

    async def lire(self, chemin: str) -> dict[str, Any]:
        reponse = await (await self.http("superviseur")).get(chemin)
        assert reponse.status_code == 200, reponse.text
        return dict(reponse.json())

    async def attendre_etat(self, chemin: str, etat: str) -> dict[str, Any]:
        lu: dict[str, Any] = {}

        async def verifier() -> bool:
            lu.update(await self.lire(chemin))
            return lu["etat"] == etat

        await attendre(verifier)
        return lu

    async def taches(self) -> list[Tache]:
        async with self.service.sessions() as session:
            return list((await session.exec(select(Tache).order_by(Tache.id))).all())  # type: ignore[arg-type]

    async def completer(self, identifiant: str, tache_id: int | None, **corps: Any) -> None:
        reponse = await (await self.http(identifiant)).post(
            f"/taches/{tache_id}/completion", json={"carriere_verifiee": True, **corps}
        )
        assert reponse.status_code == 200, reponse.text

    async def sans_employeur_actuel(self) -> None:
        async with self.service.sessions() as session:
            affilie = await session.get(Affilie, self.service.pop.affilie.id)
            assert affilie is not None
            affilie.employeur_id = None
            session.add(affilie)
            await session.commit()


Fabrique = Callable[..., Awaitable[Banc]]


@pytest.fixture
async def fabrique(env_temps_accelere, tmp_path, boite_mail, url_sqlite) -> AsyncIterator[Fabrique]:
    """The service with its worker, its delays changed by ``reglages`` (settings' names)."""
    async with AsyncExitStack() as pile:

        async def construire(**reglages: Any) -> Banc:
            settings = settings_sur(env_temps_accelere, tmp_path, url_sqlite, boite_mail.port, **reglages)
            service = await pile.enter_async_context(service_et_worker(env_temps_accelere, settings))
            return Banc(service, env_temps_accelere, boite_mail)

        yield construire


def _dernier(banc: Banc, destinataire: str) -> str:
    """The subject of the last mail to ``destinataire``, its spaces as written (a long header is folded)."""
    sujets = banc.boite.sujets(destinataire)
    return " ".join(sujets[-1].split()) if sujets else ""


def _types(etat: dict[str, Any]) -> list[str]:
    return [e["type"] for e in etat["historique"]]


async def _rien_ensuite(banc: Banc) -> None:
    """Once ended, nothing more: no reminder, no survey, no mail."""
    compte = len(banc.boite.messages)
    await banc.env.sleep(timedelta(days=90))
    assert len(banc.boite.messages) == compte


# ------------------------------------------------------------------ EIR


async def test_un_eir_qui_depasse_son_delai_global_est_clos_et_annonce(fabrique: Fabrique):
    banc = await fabrique(eir_delai_global=timedelta(days=30), expiration_tache=timedelta(days=60))
    demande_id = await banc.eir()
    await banc.env.sleep(timedelta(days=5) + UNE_MINUTE)
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)  # the employer's task, unanswered
    await banc.env.sleep(timedelta(days=25))
    etat = await banc.attendre_etat(f"/eir/{demande_id}", "expiree")
    assert "fin_delai_global" in _types(etat) and etat["en_attente_de"] is None
    await attendre(lambda: len(banc.boite.pour(AGENT)) == 3)
    assert _dernier(banc, AGENT).startswith("Votre demande d'entretien retraite est close") and "dépassé" in _dernier(
        banc, AGENT
    )
    await attendre(lambda: _dernier(banc, EMPLOYEUR).endswith("annulée : la demande est close"))
    assert [t.etat for t in await banc.taches()] == ["annulee"]
    page = texte_lu((await (await navigateur(banc.service, "camille")).get(f"/eir/{demande_id}")).text)
    assert "Close : délai dépassé" in page
    await _rien_ensuite(banc)


async def test_une_tache_escaladee_sans_reponse_clot_l_eir(fabrique: Fabrique):
    banc = await fabrique()  # reminder after 10 days, supervisors after 20, the end after 45
    demande_id = await banc.eir()
    await banc.env.sleep(timedelta(days=5) + UNE_MINUTE)
    await banc.attendre_etat(f"/eir/{demande_id}", "verification_employeur")
    await banc.env.sleep(timedelta(days=44))
    etat = await banc.lire(f"/eir/{demande_id}")
    assert etat["etat"] == "verification_employeur" and "escalade_superviseur" in _types(etat)
    await banc.env.sleep(timedelta(days=1) + UNE_MINUTE)
    etat = await banc.attendre_etat(f"/eir/{demande_id}", "expiree")
    assert "fin_tache_sans_reponse" in _types(etat)
    await attendre(lambda: len(banc.boite.pour(AGENT)) == 3)
    assert "employeur sans réponse" in _dernier(banc, AGENT)
    await attendre(lambda: "annulée" in _dernier(banc, EMPLOYEUR))
    await _rien_ensuite(banc)


async def test_un_releve_jamais_valide_clot_l_eir(fabrique: Fabrique):
    banc = await fabrique()  # the agent's answer to the RIS within 60 days
    demande_id = await banc.eir()
    await banc.env.sleep(timedelta(days=5) + UNE_MINUTE)
    await banc.attendre_etat(f"/eir/{demande_id}", "verification_employeur")
    [tache] = await banc.taches()
    await banc.completer("rh-commune", tache.id, indice_fin_de_carriere=600)
    await banc.attendre_etat(f"/eir/{demande_id}", "ris_disponible")
    await banc.env.sleep(timedelta(days=59))
    assert (await banc.lire(f"/eir/{demande_id}"))["etat"] == "ris_disponible"
    await banc.env.sleep(timedelta(days=1) + UNE_MINUTE)
    etat = await banc.attendre_etat(f"/eir/{demande_id}", "expiree")
    assert "fin_ris_sans_reponse" in _types(etat)
    await attendre(lambda: _dernier(banc, AGENT).endswith("relevé non validé"))
    refus = await (await banc.http("camille")).post(f"/eir/{demande_id}/ris/validation", json={})
    assert refus.status_code == 409


async def test_un_depart_a_la_retraite_pendant_un_eir_le_clot(fabrique: Fabrique):
    """The supervisor records the pension's liquidation while the employer verifies the career: the request ends at
    once (« sans objet »), the employer's task is cancelled and it is told, the agent mailed, all in the history."""
    banc = await fabrique()
    demande_id = await banc.eir()
    await banc.env.sleep(timedelta(days=5) + UNE_MINUTE)
    await banc.attendre_etat(f"/eir/{demande_id}", "verification_employeur")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    superviseur = await banc.http("superviseur")
    nir = banc.service.pop.affilie.nir
    vide = await superviseur.put(f"/affilies/{nir}/situation", json={})
    assert vide.status_code == 422 and vide.json()["erreurs"][0]["champ"] == "date_liquidation"
    assert (await (await banc.http("camille")).put(f"/affilies/{nir}/situation", json={})).status_code == 403

    liquidation = datetime.now(ZoneInfo("Europe/Paris")).date()
    reponse = await superviseur.put(f"/affilies/{nir}/situation", json={"date_liquidation": liquidation.isoformat()})
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["processus_informes"] == 1
    etat = await banc.attendre_etat(f"/eir/{demande_id}", "sans_objet")
    [fin] = [e for e in etat["historique"] if e["type"] == "fin_retraite"]
    assert fin["details"]["date_effet"] == liquidation.isoformat()
    # the supervisor's page of the process says it in words
    superviseur_pages = await navigateur(banc.service, "superviseur")
    detail = texte_lu((await superviseur_pages.get(f"/processus/{etat['workflow_id']}")).text)
    assert "Close : l'agent est parti à la retraite" in detail and "fin_retraite" not in detail
    assert "« retraite »" not in detail
    await attendre(lambda: _dernier(banc, AGENT).endswith("départ à la retraite"))
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 2)
    assert "annulée" in _dernier(banc, EMPLOYEUR)
    assert [t.etat for t in await banc.taches()] == ["annulee"]
    await _rien_ensuite(banc)


async def test_un_deces_enregistre_sans_signal_est_lu_avant_la_tache(fabrique: Fabrique):
    """A death written while the engine did not hear of it (no signal): the process reads the agent's situation
    before opening the employer's task and ends there; no mail to the agent, no task."""
    banc = await fabrique()
    demande_id = await banc.eir()
    async with banc.service.sessions() as session:
        affilie = await session.get(Affilie, banc.service.pop.affilie.id)
        assert affilie is not None
        affilie.date_de_deces = date(2026, 1, 15)
        session.add(affilie)
        await session.commit()
    await banc.env.sleep(timedelta(days=5) + UNE_MINUTE)
    etat = await banc.attendre_etat(f"/eir/{demande_id}", "sans_objet")
    assert "fin_deces" in _types(etat)
    assert await banc.taches() == [] and banc.boite.pour(EMPLOYEUR) == []
    assert len(banc.boite.pour(AGENT)) == 2


# ------------------------------------------------------------------ rectification


async def test_un_superviseur_annule_une_rectification_avec_un_motif(fabrique: Fabrique):
    banc = await fabrique()
    r = await banc.rectification(periode_debut="2005-01-01", periode_fin="2005-12-31")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    superviseur = await banc.http("superviseur")
    sans_motif = await superviseur.post(f"/rectifications/{r}/annulation", json={"motif": " "})
    assert sans_motif.status_code == 422
    interdit = await (await banc.http("camille")).post(f"/rectifications/{r}/annulation", json={"motif": "x"})
    assert interdit.status_code == 403
    motif = "Demande faite en double par téléphone"
    reponse = await superviseur.post(f"/rectifications/{r}/annulation", json={"motif": motif})
    assert reponse.status_code == 200, reponse.text
    etat = await banc.attendre_etat(f"/rectifications/{r}", "annulee")
    [annulation] = [e for e in etat["historique"] if e["type"] == "processus_annule"]
    assert annulation["acteur"] == "superviseur" and annulation["details"]["motif"] == motif
    await attendre(lambda: _dernier(banc, AGENT) == "Votre demande de rectification est annulée")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 2)
    assert "RECT-" in texte(banc.boite.pour(EMPLOYEUR)[-1])
    assert [t.etat for t in await banc.taches()] == ["annulee"]
    encore = await superviseur.post(f"/rectifications/{r}/annulation", json={"motif": motif})
    assert encore.status_code == 409 and "déjà terminée" in encore.json()["detail"]


async def test_l_agent_retire_sa_rectification(fabrique: Fabrique):
    banc = await fabrique()
    r = await banc.rectification(periode_debut="2005-01-01", periode_fin="2005-12-31")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    assert (await (await banc.http("jean")).delete(f"/rectifications/{r}")).status_code == 404
    reponse = await (await banc.http("camille")).delete(f"/rectifications/{r}")
    assert reponse.status_code == 200, reponse.text
    etat = await banc.attendre_etat(f"/rectifications/{r}", "retiree")
    assert "demande_retiree" in _types(etat)
    await attendre(lambda: _dernier(banc, AGENT) == "Votre demande de rectification est retirée")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 2)
    assert [t.etat for t in await banc.taches()] == ["annulee"]
    # a new request for the same period is possible at once
    await banc.rectification(periode_debut="2005-01-01", periode_fin="2005-12-31")


async def test_les_mises_a_jour_communes_repondent_avec_l_etat_de_la_rectification(fabrique: Fabrique):
    # The updates and the query a rectification takes from the shared process layer answer with its own state.
    banc = await fabrique()
    await banc.rectification(periode_debut="2005-01-01", periode_fin="2005-12-31")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    [tache] = await banc.taches()
    handle = banc.env.client.get_workflow_handle_for(RectificationWorkflow.run, tache.workflow_id)
    vue = await handle.query(RectificationWorkflow.etat)
    assert isinstance(vue, VueRectification) and vue.etat is EtatRectification.correction_employeur
    assert vue.tache_id == tache.id
    with pytest.raises(WorkflowUpdateFailedError) as refus:
        await handle.execute_update(RectificationWorkflow.reprendre, ActionSuperviseur(motif="par erreur"))
    assert "Ce processus n'est pas en incident" in str(refus.value.cause)
    vue = await handle.execute_update(RectificationWorkflow.retirer, ActionAffilie())
    assert isinstance(vue, VueRectification) and vue.etat is EtatRectification.retiree and vue.termine
    with pytest.raises(WorkflowUpdateFailedError) as trop_tard:
        await handle.execute_update(RectificationWorkflow.annuler, ActionSuperviseur(motif="Demande en double"))
    assert "déjà terminée" in str(trop_tard.value.cause)
    assert (await handle.result()).etat is EtatRectification.retiree


async def test_une_rectification_escaladee_sans_reponse_est_close(fabrique: Fabrique):
    banc = await fabrique()
    r = await banc.rectification(periode_debut="2005-01-01", periode_fin="2005-12-31")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    await banc.env.sleep(timedelta(days=44))
    assert (await banc.lire(f"/rectifications/{r}"))["etat"] == "correction_employeur"
    await banc.env.sleep(timedelta(days=1) + UNE_MINUTE)
    etat = await banc.attendre_etat(f"/rectifications/{r}", "expiree")
    assert "fin_tache_sans_reponse" in _types(etat)
    await attendre(lambda: "employeur sans réponse" in _dernier(banc, AGENT))
    assert [t.etat for t in await banc.taches()] == ["annulee"]


async def test_une_rectification_qui_depasse_son_delai_global_est_close(fabrique: Fabrique):
    banc = await fabrique(rectification_delai_global=timedelta(days=15))
    r = await banc.rectification(periode_debut="2005-01-01", periode_fin="2005-12-31")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    await banc.env.sleep(timedelta(days=15) + UNE_MINUTE)
    etat = await banc.attendre_etat(f"/rectifications/{r}", "expiree")
    assert "fin_delai_global" in _types(etat)
    await attendre(lambda: _dernier(banc, AGENT).startswith("Votre demande de rectification est close"))
    assert "dépassé" in _dernier(banc, AGENT)


async def test_une_periode_sur_deux_anciens_employeurs_une_tache_chacun(fabrique: Fabrique):
    """An agent with no current employer disputes 1993–1994: the hospital (all of 1993) then the commune (from
    September 1994) each get ONE correction task, never two in a row to one of them; the hospital corrects, the
    commune finds no error: the outcome is « corrigée », its document lists the line changed."""
    banc = await fabrique()
    pop = banc.service.pop
    await ligne_chez(banc.service.sessions, pop.affilie, pop.autre_employeur, date(1993, 1, 1), date(1993, 12, 31))
    await banc.sans_employeur_actuel()
    r = await banc.rectification(periode_debut="1993-01-01", periode_fin="1994-12-31")
    await attendre(lambda: len(banc.boite.pour(DRH)) == 1)
    assert banc.boite.pour(EMPLOYEUR) == []
    [hopital] = await banc.taches()
    assert (hopital.type, hopital.employeur_id) == ("correction_cir_rectification", pop.autre_employeur.id)
    assert "son employeur actuel finalisera" not in texte(banc.boite.pour(DRH)[0])
    await banc.completer(
        "drh", hopital.id, corrections=[{"date_debut": "1993-01-01", "date_fin": "1993-12-31", "quotite": 50}]
    )
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    commune = (await banc.taches())[-1]
    assert (commune.type, commune.employeur_id) == ("correction_cir_rectification", pop.employeur.id)
    await banc.completer("rh-commune", commune.id, resultat="aucune_erreur", motif="Période conforme au contrat")
    etat = await banc.attendre_etat(f"/rectifications/{r}", "document_rectifie")
    taches = await banc.taches()
    assert [(t.employeur_id, t.etat) for t in taches] == [
        (pop.autre_employeur.id, "terminee"),
        (pop.employeur.id, "terminee"),
    ]
    assert len(banc.boite.pour(DRH)) == 1 and len(banc.boite.pour(EMPLOYEUR)) == 1
    async with banc.service.sessions() as session:
        document = await session.get(Document, etat["document_rectifie_id"])
    assert document is not None and document.contenu["rectificatif"] is True
    [ligne] = document.contenu["reponse_rectification"]["lignes_modifiees"]
    assert (ligne["date_debut"], ligne["quotite"]) == ("1993-01-01", 50)
    await attendre(lambda: _dernier(banc, AGENT) == "Votre RIS rectificatif est disponible")
    mail = texte(banc.boite.pour(AGENT)[-1])
    assert "Périodes corrigées" in mail and "quotité 50 %" in mail


async def test_la_console_des_processus_annule_une_rectification_en_cours(fabrique: Fabrique):
    """The supervisor's process page offers the cancellation of a rectification at any step (not only in
    incident), as an EIR's: same route, same outcome."""
    banc = await fabrique()
    r = await banc.rectification(periode_debut="2005-01-01", periode_fin="2005-12-31")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    workflow_id = (await banc.lire(f"/rectifications/{r}"))["workflow_id"]
    superviseur = await banc.http("superviseur")
    reponse = await superviseur.post(f"/processus/{workflow_id}/annulation", json={"motif": "Dossier repris"})
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["etat"] == "annulee"
    etat = await banc.attendre_etat(f"/rectifications/{r}", "annulee")
    assert "processus_annule" in _types(etat)
    await attendre(lambda: _dernier(banc, AGENT) == "Votre demande de rectification est annulée")


async def test_l_agent_retire_sa_rectification_depuis_sa_page(fabrique: Fabrique):
    banc = await fabrique()
    r = await banc.rectification(periode_debut="2005-01-01", periode_fin="2005-12-31")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    camille = await navigateur(banc.service, "camille")
    page = (await camille.get(f"/rectifications/{r}")).text
    assert page.count(f'action="/rectifications/{r}/retrait"') == 1 and "Retirer ma demande" in page
    reponse = await camille.post(f"/rectifications/{r}/retrait")
    assert reponse.status_code == 303 and reponse.headers["location"].endswith("message=rectification_retiree")
    await banc.attendre_etat(f"/rectifications/{r}", "retiree")
    apres = texte_lu((await camille.get(f"/rectifications/{r}?message=rectification_retiree")).text)
    assert "Votre demande de rectification est retirée." in apres and "Retirer ma demande" not in apres
    # the supervisor's page of the request offers no withdrawal (the agent's own act)
    superviseur = await navigateur(banc.service, "superviseur")
    assert "Retirer ma demande" not in (await superviseur.get(f"/rectifications/{r}")).text


async def test_un_deces_clot_la_rectification_sans_mail_a_l_agent(fabrique: Fabrique):
    banc = await fabrique()
    r = await banc.rectification(periode_debut="2005-01-01", periode_fin="2005-12-31")
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 1)
    await attendre(lambda: len(banc.boite.pour(AGENT)) == 1)  # « votre demande est enregistrée »
    superviseur = await banc.http("superviseur")
    nir = banc.service.pop.affilie.nir
    futur = await superviseur.put(f"/affilies/{nir}/situation", json={"date_de_deces": "2999-01-01"})
    assert futur.status_code == 422 and futur.json()["erreurs"][0]["champ"] == "date_de_deces"
    reponse = await superviseur.put(f"/affilies/{nir}/situation", json={"date_de_deces": "2026-01-15"})
    assert reponse.status_code == 200 and reponse.json()["processus_informes"] == 1
    etat = await banc.attendre_etat(f"/rectifications/{r}", "sans_objet")
    [fin] = [e for e in etat["historique"] if e["type"] == "fin_deces"]
    assert fin["details"]["date_effet"] == "2026-01-15"
    await attendre(lambda: len(banc.boite.pour(EMPLOYEUR)) == 2)
    assert [t.etat for t in await banc.taches()] == ["annulee"]
    await banc.env.sleep(timedelta(days=60))
    assert len(banc.boite.pour(AGENT)) == 1
