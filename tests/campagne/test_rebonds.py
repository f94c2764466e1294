"""Mails the server accepted that came back later (the mail provider's bounces), on Temporal's time-skipping server
with the real worker, API, SMTP server and print batches: reported by Message-ID, by a raw notification (RFC 3464)
or by the ``cnracl campagne rebonds`` command, each bounced mail is kept and marked bounced, its agent switched to
paper as for a refusal during the exchange — the document in the next tranche's print batch (or, without a postal
address, waiting for one), a business incident, an event in the campaign's history — and the manager's delivery
view says so. An employer's bounced mail is the employer's one incident of the campaign (the cut-off's for its
refused mails) and an event. The same bounce again changes nothing. Refusals: unknown Message-ID (named), not a
notification, the supervisors' own mail, not a supervisor."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from sqlmodel import col, select

from activities.campagne_papier import dossier_du_lot
from persistence.db import creer_moteur, fabrique_sessions
from persistence.models import Affilie, Employeur, Evenement, Mail
from persistence.models_campagne import CibleCampagne, IncidentCampagne
from tests.support.attente import attendre
from tests.support.avis import avis_de_non_remise
from tests.support.campagne import avancer_jusqua, service_campagne
from tests.support.environnement import settings_sur
from tests.support.fabriques import modifier_affilie
from tests.support.processus_externes import commande_cnracl
from tests.support.texte_pdf import dans_la_fenetre, pages_pdf
from workflows.campagne_client import demande_campagne, demarrer_campagne

ADRESSE_BRUNO = "8 allée des Tilleuls\nBâtiment B\n33400 Talence"
ADRESSE_EMMA = "15 quai des Chartrons\n33000 Bordeaux"
MOTIF = "Boîte aux lettres inconnue (avis du fournisseur de messagerie)"


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, url_base):
    env = env_temps_accelere
    settings = settings_sur(env, tmp_path, url_base, boite_mail.port, campagne_taille_lot_employeurs=2)
    moteur = creer_moteur(url_base)
    try:
        async with service_campagne(env, settings, fabrique_sessions(moteur)) as (service, pop):
            yield env, settings, fabrique_sessions(moteur), boite_mail, service, pop
    finally:
        await moteur.dispose()


async def _cibles(sessions) -> dict[int, CibleCampagne]:
    async with sessions() as session:
        return {c.affilie_id: c for c in (await session.exec(select(CibleCampagne))).all()}


async def _mail_du_document(sessions, adresse: str) -> Mail:
    async with sessions() as session:
        requete = select(Mail).where(Mail.destinataire == adresse, Mail.evenement == "campagne_document_disponible")
        (mail,) = (await session.exec(requete)).all()
    return mail


async def _etat(sessions, handle_id: str, affilie_ids: set[int]) -> tuple[list, list, list]:
    """The bounces' traces for these agents: their incidents, the history's bounce events, their mails."""
    async with sessions() as session:
        incidents = (await session.exec(select(IncidentCampagne).order_by(col(IncidentCampagne.id)))).all()
        requete = select(Evenement).where(Evenement.processus_id == handle_id, Evenement.type == "courriel_rebondi")
        evenements = (await session.exec(requete.order_by(col(Evenement.id)))).all()
        mails = (await session.exec(select(Mail).order_by(col(Mail.id)))).all()
        adresses = {a.email for a in (await session.exec(select(Affilie))).all() if a.id in affilie_ids}
    return (
        [i.model_dump() for i in incidents if i.affilie_id in affilie_ids],
        [e.model_dump() for e in evenements],
        [m.model_dump() for m in mails if m.destinataire in adresses],
    )


async def _trace_employeur(sessions, superviseur, handle_id: str, mail_id: int | None, employeur_id: int) -> tuple:
    """An employer's bounce's traces: its mail, the employer's incidents, the history's bounce events for it, and
    the campaign incidents ``GET /incidents`` shows of it."""
    async with sessions() as session:
        mail = await session.get(Mail, mail_id)
        requete = select(IncidentCampagne).where(col(IncidentCampagne.cle).like("courriel:employeur-%"))
        incidents = (await session.exec(requete)).all()
    evenements = await _evenements_campagne(sessions, handle_id, "courriel_rebondi")
    assert mail is not None
    reponse = await superviseur.get("/incidents")
    assert reponse.status_code == 200, reponse.text
    vus = [
        i
        for i in reponse.json()
        if i["processus"] == "campagne" and i["incident_campagne_id"] in {x.id for x in incidents}
    ]
    return (
        mail.model_dump(),
        [i.model_dump() for i in incidents],
        [e.model_dump() for e in evenements if e.details.get("employeur") == employeur_id],
        vus,
    )


async def _compteurs(superviseur, annee: int) -> dict[str, int]:
    """The campaign's mails and letters, as ``GET /campagnes/{annee}`` gives them."""
    reponse = await superviseur.get(f"/campagnes/{annee}")
    assert reponse.status_code == 200, reponse.text
    return {cle: reponse.json()["compteurs"][cle] for cle in ("mails_agents", "plis_papier")}


