"""A campaign's perimeter steered by its manager, through the whole calendar on Temporal's time-skipping server with
the real activities, the real SMTP server and the collector's files: an agent excluded after the selection gets no
document; an excluded employer's open tasks are withdrawn (kept, cancelled), it gets no reminder and its agents no
line in the collector's file nor document; a lifted exclusion brings its agent back at the next tranche; an agent
the selection missed (a late affiliation), once added, gets his employer's task, his line and his document. Each
decision is in the campaign's chained history with who took it and why; a finished campaign refuses them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from activities.campagne_collecteur import fichiers_du_lot, lire_lot
from persistence.models import Document, Tache
from persistence.models_campagne import ExportCampagne
from tests.support.attente import attendre, au_repos
from tests.support.campagne import AVEC_EIG, avancer_jusqua, taches_de_campagne
from tests.support.environnement import texte
from tests.support.perimetre import banc_perimetre
from workflows.campagne_client import demande_campagne, demarrer_campagne


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, url_base):
    async with banc_perimetre(env_temps_accelere, tmp_path, boite_mail, url_base, avec_eig=AVEC_EIG) as banc:
        yield banc


async def test_exclusions_levee_et_ajout_sur_tout_le_calendrier(banc):
    pop, boite = banc.pop, banc.boite
    annee = pop.annee
    ids = {cle: agent.id for cle, agent in pop.agents.items()}
    superviseur = await banc.http("superviseur")
    demande = demande_campagne(banc.settings, annee)
    cal = demande.calendrier
    assert (await superviseur.post(f"/campagnes/{annee}")).status_code == 202
    # The running campaign's handle, through the test client (its result lets the test server skip time).
    handle = await demarrer_campagne(banc.env.client, banc.settings.task_queue, demande)

    # July N: the selection (Yanis has no employer known yet: not selected), the employers' mails and tasks.
    await avancer_jusqua(banc.env, cal.lancement + timedelta(hours=1))
    await attendre(lambda: len(boite.messages) == 2)
    await au_repos(handle)
    assert ids["yanis"] not in await banc.cibles()
    hopital = pop.employeurs["hopital"]

    # The manager excludes the hospital, Bruno and Alice (whose task is open), each with a reason.
    exclusions = {}
    for cle, corps in (
        ("hopital", {"type": "employeur", "siret": hopital.siret, "motif": "Établissement en cours de fusion"}),
        ("bruno", {"type": "agent", "nir": pop.agents["bruno"].nir, "motif": "Dossier contentieux"}),
        ("alice", {"type": "agent", "nir": pop.agents["alice"].nir, "motif": "Vérification d'identité"}),
    ):
        reponse = await superviseur.post(f"/campagnes/{annee}/exclusions", json=corps)
        assert reponse.status_code == 201, reponse.text
        exclusions[cle] = reponse.json()
        assert exclusions[cle]["en_vigueur"] and exclusions[cle]["decidee_par"] == "superviseur"
    assert exclusions["hopital"]["taches"] == len(pop.a_mettre_a_jour["hopital"])
    assert exclusions["alice"]["taches"] == 1 and exclusions["bruno"]["taches"] == 0
    # Withdrawn, not deleted: the tasks are still there, cancelled, and the employer cannot answer them.
    taches = {t.affilie_id: t for t in await taches_de_campagne(banc.sessions)}
    retirees = {ids["alice"]} | {ids[c] for c in pop.a_mettre_a_jour["hopital"]}
    assert {a for a, t in taches.items() if t.etat == "annulee"} == retirees
    assert {a for a, t in taches.items() if t.etat == "ouverte"} == {
        ids[c] for c in pop.a_mettre_a_jour["commune"] if c != "alice"
    }

    # Yanis's affiliation arrives (late, at the SDIS): the manager adds him; the selection's rules take him (RIS at
    # 45) and, before the cut-off, the SDIS gets his task.
    await banc.affilier(pop.agents["yanis"], "sdis")
    reponse = await superviseur.post(
        f"/campagnes/{annee}/ajouts",
        json={"type": "agent", "nir": pop.agents["yanis"].nir, "motif": "Affiliation reçue après la sélection"},
    )
    assert reponse.status_code == 201, reponse.text
    ajout = reponse.json()
    assert [(a["prenom"], a["cohorte"], a["age"]) for a in ajout["agents"]] == [("Yanis", "ris", 45)]
    assert ajout["taches"] == 1
    (tache_yanis,) = [t for t in await taches_de_campagne(banc.sessions) if t.affilie_id == ids["yanis"]]
    assert tache_yanis.employeur_id == pop.employeurs["sdis"].id and tache_yanis.echeance == cal.date_limite

    # The reminders: the commune for its open tasks, the SDIS for Yanis's; never the hospital.
    for instant in cal.rappels:
        await avancer_jusqua(banc.env, instant + timedelta(hours=1))
        await au_repos(handle)
    assert len(boite.pour(hopital.email)) == 1  # its launch mail, before the exclusion
    rappels_sdis = boite.pour(pop.employeurs["sdis"].email)
    assert len(rappels_sdis) == len(cal.rappels) and "Yanis NomYanis" in texte(rappels_sdis[0])
    assert all("Alice" not in texte(m) for m in boite.pour(pop.employeurs["commune"].email)[1:])

    # The documents: Alice's tranche produces nothing for her; the manager lifts her exclusion.
    cible_alice = (await banc.cibles())[ids["alice"]]
    await avancer_jusqua(banc.env, cal.tranches()[cible_alice.tranche] + timedelta(hours=1))
    await au_repos(handle)
    assert (await banc.cibles())[ids["alice"]].etat == "exclu_decision"
    reponse = await superviseur.request(
        "DELETE",
        f"/campagnes/{annee}/exclusions/{exclusions['alice']['id']}",
        params={"motif": "Identité vérifiée"},
    )
    assert reponse.status_code == 200, reponse.text
    assert not reponse.json()["en_vigueur"] and reponse.json()["motif_levee"] == "Identité vérifiée"
    assert reponse.json()["taches"] == 0  # after the cut-off, her task stays withdrawn

    await handle.result()

    # Who got a document, and its mail: Alice (at the tranche after the lifting) and Yanis; not the excluded.
    cibles = await banc.cibles()
    async with banc.sessions() as session:
        documents = {d.affilie_id: d for d in (await session.exec(select(Document).order_by(col(Document.id)))).all()}
        exports = (await session.exec(select(ExportCampagne))).all()
        alice_tache = await session.get(Tache, taches[ids["alice"]].id)
    exclus = {"bruno", "emma"} | ({"henri"} if AVEC_EIG else set())
    for cle in exclus:
        assert cibles[ids[cle]].etat == "exclu_decision" and ids[cle] not in documents, cle
        assert boite.pour(pop.agents[cle].email) == [], cle
    for cle in ("alice", "yanis"):
        assert cibles[ids[cle]].etat == "document_annonce", cle
        (mail,) = boite.pour(pop.agents[cle].email)
        assert f"document n° {documents[ids[cle]].id}" in texte(mail)
    assert cibles[ids["alice"]].tranche == cible_alice.tranche + 1
    assert alice_tache is not None and alice_tache.etat == "annulee"

    # The collector's files: neither the excluded agents nor the hospital's; Yanis is in his batch's.
    dossier = Path(banc.settings.var_dir) / "exports" / f"campagne-dai-{annee}"
    transmis = set()
    for export in exports:
        _, lignes = lire_lot(dossier / fichiers_du_lot(export.lot)[1], banc.settings.cle_collecteur())
        transmis |= {ligne["nir"] for ligne in lignes}
    assert pop.agents["yanis"].nir in transmis and pop.agents["chloe"].nir in transmis
    assert not transmis & {pop.agents[cle].nir for cle in exclus | {"alice"}}

    # The campaign's history: each decision with who and why.
    decidees = await banc.evenements("exclusion_decidee", "exclusion_levee", "ajout_decide")
    assert [e.type for e in decidees] == ["exclusion_decidee"] * 3 + ["ajout_decide", "exclusion_levee"]
    assert {e.acteur for e in decidees} == {"superviseur"} and all(e.compte_id for e in decidees)
    assert decidees[0].details["motif"] == "Établissement en cours de fusion"
    assert decidees[-1].details["motif"] == "Identité vérifiée" and decidees[-1].details["agents_reintegres"] == 1

    # Over: nothing more is excluded nor added.
    reponse = await superviseur.post(
        f"/campagnes/{annee}/exclusions",
        json={"type": "agent", "nir": pop.agents["chloe"].nir, "motif": "Trop tard"},
    )
    assert reponse.status_code == 409 and "est terminée" in reponse.json()["detail"]
