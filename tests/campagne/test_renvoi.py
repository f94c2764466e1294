"""A campaign document re-produced and re-sent by a supervisor, on Temporal's time-skipping server with the real
worker, API, SMTP server and print batches: the new version comes from today's data, the old one is kept and marked
replaced (the agent and the supervisor see both), the agent is announced once — by mail, or in the next tranche's
print batch — also under two identical requests at once; the history says who and why; the delivery page shows it.
An agent's switch to paper changes how the next tranche delivers their document; a re-sent mail the server refuses
switches the agent to paper and is an incident, as in the campaign's sending. Refusals: unknown document, another
year, not a supervisor, a channel the agent cannot be reached by, an agent deceased."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime, timedelta
from html import unescape
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from activities.campagne_papier import dossier_du_lot
from api.app import create_app
from domain.cir import LigneCir
from notifications.rendu import date_fr
from persistence import depots
from persistence.comptes import creer_compte, hacher
from persistence.db import creer_moteur, fabrique_sessions, transaction
from persistence.fabrique import identifiant
from persistence.models import Affilie, Document, Evenement
from persistence.models_campagne import CibleCampagne
from tests.support.attente import attendre
from tests.support.campagne import annee_de_campagne, avancer_jusqua, population_campagne
from tests.support.canaux_campagne import demarrer_puits_refusant
from tests.support.environnement import settings_de_test, texte
from tests.support.fabriques import avec_question_secrete
from tests.support.navigateur import Navigateur
from tests.support.service import CODE
from tests.support.texte_pdf import dans_la_fenetre, pages_pdf
from worker import creer_worker
from workflows.campagne_client import demande_campagne, demarrer_campagne

ADRESSE_BRUNO = {
    "voie": "8 allée des Tilleuls",
    "complement": "Bâtiment B",
    "code_postal": "33400",
    "commune": "Talence",
}
ADRESSE_CHLOE = {"voie": "1 place du Marché", "code_postal": "33600", "commune": "Pessac"}


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, url_base):
    env = env_temps_accelere
    controleur, puits, boite_mail = demarrer_puits_refusant(tmp_path / "mail")
    moteur = creer_moteur(url_base)
    sessions = fabrique_sessions(moteur)
    settings = settings_de_test(
        tmp_path,
        url_base,
        boite_mail.port,
        campagne_taille_lot_employeurs=2,
        temporal_address=env.client.service_client.config.target_host,
    )
    annee = await annee_de_campagne(env)
    pop = await population_campagne(sessions, annee, avec_eig=False)
    async with transaction(sessions) as session:
        for role, nom, cible in (
            ("superviseur", "superviseur", {}),
            ("employeur", "rh-commune", {"siret": pop.employeurs["commune"].siret}),
            ("affilie", "alice", {"nir": pop.agents["alice"].nir}),
            ("affilie", "chloe", {"nir": pop.agents["chloe"].nir}),
        ):
            compte = await creer_compte(session, role=role, identifiant=nom, code_hash=hacher(CODE), **cible)
            session.add(avec_question_secrete(compte))
    app = create_app(settings)
    pile = AsyncExitStack()
    pile.callback(controleur.stop)
    pile.push_async_callback(moteur.dispose)
    async with pile, creer_worker(env.client, settings, sessions):
        await pile.enter_async_context(app.router.lifespan_context(app))
        http = await pile.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60)
        )

        async def jeton(nom: str) -> dict[str, str]:
            reponse = await http.post("/api/v1/auth/jeton", data={"username": nom, "password": CODE})
            return {"Authorization": f"Bearer {reponse.json()['access_token']}"}

        async def connecte(nom: str) -> Navigateur:
            client = await pile.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60)
            )
            nav = Navigateur(client)
            assert (await nav.connecter(nom)).status_code == 303
            return nav

        yield env, settings, sessions, boite_mail, puits, pop, http, jeton, connecte


async def _cibles(sessions) -> dict[int, CibleCampagne]:
    async with sessions() as session:
        return {c.affilie_id: c for c in (await session.exec(select(CibleCampagne))).all()}


def _manifeste(settings, workflow_id: str, rang: int, lot: int) -> dict:
    chemin = dossier_du_lot(Path(settings.var_dir) / "impression", workflow_id, rang, lot) / "manifeste.json"
    return json.loads(chemin.read_text("utf-8"))


async def test_renvoi_par_courriel_par_courrier_et_changement_de_canal(banc):
    env, settings, sessions, boite, puits, pop, http, jeton, connecte = banc
    annee, agents = pop.annee, pop.agents
    superviseur, alice_api = await jeton("superviseur"), await jeton("alice")
    demande = demande_campagne(settings, annee)
    tranches = demande.calendrier.tranches()
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)
    await avancer_jusqua(env, demande.calendrier.lancement + timedelta(hours=1))

    async def selectionnes() -> bool:
        return len(await _cibles(sessions)) >= 4

    await attendre(selectionnes, delai=60)
    cibles = await _cibles(sessions)
    alice, bruno, chloe = (cibles[agents[cle].id] for cle in ("alice", "bruno", "chloe"))
    rang = max(alice.tranche, bruno.tranche)  # both documents sent at this tranche; chloe's comes later
    assert rang < chloe.tranche < len(tranches) - 1

    # Before chloe's tranche she chooses paper, with her address: her document will go that way.
    chloe_api = await jeton("chloe")
    reponse = await http.put(
        "/api/v1/coordonnees", json={"canal": "papier", "adresse_postale": ADRESSE_CHLOE}, headers=chloe_api
    )
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["adresse_postale"] == ["1 place du Marché", "33600 PESSAC"]

    await avancer_jusqua(env, tranches[rang] + timedelta(hours=1))

    async def annonces() -> bool:
        vues = await _cibles(sessions)
        return all(vues[agents[cle].id].etat == "document_annonce" for cle in ("alice", "bruno"))

    await attendre(annonces, delai=60)
    cibles = await _cibles(sessions)
    ancien_alice, ancien_bruno = cibles[agents["alice"].id].document_id, cibles[agents["bruno"].id].document_id
    assert ancien_alice and ancien_bruno
    assert len(boite.pour(agents["alice"].email)) == len(boite.pour(agents["bruno"].email)) == 1

    # Refusals: a supervisor's only, a document of this campaign, a motif, a channel the agent can be reached by.
    url = f"/api/v1/campagnes/{annee}/documents/{ancien_alice}/renvoi"
    motif = {"motif": "Indice corrigé par l'employeur après l'envoi"}
    for compte in ("rh-commune", "alice"):
        assert (await http.post(url, json=motif, headers=await jeton(compte))).status_code == 403
    inconnu = await http.post(f"/api/v1/campagnes/{annee}/documents/999999/renvoi", json=motif, headers=superviseur)
    assert inconnu.status_code == 404 and "Aucun document n° 999999 dans la campagne" in inconnu.json()["detail"]
    autre_annee = await http.post(
        f"/api/v1/campagnes/{annee + 1}/documents/{ancien_alice}/renvoi", json=motif, headers=superviseur
    )
    assert autre_annee.status_code == 404 and f"Aucune campagne {annee + 1}" in autre_annee.json()["detail"]
    sans_motif = await http.post(url, json={"motif": "  "}, headers=superviseur)
    assert sans_motif.status_code == 422 and sans_motif.json()["erreurs"][0]["champ"] == "motif"
    sans_adresse = await http.post(url, json=motif | {"canal": "papier"}, headers=superviseur)
    assert (
        sans_adresse.status_code == 422 and "adresse postale de l'agent est inconnue" in sans_adresse.json()["detail"]
    )
    assert len(boite.pour(agents["alice"].email)) == 1

    # The employer completes alice's CIR (the reference year was missing): the new version is made from today's data.
    annee_cir = annee - 1
    async with transaction(sessions) as session:
        await depots.ecrire_ligne_cir(
            session,
            identifiant(agents["alice"]),
            LigneCir(date_debut=date(annee_cir, 1, 1), date_fin=date(annee_cir, 6, 30), indice_majore=512),
            pop.employeurs["commune"].id,
            datetime.now(UTC),
        )
    reponse = await http.post(url, json=motif, headers=superviseur)
    assert reponse.status_code == 202, reponse.text
    renvoi = reponse.json()
    assert (renvoi["etat"], renvoi["canal"], renvoi["livraison"], renvoi["version"]) == (
        "renvoye",
        "email",
        "courriel",
        2,
    )
    nouveau_alice = renvoi["document_id"]
    assert nouveau_alice != ancien_alice
    (_, annonce) = boite.pour(agents["alice"].email)
    corps = texte(annonce)
    assert "nouvelle version" in str(annonce["Subject"]).lower()
    assert f"document n° {nouveau_alice}" in corps and f"(document n° {ancien_alice})" in corps
    async with sessions() as session:
        ancien = await session.get(Document, ancien_alice)
        nouveau = await session.get(Document, nouveau_alice)
        cible = await session.get(CibleCampagne, cibles[agents["alice"].id].id)
        evenements = (
            await session.exec(
                select(Evenement).where(Evenement.processus_id == handle.id, Evenement.type == "document_renvoye")
            )
        ).all()
    assert ancien is not None and nouveau is not None and cible is not None
    assert nouveau.remplace_id == ancien_alice and cible.document_id == nouveau_alice
    periodes = {p["annee"] for p in nouveau.contenu["periodes"]}
    assert annee_cir in periodes and annee_cir not in {p["annee"] for p in ancien.contenu["periodes"]}
    (evenement,) = evenements
    assert evenement.acteur == "superviseur" and evenement.compte_id is not None
    assert evenement.details["motif"] == motif["motif"] and evenement.details["document_remplace"] == ancien_alice

    # The same document again: already replaced (409), nothing sent.
    deja = await http.post(url, json=motif, headers=superviseur)
    assert deja.status_code == 409 and f"n° {nouveau_alice}" in deja.json()["detail"]

    # Two identical requests at once on the current version: one new version, one mail, no error.
    url_v2 = f"/api/v1/campagnes/{annee}/documents/{nouveau_alice}/renvoi"
    reponses = await asyncio.gather(*(http.post(url_v2, json=motif, headers=superviseur) for _ in range(2)))
    assert sorted(r.status_code for r in reponses) in ([202, 202], [202, 409]), [r.text for r in reponses]
    v3 = {r.json()["document_id"] for r in reponses if r.status_code == 202}
    assert len(v3) == 1
    async with sessions() as session:
        remplacants = (await session.exec(select(Document).where(Document.remplace_id == nouveau_alice))).all()
    assert [d.id for d in remplacants] == list(v3)
    assert len(boite.pour(agents["alice"].email)) == 3

    # The agent sees every version, the current one and those it replaced.
    vus = (await http.get("/api/v1/documents", headers=alice_api)).json()
    par_id = {d["id"]: d for d in vus}
    assert {ancien_alice, nouveau_alice, *v3} <= set(par_id)
    assert par_id[nouveau_alice]["remplace_id"] == ancien_alice
    page = unescape((await (await connecte("alice")).get("/documents")).text)
    assert f'remplacé le {date_fr(nouveau.cree_le)} par <a href="/documents/{nouveau_alice}">' in page

    # Bruno's letter came back: his address set by the supervisor, his document re-sent on paper. It lands in the
    # print batch of the next tranche, with nothing mailed.
    reponse = await http.put(
        "/api/v1/coordonnees",
        params={"nir": agents["bruno"].nir},
        json={"canal": "email", "adresse_postale": ADRESSE_BRUNO},
        headers=superviseur,
    )
    assert reponse.status_code == 200, reponse.text
    reponse = await http.post(
        f"/api/v1/campagnes/{annee}/documents/{ancien_bruno}/renvoi",
        json={"motif": "Courrier revenu : adresse corrigée", "canal": "papier"},
        headers=superviseur,
    )
    assert reponse.status_code == 202, reponse.text
    papier = reponse.json()
    assert (papier["livraison"], papier["tranche"]) == ("papier", rang + 2)
    lot_bruno = cibles[agents["bruno"].id].lot
    manifeste = _manifeste(settings, handle.id, rang + 1, lot_bruno)
    (pli,) = [p for p in manifeste["plis"] if p["document_id"] == papier["document_id"]]
    assert pli["adresse_postale"] == ["8 allée des Tilleuls", "Bâtiment B", "33400 TALENCE"]
    assert pli["destinataire"] == f"{agents['bruno'].prenom} {agents['bruno'].nom}"
    assert len(boite.pour(agents["bruno"].email)) == 1
    # The letter carries the address where the envelope's window shows it.
    fichier = dossier_du_lot(Path(settings.var_dir) / "impression", handle.id, rang + 1, lot_bruno) / pli["fichier"]
    premiere_page = pages_pdf(fichier.read_bytes())[pli["pages"][0] - 1]
    assert dans_la_fenetre(premiere_page) == [pli["destinataire"], *pli["adresse_postale"]]

    # Alice's mailbox is gone (550): her latest version re-sent by mail is refused. She is on paper from now on, but
    # her postal address is unknown: both are incidents for the supervisors, and nothing is printed.
    puits.refuses.add(agents["alice"].email)
    (courant_alice,) = v3
    reponse = await http.post(
        f"/api/v1/campagnes/{annee}/documents/{courant_alice}/renvoi", json=motif, headers=superviseur
    )
    assert reponse.status_code == 202, reponse.text
    assert reponse.json()["livraison"] == "sans_adresse"
    vus = (await http.get("/api/v1/incidents", headers=superviseur)).json()
    nom_alice = f"{agents['alice'].prenom} {agents['alice'].nom}"
    d_alice = [i["motif"] for i in vus if i["processus"] == "campagne" and i["agent"] == nom_alice]
    assert len(d_alice) == 2 and any("adresse postale" in m for m in d_alice), vus
    assert puits.refus == {agents["alice"].email: 1}
    async with sessions() as session:
        assert (await session.get(Affilie, agents["alice"].id)).canal == "papier"

    # The supervisor's delivery page: the re-sent versions and the replaced ones.
    nav = await connecte("superviseur")
    page = unescape((await nav.get(f"/superviseur/campagnes/{annee}/agents")).text)
    assert "Renvoyé" in page and "Remplacé" in page and "renvoyé le" in page
    assert f"lot d'impression de la tranche {rang + 2}" in page
    assert (
        f'href="/documents/{ancien_bruno}"' in page
        and f'href="/superviseur/agents/{agents["bruno"].nir}/coordonnees"' in page
    )
    # … and the re-send from that page: a motif is required, named.
    vide = await nav.post(f"/superviseur/campagnes/{annee}/documents/{papier['document_id']}/renvoi", {"motif": ""})
    assert vide.status_code == 422 and "Motif" in unescape(vide.text)

    # The next tranche runs: bruno's re-sent letter is still in its batch; chloe, on paper now, gets hers on paper.
    await avancer_jusqua(env, tranches[chloe.tranche] + timedelta(hours=1))

    async def chloe_servie() -> bool:
        return (await _cibles(sessions))[agents["chloe"].id].etat == "document_annonce"

    await attendre(chloe_servie, delai=60)
    manifeste = _manifeste(settings, handle.id, rang + 1, lot_bruno)
    assert papier["document_id"] in {p["document_id"] for p in manifeste["plis"]}
    cible_chloe = (await _cibles(sessions))[agents["chloe"].id]
    assert cible_chloe.livraison == "papier" and boite.pour(agents["chloe"].email) == []
    manifeste = _manifeste(settings, handle.id, cible_chloe.tranche, cible_chloe.lot)
    (pli,) = [p for p in manifeste["plis"] if p["document_id"] == cible_chloe.document_id]
    assert pli["adresse_postale"] == ["1 place du Marché", "33600 PESSAC"]
    async with sessions() as session:
        stockee = await session.get(Affilie, agents["chloe"].id)
    assert stockee is not None and stockee.canal == "papier"

    # An agent whose death is recorded gets nothing more.
    emma = (await _cibles(sessions))[agents["emma"].id]
    assert emma.document_id
    deces = {"date_de_deces": date.today().isoformat()}
    reponse = await http.put(f"/api/v1/affilies/{agents['emma'].nir}/situation", json=deces, headers=superviseur)
    assert reponse.status_code == 200, reponse.text
    mails_emma = len(boite.pour(agents["emma"].email))
    reponse = await http.post(
        f"/api/v1/campagnes/{annee}/documents/{emma.document_id}/renvoi", json=motif, headers=superviseur
    )
    assert reponse.status_code == 409 and "n'a plus droit" in reponse.json()["detail"]
    assert len(boite.pour(agents["emma"].email)) == mails_emma
