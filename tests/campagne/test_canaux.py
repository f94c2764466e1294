"""Every channel, and failures contained, on Temporal's time-skipping server with the real activities, a real SMTP
server and a collector that fails: agents without email or on paper get their document in the tranche's print batch
(one PDF each and a manifest for the print provider); a mail the server refuses for good (550), or for now past its
bound (451), switches that agent to paper; a collector down at the transmission is an incident, not a stuck
campaign, and the batch is transmitted once it is back. The rest of the campaign finishes; the supervisors see the
incidents and the delivery of each agent."""

from __future__ import annotations

import hashlib
import json
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from api.app import create_app
from domain.campagne import LOT_ANCIENS_AFFILIES, Livraison
from observabilite.metriques import etat_du_service
from persistence import depots_campagne
from persistence.comptes import creer_compte, hacher
from persistence.db import transaction
from persistence.models import Affilie, Mail
from persistence.models_campagne import CibleCampagne, ExportCampagne, IncidentCampagne
from services import campagnes, incidents
from tests.support.attente import attendre
from tests.support.campagne import avancer_jusqua, campagne_et_worker
from tests.support.canaux_campagne import CollecteurEnPanne, demarrer_puits_refusant
from tests.support.environnement import settings_sur, texte
from tests.support.fabriques import avec_question_secrete, modifier_affilie
from tests.support.navigateur import Navigateur
from tests.support.service import CODE
from tests.support.texte_pdf import dans_la_fenetre, pages_pdf, texte_pdf
from workflows.campagne import CampagneDaiWorkflow
from workflows.campagne_client import demande_campagne, demarrer_campagne

ADRESSES = {
    "alice": "3 rue des Écoles\n33000 Bordeaux",
    "bruno": "8 allée des Tilleuls\nBâtiment B\n33400 Talence",
    "chloe": "1 place du Marché\n33600 Pessac",
    "emma": "15 quai des Chartrons\n33000 Bordeaux",
}


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, url_base):
    controleur, puits, boite = demarrer_puits_refusant(tmp_path / "mail")
    CollecteurEnPanne.en_panne, CollecteurEnPanne.essais = True, 0
    settings = settings_sur(
        env_temps_accelere,
        tmp_path,
        url_base,
        boite.port,
        campagne_taille_lot_employeurs=2,
        campagne_taille_paquet=2,
        campagne_lots_en_parallele=2,
        campagne_paquet_smtp=2,
        campagne_collecteur="tests.support.canaux_campagne:CollecteurEnPanne",
        campagne_essais_collecteur=2,
        campagne_essais_destinataire=2,
    )
    try:
        async with campagne_et_worker(env_temps_accelere, settings) as (sessions, pop):
            yield env_temps_accelere, settings, sessions, boite, puits, pop
    finally:
        controleur.stop()