async def _evenements_campagne(sessions, handle_id: str, type_: str) -> list[Evenement]:
    async with sessions() as session:
        requete = select(Evenement).where(Evenement.processus_id == handle_id, Evenement.type == type_)
        return list((await session.exec(requete)).all())


def _tableau(page: str) -> dict[str, int]:
    """The dashboard's mails and letters, as the supervisor reads them."""
    lignes = {"mails_agents": "Courriels envoyés aux agents", "plis_papier": "Documents envoyés par courrier"}
    return {
        cle: int(page.split(f'<th scope="row">{libelle}</th><td>', 1)[1].split("<", 1)[0])
        for cle, libelle in lignes.items()
    }


def _manifeste(settings, workflow_id: str, rang: int, lot: int) -> dict:
    chemin = dossier_du_lot(Path(settings.var_dir) / "impression", workflow_id, rang, lot) / "manifeste.json"
    return json.loads(chemin.read_text("utf-8"))


async def test_un_courriel_accepte_puis_revenu_passe_l_agent_au_courrier(banc, tmp_path):
    env, settings, sessions, boite, service, pop = banc
    annee, agents = pop.annee, pop.agents
    await modifier_affilie(sessions, agents["bruno"].id, adresse_postale=ADRESSE_BRUNO)
    await modifier_affilie(sessions, agents["emma"].id, adresse_postale=ADRESSE_EMMA)
    superviseur = await service.http("superviseur")
    url = f"/campagnes/{annee}/rebonds"

    demande = demande_campagne(settings, annee)
    tranches = demande.calendrier.tranches()
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)
    await avancer_jusqua(env, demande.calendrier.lancement + timedelta(hours=1))

    async def selectionnes() -> bool:
        return len(await _cibles(sessions)) >= 4

    await attendre(selectionnes, delai=60)
    cibles = await _cibles(sessions)
    rang = max(cibles[agents[cle].id].tranche for cle in ("alice", "bruno"))
    assert rang < len(tranches) - 1  # a tranche follows: the bounced documents go into its print batch
    await avancer_jusqua(env, tranches[rang] + timedelta(hours=1))

    async def annonces() -> bool:
        vues = await _cibles(sessions)
        return all(vues[agents[cle].id].etat == "document_annonce" for cle in ("alice", "bruno"))

    await attendre(annonces, delai=60)
    cibles = await _cibles(sessions)
    mail_bruno = await _mail_du_document(sessions, agents["bruno"].email)
    mail_alice = await _mail_du_document(sessions, agents["alice"].email)
    assert mail_bruno.etat == mail_alice.etat == "envoye"  # the server accepted both

    # Refusals, in French, none a 500: not a supervisor; nothing reported; a malformed Message-ID; one no mail of
    # this campaign has (named); the campaign's mail to the supervisors (the late employers' list); not a
    # notification.
    rh = await service.http("rh-commune")
    assert (
        await rh.post(url, json={"rebonds": [{"message_id": mail_bruno.message_id, "motif": MOTIF}]})
    ).status_code == 403
    vide = await superviseur.post(url, json={})
    assert vide.status_code == 422 and "indiquez au moins un courriel revenu" in vide.json()["detail"]
    mal_forme = await superviseur.post(url, json={"rebonds": [{"message_id": "pas un identifiant", "motif": MOTIF}]})
    assert mal_forme.status_code == 422 and mal_forme.json()["erreurs"][0]["champ"] == "rebonds.0.message_id"
    sans_motif = await superviseur.post(url, json={"rebonds": [{"message_id": mail_bruno.message_id, "motif": " "}]})
    assert sans_motif.status_code == 422 and sans_motif.json()["erreurs"][0]["champ"] == "rebonds.0.motif"
    inconnu = await superviseur.post(url, json={"rebonds": [{"message_id": "<inconnu@cnracl.fr>", "motif": MOTIF}]})
    assert inconnu.status_code == 404 and "le Message-ID <inconnu@cnracl.fr>" in inconnu.json()["detail"]
    autre_annee = await superviseur.post(
        f"/campagnes/{annee + 1}/rebonds", json={"rebonds": [{"message_id": mail_bruno.message_id, "motif": MOTIF}]}
    )
    assert autre_annee.status_code == 404 and f"Aucune campagne {annee + 1}" in autre_annee.json()["detail"]
    async with sessions() as session:
        lancement = (await session.exec(select(Mail).where(Mail.evenement == "campagne_lancement_employeur"))).first()
        (retardataires,) = (await session.exec(select(Mail).where(Mail.evenement == "campagne_retardataires"))).all()
    assert lancement is not None and lancement.etat == retardataires.etat == "envoye"
    aux_superviseurs = await superviseur.post(
        url, json={"rebonds": [{"message_id": retardataires.message_id, "motif": MOTIF}]}
    )
    assert aux_superviseurs.status_code == 422, aux_superviseurs.text
    refus = aux_superviseurs.json()["detail"]
    assert f"le courriel {retardataires.message_id} était adressé aux superviseurs" in refus
    assert "ni à un agent ni à un employeur" in refus and "CNRACL_MAIL_SUPERVISEURS" in refus
    pas_un_avis = await superviseur.post(url, json={"avis_de_non_remise": ["Bonjour, tout va bien."]})
    assert pas_un_avis.status_code == 422 and "n'est pas un avis de non-remise" in pas_un_avis.json()["detail"]
    concernes = {agents[cle].id for cle in ("alice", "bruno")}
    assert (await _etat(sessions, handle.id, concernes))[1] == []

    # The tranche sent, the dashboard counts alice's and bruno's mails as mails received.
    async def tranche_terminee() -> bool:
        return bool(await _evenements_campagne(sessions, handle.id, f"documents-{rang}_termine"))

    await attendre(tranche_terminee, delai=60)
    avant_rebond = await _compteurs(superviseur, annee)
    assert avant_rebond["mails_agents"] >= 2

    # Bruno's mail came back, reported by its Message-ID (without its angle brackets); alice's by the notification
    # itself. Bruno's letter goes into the next tranche's print batch; alice has no postal address: her document
    # waits for one, as a document due on paper does.
    reponse = await superviseur.post(
        url,
        json={
            "rebonds": [{"message_id": mail_bruno.message_id.strip("<>"), "motif": MOTIF}],
            "avis_de_non_remise": [avis_de_non_remise(agents["alice"].email, mail_alice.message_id).decode()],
        },
    )
    assert reponse.status_code == 202, reponse.text
    resultat = reponse.json()
    assert resultat["etat"] == "traite"
    par_mail = {r["message_id"]: r for r in resultat["rebonds"]}
    bruno = cibles[agents["bruno"].id]
    assert par_mail[mail_bruno.message_id] == {
        "message_id": mail_bruno.message_id,
        "destinataire": "agent",
        "document_id": bruno.document_id,
        "livraison": "papier_apres_rebond",
        "tranche": rang + 2,
        "employeur_id": None,
        "deja_signale": False,
    }
    assert par_mail[mail_alice.message_id]["document_id"] == cibles[agents["alice"].id].document_id
    assert par_mail[mail_alice.message_id]["livraison"] == "sans_adresse"
    assert par_mail[mail_alice.message_id]["tranche"] is None

    incidents, evenements, mails = await _etat(sessions, handle.id, concernes)
    par_cle = {m["message_id"]: m for m in mails}
    assert (
        par_cle[mail_bruno.message_id]["etat"] == "rebondi" and par_cle[mail_bruno.message_id]["motif_rebond"] == MOTIF
    )
    assert "adresse électronique inconnue" in (par_cle[mail_alice.message_id]["motif_rebond"] or "")
    assert par_cle[mail_bruno.message_id]["envoye_le"] is not None  # the outbox row kept as it was sent
    ouverts = {i["cle"]: i for i in incidents if i["resolu_le"] is None}
    courriel_bruno = ouverts[f"courriel:affilie-{agents['bruno'].id}"]
    assert courriel_bruno["type"] == "metier" and courriel_bruno["tentatives"] == 1
    assert "revenu après son envoi" in courriel_bruno["motif"] and MOTIF in courriel_bruno["motif"]
    assert f"courriel:affilie-{agents['alice'].id}" in ouverts and f"adresse:affilie-{agents['alice'].id}" in ouverts
    assert sorted((e["details"]["message_id"], e["acteur"]) for e in evenements) == sorted(
        [(mail_bruno.message_id, "superviseur"), (mail_alice.message_id, "superviseur")]
    )
    assert all(e["compte_id"] for e in evenements)
    async with sessions() as session:
        stockes = {cle: await session.get(Affilie, agents[cle].id) for cle in ("alice", "bruno")}
    assert all(affilie is not None and affilie.canal == "papier" for affilie in stockes.values())
    cibles = await _cibles(sessions)
    assert (cibles[agents["bruno"].id].etat, cibles[agents["bruno"].id].livraison) == (
        "document_annonce",
        "papier_apres_rebond",
    )
    assert (cibles[agents["alice"].id].etat, cibles[agents["alice"].id].livraison) == (
        "document_produit",
        "sans_adresse",
    )

    # The campaign's counters made right, in the API and on its dashboard: neither mail reached its agent; bruno's
    # letter is one more document sent on paper (alice's waits for her address); one recount in its history.
    attendus = {
        "mails_agents": avant_rebond["mails_agents"] - 2,
        "plis_papier": avant_rebond["plis_papier"] + 1,
    }

    async def recomptes() -> bool:
        return await _compteurs(superviseur, annee) == attendus

    await attendre(recomptes, delai=60)
    nav = await service.navigateur("superviseur")
    assert _tableau((await nav.get(f"/superviseur/campagnes/{annee}")).text) == attendus
    (recompte,) = await _evenements_campagne(sessions, handle.id, "livraisons_recomptees")
    assert recompte.details["mails_agents"] == attendus["mails_agents"]
    assert recompte.details["processus"].startswith(f"{handle.id}-rebonds-")

    # The letter: in the next tranche's print batch, the address in the envelope's window.
    manifeste = _manifeste(settings, handle.id, rang + 1, bruno.lot)
    (pli,) = [p for p in manifeste["plis"] if p["document_id"] == bruno.document_id]
    assert pli["livraison"] == "papier_apres_rebond" and pli["adresse_postale"] == ADRESSE_BRUNO.split("\n")
    fichier = dossier_du_lot(Path(settings.var_dir) / "impression", handle.id, rang + 1, bruno.lot) / pli["fichier"]
    premiere_page = pages_pdf(fichier.read_bytes())[pli["pages"][0] - 1]
    nom_bruno = f"{agents['bruno'].prenom} {agents['bruno'].nom}"
    assert dans_la_fenetre(premiere_page) == [nom_bruno, "8 allée des Tilleuls", "Bâtiment B", "33400 TALENCE"]

    # The same bounces again, at once and after: nothing more — no incident counted, no letter, no event.
    avant = await _etat(sessions, handle.id, concernes)
    encore = {"rebonds": [{"message_id": mail_bruno.message_id, "motif": MOTIF}]}
    reponses = await asyncio.gather(*(superviseur.post(url, json=encore) for _ in range(2)))
    assert [r.status_code for r in reponses] == [202, 202], [r.text for r in reponses]
    assert all(r.json()["rebonds"][0]["deja_signale"] for r in reponses)
    assert await _etat(sessions, handle.id, concernes) == avant
    assert _manifeste(settings, handle.id, rang + 1, bruno.lot) == manifeste
    assert await _compteurs(superviseur, annee) == attendus

    # An employer's launch mail came back: kept and marked bounced; the employer's one incident of the campaign,
    # under the key the cut-off gives its refused mails, naming it, why, what it missed and what to do; one event in
    # the history. Reported again, twice at once: nothing more.
    employeur_id = int(lancement.cle.rsplit(":employeur-", 1)[1])
    async with sessions() as session:
        fiche_employeur = await session.get(Employeur, employeur_id)
    assert fiche_employeur is not None
    a_l_employeur = {"rebonds": [{"message_id": lancement.message_id, "motif": MOTIF}]}
    reponse = await superviseur.post(url, json=a_l_employeur)
    assert reponse.status_code == 202, reponse.text
    assert reponse.json() == {
        "etat": "traite",
        "rebonds": [
            {
                "message_id": lancement.message_id,
                "destinataire": "employeur",
                "document_id": None,
                "livraison": None,
                "tranche": None,
                "employeur_id": employeur_id,
                "deja_signale": False,
            }
        ],
    }
    trace_employeur = await _trace_employeur(sessions, superviseur, handle.id, lancement.id, employeur_id)
    mail_lancement, (incident_employeur,), (evenement_employeur,), vu_employeur = trace_employeur
    assert mail_lancement["etat"] == "rebondi" and mail_lancement["motif_rebond"] == MOTIF
    assert incident_employeur["cle"] == f"courriel:employeur-{employeur_id}"
    assert incident_employeur["type"] == "metier" and incident_employeur["tentatives"] == 1
    assert incident_employeur["affilie_id"] is None and incident_employeur["resolu_le"] is None
    motif_employeur = incident_employeur["motif"]
    assert f"l'employeur {fiche_employeur.raison_sociale} est revenu après son envoi" in motif_employeur
    assert MOTIF in motif_employeur and "pas reçu l'annonce de la campagne" in motif_employeur
    assert "Corrigez son adresse électronique et prévenez-le." in motif_employeur
    assert evenement_employeur["details"] == {
        "message_id": lancement.message_id,
        "motif": MOTIF,
        "employeur": employeur_id,
    }
    assert evenement_employeur["acteur"] == "superviseur" and evenement_employeur["compte_id"]
    assert [(i["motif"], i["tentatives"]) for i in vu_employeur] == [(motif_employeur, 1)]
    reponses = await asyncio.gather(*(superviseur.post(url, json=a_l_employeur) for _ in range(2)))
    assert [r.status_code for r in reponses] == [202, 202], [r.text for r in reponses]
    assert all(r.json()["rebonds"] == [reponse.json()["rebonds"][0] | {"deja_signale": True}] for r in reponses), [
        r.text for r in reponses
    ]
    assert await _trace_employeur(sessions, superviseur, handle.id, lancement.id, employeur_id) == trace_employeur

    # The campaign goes on to its end: bruno's letter stays in its batch, nobody bounced gets another mail; alice's
    # document, still without an address, is tried again and stays an incident.
    mails_avant = {cle: len(boite.pour(agents[cle].email)) for cle in ("alice", "bruno")}
    vue = await handle.result()
    assert vue.etape.value == "terminee"
    assert (
        {cle: len(boite.pour(agents[cle].email)) for cle in ("alice", "bruno")}
        == mails_avant
        == {"alice": 1, "bruno": 1}
    )
    assert bruno.document_id in {p["document_id"] for p in _manifeste(settings, handle.id, rang + 1, bruno.lot)["plis"]}
    cibles = await _cibles(sessions)
    assert cibles[agents["bruno"].id].livraison == "papier_apres_rebond"
    assert cibles[agents["alice"].id].livraison == "sans_adresse"
    # The same bounce again recounted nothing: the campaign's history holds the first recount only.
    assert len(await _evenements_campagne(sessions, handle.id, "livraisons_recomptees")) == 1
    fin = await _compteurs(superviseur, annee)
    assert (vue.compteurs.mails_agents, vue.compteurs.plis_papier) == (fin["mails_agents"], fin["plis_papier"])

    # Emma's mail comes back after the campaign's last tranche: the operator's command reads the notification
    # file; her letter goes into the batch that follows the last tranche. Run twice: the second changes nothing.
    mail_emma = await _mail_du_document(sessions, agents["emma"].email)
    fichier_avis = tmp_path / "avis-emma.eml"
    fichier_avis.write_bytes(avis_de_non_remise(agents["emma"].email, mail_emma.message_id, "message"))
    sorties = []
    for _ in range(2):
        code, sortie, erreur = await commande_cnracl(
            settings, "campagne", "rebonds", "--annee", str(annee), str(fichier_avis)
        )
        assert code == 0, erreur
        sorties.append(sortie)
    # The campaign has ended: its stored counters are made right all the same, once.
    assert await _compteurs(superviseur, annee) == {
        "mails_agents": fin["mails_agents"] - 1,
        "plis_papier": fin["plis_papier"] + 1,
    }
    emma = (await _cibles(sessions))[agents["emma"].id]
    assert (
        f"document n° {emma.document_id} par courrier, lot d'impression de la tranche {len(tranches) + 1}" in sorties[0]
    )
    assert "déjà signalé, rien de refait" in sorties[1]
    assert emma.livraison == "papier_apres_rebond"
    manifeste = _manifeste(settings, handle.id, len(tranches), emma.lot)
    assert [p["document_id"] for p in manifeste["plis"]] == [emma.document_id]
    incidents, evenements, _ = await _etat(sessions, handle.id, {agents["emma"].id})
    (par_la_commande,) = [e for e in evenements if e["details"]["message_id"] == mail_emma.message_id]
    assert par_la_commande["acteur"] == "cnracl" and par_la_commande["compte_id"] is None
    assert [i["tentatives"] for i in incidents if i["cle"] == f"courriel:affilie-{agents['emma'].id}"] == [1]
    pas_un_avis = tmp_path / "pas-un-avis.eml"
    pas_un_avis.write_text("Bonjour")
    code, _, erreur = await commande_cnracl(settings, "campagne", "rebonds", "--annee", str(annee), str(pas_un_avis))
    assert code == 2
    assert "le fichier pas-un-avis.eml n'est pas un avis de non-remise" in erreur
    assert "Traceback" not in erreur

    # What the manager sees: the delivery filtered through the API and on the page, with when and why; the
    # incidents.
    apres_rebond = await superviseur.get(f"/campagnes/{annee}/agents", params={"livraison": "papier_apres_rebond"})
    assert apres_rebond.status_code == 200
    vus = {a["nom"]: a for a in apres_rebond.json()}
    assert set(vus) == {agents["bruno"].nom, agents["emma"].nom}
    assert vus[agents["bruno"].nom]["rebond"]["motif"] == MOTIF and vus[agents["bruno"].nom]["rebond"]["le"]
    incidents_api = (await superviseur.get("/incidents")).json()
    assert nom_bruno in {i["agent"] for i in incidents_api if i["processus"] == "campagne"}
    page = unescape((await nav.get(f"/superviseur/campagnes/{annee}/agents?livraison=papier_apres_rebond")).text)
    assert nom_bruno in page and f"{agents['alice'].prenom} {agents['alice'].nom}" not in page
    assert "Par courrier, le courriel étant revenu après son envoi" in page
    assert "Courriel revenu, signalé le" in page and MOTIF in page