async def test_papier_destinataire_refuse_et_collecteur_en_panne(banc):
    env, settings, sessions, boite, puits, pop = banc
    annee, agents = pop.annee, pop.agents
    for cle, adresse in ADRESSES.items():
        await modifier_affilie(sessions, agents[cle].id, adresse_postale=adresse)
    await modifier_affilie(sessions, agents["bruno"].id, email="")  # no email address
    await modifier_affilie(sessions, agents["chloe"].id, canal="papier")  # chose paper
    await modifier_affilie(sessions, agents["nina"].id, canal="papier")  # chose paper, but her address is unknown
    puits.refuses.add(agents["emma"].email)  # the mailbox does not exist: 550
    hopital = pop.employeurs["hopital"]
    puits.refuses.add(hopital.email)  # an employer's address refused too
    puits.differes.add(agents["alice"].email)  # 451 every time: past its bound
    papier = {"bruno": "papier", "chloe": "papier", "emma": "papier_apres_refus", "alice": "papier_apres_refus"}

    demande = demande_campagne(settings, annee)
    cal = demande.calendrier
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)

    # The collector is down at the transmission: after its attempts, each batch is an incident, and the campaign
    # goes on to wait for its first tranche instead of retrying forever.
    await avancer_jusqua(env, cal.transmission + timedelta(hours=1))

    async def attend_son_envoi() -> bool:
        return (await handle.query(CampagneDaiWorkflow.progression)).etape.value == "attente_envoi"

    await attendre(attend_son_envoi, delai=60)
    async with sessions() as session:
        assert (await session.exec(select(ExportCampagne))).all() == []
        campagne = await depots_campagne.campagne_par_annee(session, annee)
        assert campagne is not None
        lots = {c.lot for c in (await session.exec(select(CibleCampagne))).all()}
        vus = await incidents.lister(session)
    transmission = [i for i in vus if i.processus == "campagne" and i.etape == "transmission au GIP Info Retraite"]
    # each batch of employers, and the file of the cohorts' former affiliates
    assert len(transmission) == len(lots) + 1 == 3
    assert all(i.type == "technique" and i.tentatives == 2 and i.workflow_id == handle.id for i in transmission)
    assert "n'a pas reçu le lot" in transmission[0].motif and "La campagne continue" in transmission[0].motif
    assert CollecteurEnPanne.essais == 2 * (len(lots) + 1)

    # The collector is back: each batch goes before the first tranche's documents.
    CollecteurEnPanne.en_panne = False
    vue = await handle.result()
    assert vue.etape.value == "terminee"

    async with sessions() as session:
        exports = (await session.exec(select(ExportCampagne))).all()
        cibles = {c.affilie_id: c for c in (await session.exec(select(CibleCampagne))).all()}
        ouverts = (await session.exec(select(IncidentCampagne).where(IncidentCampagne.resolu_le == None))).all()  # noqa: E711
        mails = {m.destinataire: m for m in (await session.exec(select(Mail))).all()}
        emma = await session.get(Affilie, agents["emma"].id)
        vus = await incidents.lister(session)
        metriques = {f.name: f for f in await etat_du_service(session)}
    assert sorted(e.lot for e in exports) == sorted([*lots, LOT_ANCIENS_AFFILIES])  # the former affiliates' too
    assert sum(e.lignes for e in exports if e.lot in lots) == len(pop.attendus)

    # Every agent of a cohort got the document, by mail or on paper.
    # Nina's document is produced, not sent: due on paper, no address; tried again at each later tranche.
    nina = cibles[agents["nina"].id]
    assert (nina.etat, nina.livraison) == ("document_produit", "sans_adresse") and nina.document_id
    assert boite.pour(agents["nina"].email) == []
    for cle in pop.attendus:
        if cle == "nina":
            continue
        cible = cibles[agents[cle].id]
        assert cible.etat == "document_annonce", cle
        assert cible.livraison == papier.get(cle, "courriel"), cle
        recus = boite.pour(agents[cle].email) if agents[cle].email else []
        if cle in papier:
            assert recus == [], cle
        else:
            (mail,) = recus
            assert f"document n° {cible.document_id}" in texte(mail)
    # The refusals: the 550 once (never retried), the 451 up to its bound; both rows refused, never sent.
    # The hospital's launch mail, each reminder and the one after the cut-off refused once; the commune's mails
    # went all the same.
    assert puits.refus == {agents["emma"].email: 1, agents["alice"].email: 2, hopital.email: 2 + len(cal.rappels)}
    assert len(boite.pour(pop.employeurs["commune"].email)) == 2 + len(cal.rappels)
    assert mails[agents["emma"].email].etat == mails[agents["alice"].email].etat == "refuse"
    assert emma is not None and emma.canal == "papier"  # her next documents go on paper too

    # The print batch: the packet's letters in one PDF, each agent's pages listed in its tranche's manifest with the
    # address and the file's hash.
    racine = Path(settings.var_dir) / "impression" / handle.id
    plis = {}
    for manifeste_json in sorted(racine.glob("tranche-*/lot-*/manifeste.json")):
        manifeste = json.loads(manifeste_json.read_text("utf-8"))
        assert manifeste["nombre"] == len(manifeste["plis"]) and manifeste["annee_envoi"] == annee + 1
        for pli in manifeste["plis"]:
            pdf = (manifeste_json.parent / pli["fichier"]).read_bytes()
            assert pli["sha256"] == hashlib.sha256(pdf).hexdigest() and 1 <= pli["pages"][0] <= pli["pages"][1]
            plis[pli["destinataire"]] = (pli, texte_pdf(pdf), pages_pdf(pdf)[pli["pages"][0] - 1])
    assert set(plis) == {f"{agents[cle].prenom} {agents[cle].nom}" for cle in papier}
    for cle, livraison in papier.items():
        nom = f"{agents[cle].prenom} {agents[cle].nom}"
        pli, contenu, premiere_page = plis[nom]
        assert pli["adresse_postale"] == ADRESSES[cle].split("\n")
        # The letter's first page: the name and address where the envelope's window shows them (norme NF Z10-011),
        # the town in capitals, and nothing else there.
        *lignes, ville = ADRESSES[cle].split("\n")
        assert dans_la_fenetre(premiere_page) == [nom, *lignes, ville.upper()]
        assert pli["document_id"] == cibles[agents[cle].id].document_id and pli["livraison"] == livraison
        assert f"{agents[cle].prenom} {agents[cle].nom}" in contenu and "Relevé individuel de situation" in contenu
        assert "envoyé par courrier à votre adresse personnelle" in contenu
        assert agents[cle].nir not in json.dumps(pli)

    # The incidents: the collector's resolved; the two refused recipients open, each a business incident.
    par_agent = [i for i in ouverts if i.affilie_id]
    assert sorted(i.affilie_id for i in par_agent) == sorted(agents[cle].id for cle in ("emma", "alice", "nina"))
    (sans_adresse,) = [i for i in par_agent if i.affilie_id == agents["nina"].id]
    assert "adresse postale est inconnue" in sans_adresse.motif and sans_adresse.tentatives > 1
    assert all(i.etape.startswith("documents-") for i in par_agent)
    (employeur,) = [i for i in ouverts if not i.affilie_id]
    assert employeur.cle == f"courriel:employeur-{hopital.id}" and employeur.tentatives == 1 + len(cal.rappels)
    refuses = [i for i in vus if i.processus == "campagne"]
    assert sorted(i.agent for i in refuses) == sorted(
        [f"{agents[c].prenom} {agents[c].nom}" for c in ("emma", "alice", "nina")] + [""]
    )
    assert all(i.type == "metier" for i in refuses)
    assert any(hopital.raison_sociale in i.motif for i in refuses)
    jauge = {tuple(s.labels.values()): s.value for s in metriques["cnracl_incidents"].samples}
    assert jauge[("metier",)] == 4

    # What the manager sees: the campaign's figures, and the delivery per agent, filtered.
    async with sessions() as session:
        campagne = await depots_campagne.campagne_par_annee(session, annee)
        apres_refus = await campagnes.agents(session, annee, False, None, None, 100, 0, Livraison.papier_apres_refus)
    assert campagne is not None
    assert campagne.compteurs["plis_papier"] == len(papier)
    assert campagne.compteurs["mails_agents"] == len(pop.attendus) - len(papier) - 1
    assert (
        campagne.compteurs["incidents"] == 3 + len(lots) + 1
    )  # the transmissions (and the former affiliates'): the employer's is not a document's
    assert sorted(a["nom"] for a in apres_refus) == sorted(agents[c].nom for c in ("emma", "alice"))
    await _vu_par_le_superviseur(settings, sessions, pop, papier)


async def _vu_par_le_superviseur(settings, sessions, pop, papier: dict[str, str]) -> None:
    """The same, through the API and the pages: the delivery per agent (filtered), and the incidents."""
    async with transaction(sessions) as session:
        compte = await creer_compte(session, role="superviseur", identifiant="superviseur", code_hash=hacher(CODE))
        session.add(avec_question_secrete(compte))
    app = create_app(settings)
    async with AsyncExitStack() as pile:
        await pile.enter_async_context(app.router.lifespan_context(app))
        http = await pile.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60)
        )
        jeton = (await http.post("/api/v1/auth/jeton", data={"username": "superviseur", "password": CODE})).json()
        entetes = {"Authorization": f"Bearer {jeton['access_token']}"}
        reponse = await http.get(
            f"/api/v1/campagnes/{pop.annee}/agents", params={"livraison": "papier"}, headers=entetes
        )
        assert reponse.status_code == 200
        assert sorted(a["nom"] for a in reponse.json()) == sorted(
            pop.agents[c].nom for c, mode in papier.items() if mode == "papier"
        )
        assert {a["livraison"] for a in reponse.json()} == {"papier"}
        refus = await http.get(f"/api/v1/campagnes/{pop.annee}/agents", params={"livraison": "pigeon"}, headers=entetes)
        assert refus.status_code == 422 and refus.json()["erreurs"][0]["champ"] == "livraison"
        vus = (await http.get("/api/v1/incidents", headers=entetes)).json()
        assert sorted(i["agent"] for i in vus if i["processus"] == "campagne" and i["agent"]) == sorted(
            f"{pop.agents[c].prenom} {pop.agents[c].nom}" for c in ("emma", "alice", "nina")
        )

        # Emma's refused address corrected by a supervisor: a wrong one is refused, the field named in French, and
        # closes nothing; another valid one closes her « courriel refusé »; she stays on paper until mail is chosen.
        emma = pop.agents["emma"]

        async def incidents_d_emma() -> list:
            vus = (await http.get("/api/v1/incidents", headers=entetes)).json()
            return [i for i in vus if i["processus"] == "campagne" and i["agent"] == f"{emma.prenom} {emma.nom}"]

        assert len(await incidents_d_emma()) == 1

        async def corriger(email: str) -> httpx.Response:
            corps = {"canal": "papier", "email": email}
            return await http.put("/api/v1/coordonnees", params={"nir": emma.nir}, json=corps, headers=entetes)

        faux = await corriger("emma.exemple.fr")
        assert faux.status_code == 422 and [e["champ"] for e in faux.json()["erreurs"]] == ["email"]
        assert "Adresse électronique : une adresse électronique est attendue (nom@domaine.fr)" in faux.json()["detail"]
        assert len(await incidents_d_emma()) == 1
        corrige = await corriger("emma.durand@exemple.org")
        assert corrige.status_code == 200 and corrige.json()["canal"] == "papier"
        assert await incidents_d_emma() == []

        nav = Navigateur(http)
        assert (await nav.connecter("superviseur")).status_code == 303
        page = await nav.get(f"/superviseur/campagnes/{pop.annee}/agents?livraison=papier_apres_refus")
        assert page.status_code == 200
        for cle, mode in papier.items():
            assert (f"{pop.agents[cle].prenom} {pop.agents[cle].nom}" in page.text) == (mode == "papier_apres_refus")
        assert "Par courrier, le courriel ayant été refusé" in page.text
        page = await nav.get("/superviseur/incidents")
        assert page.status_code == 200 and "Le serveur de messagerie a refusé l&#39;adresse électronique" in page.text
        assert f'href="/superviseur/campagnes/{pop.annee}/agents"' in page.text

        # The hospital's refused mails (the cut-off's incident): its link leads to the employer's address, where
        # another one resolves it.
        hopital = pop.employeurs["hopital"]
        adresse = f"/superviseur/employeurs/{hopital.id}/coordonnees"
        assert f'href="{adresse}"' in page.text
        page = await nav.get(adresse)
        assert page.status_code == 200 and "Le serveur de messagerie a refusé" in page.text
        assert (await nav.post(adresse, {"email": "paie@hopital-exemple.org"})).status_code == 303
        vus = (await http.get("/api/v1/incidents", headers=entetes)).json()
        assert [i for i in vus if i["page"] == adresse] == []
        assert len([i for i in vus if i["processus"] == "campagne" and i["agent"]]) == 2  # alice's, nina's
