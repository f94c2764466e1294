"""An employer's email address, corrected by a supervisor after the mail server refused its campaign mails or one
came back: the employer's « courriel refusé » incident (opened by the persistence function the cut-off and the
bounces use) leads to the page; another valid address is stored, kept in the employer's history and resolves the
incident in every campaign (not another employer's, nor an agent's); a wrong one is refused with the field named,
nothing changed; the same one changes nothing. Supervisors only. Real API on SQLite and PostgreSQL; the pages
through a browser-like client."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from html import unescape
from typing import Any

import pytest
from sqlmodel import col, select

from activities.campagne import MOTIF_COURRIEL_REFUSE
from domain.adresse import cle_incident_courriel, cle_incident_courriel_employeur
from domain.campagne_rebonds import motif_incident_rebond_employeur
from persistence import depots
from persistence.db import transaction
from persistence.livraison_campagne import signaler_incident
from persistence.models import Employeur
from persistence.models_campagne import CampagneTable, IncidentCampagne
from services.coordonnees_employeur import historique_de
from tests.support.fabriques import relire
from tests.support.lexique import mots_de_code, texte_lu
from tests.support.navigateur import navigateur
from tests.support.service import service_seul

MOTIF = "Boîte aux lettres inconnue"


@pytest.fixture
async def service(tmp_path, url_base):
    async with service_seul(tmp_path, url_base) as service:
        yield service


async def _campagne(service, annee: int) -> int:
    async with transaction(service.sessions) as session:
        maintenant = datetime.now(UTC)
        campagne = CampagneTable(
            workflow_id=f"campagne-dai-{annee}",
            annee=annee,
            annee_envoi=annee + 1,
            etape="mise_a_jour_employeurs",
            creee_le=maintenant,
            modifiee_le=maintenant,
        )
        session.add(campagne)
        await session.flush()
        return campagne.id or 0


async def _incident(service, campagne_id: int, cle: str, motif: str, affilie_id: int | None = None) -> None:
    """The incident as a bounce opens it (``activities.campagne_rebonds``): the same function, key and motif."""
    async with transaction(service.sessions) as session:
        await signaler_incident(
            session,
            campagne_id,
            cle,
            "metier",
            "mise_a_jour",
            motif,
            datetime.now(UTC),
            affilie_id=affilie_id,
            tentatives=1,
            cumul=False,
        )


def _motif(employeur: Employeur) -> str:
    return motif_incident_rebond_employeur(employeur.raison_sociale, "campagne_lancement_employeur", MOTIF)


async def _ouverts(service) -> dict[str, list[int]]:
    """The open incidents' keys, each with its campaigns' ids."""
    async with service.sessions() as session:
        requete = select(IncidentCampagne).where(col(IncidentCampagne.resolu_le).is_(None))
        ouverts: dict[str, list[int]] = {}
        for incident in (await session.exec(requete.order_by(col(IncidentCampagne.id)))).all():
            ouverts.setdefault(incident.cle, []).append(incident.campagne_id)
    return ouverts


async def _historique(service, employeur_id: int) -> list[Any]:
    async with service.sessions() as session:
        return list(await depots.historique(session, historique_de(employeur_id)))


async def _monde(service) -> tuple[str, str, dict[str, list[int]]]:
    """The employer's incident in two campaigns, another employer's and an agent's in the first: the keys of these
    two, which the employer's correction must leave open, and the open incidents."""
    pop = service.pop
    premiere, seconde = await _campagne(service, 2026), await _campagne(service, 2027)
    cle = cle_incident_courriel_employeur(pop.employeur.id or 0)
    autre = cle_incident_courriel_employeur(pop.autre_employeur.id or 0)
    agent = cle_incident_courriel(pop.affilie.id or 0)
    for campagne_id in (premiere, seconde):
        await _incident(service, campagne_id, cle, _motif(pop.employeur))
    await _incident(service, premiere, autre, _motif(pop.autre_employeur))
    await _incident(service, premiere, agent, MOTIF_COURRIEL_REFUSE, affilie_id=pop.affilie.id)
    ouverts = await _ouverts(service)
    assert ouverts == {cle: [premiere, seconde], autre: [premiere], agent: [premiere]}
    return autre, agent, ouverts


async def test_le_superviseur_corrige_l_adresse_depuis_l_incident(service):
    pop = service.pop
    employeur_id = pop.employeur.id or 0
    autre, agent, avant = await _monde(service)
    adresse = f"/superviseur/employeurs/{employeur_id}/coordonnees"

    # The incident console leads to the employer's page (not the campaign's agents, which do not show employers).
    nav = await navigateur(service, "superviseur")
    console = unescape((await nav.get("/superviseur/incidents")).text)
    assert f"<a href=\"{adresse}\">Corriger l'adresse électronique de l'employeur</a>" in console
    vus = (await (await service.http("superviseur")).get("/incidents")).json()
    assert [i["page"] for i in vus if i["page"] == adresse] == [adresse, adresse]
    # Who the incident is about: the employer named in the list and in the incident's heading, as an agent is.
    assert [i["employeur"] for i in vus if i["page"] == adresse] == [pop.employeur.raison_sociale] * 2
    assert console.count(f"Employeur : {pop.employeur.raison_sociale}</td>") == 2
    assert f"— employeur {pop.employeur.raison_sociale}</h2>" in console

    page = await nav.get(adresse)
    assert page.status_code == 200
    texte = unescape(page.text)
    assert f"Adresse électronique de l'employeur {pop.employeur.raison_sociale}" in texte
    assert f'value="{pop.employeur.email}"' in texte and 'type="email" id="email" name="email"' in texte
    assert "Campagne 2026" in texte and "Campagne 2027" in texte and MOTIF in texte
    assert 'class="fr-breadcrumb"' in texte and 'href="/superviseur/incidents"' in texte
    assert mots_de_code(page.text) == [], mots_de_code(page.text)

    # A wrong address: the field named on the form, what was typed kept, nothing changed.
    refus = await nav.post(adresse, {"email": "paie.saint-exemple.fr"})
    assert refus.status_code == 422
    texte = texte_lu(refus.text)
    assert "Adresse électronique : une adresse électronique est attendue (nom@domaine.fr)" in texte
    assert 'value="paie.saint-exemple.fr"' in refus.text and 'aria-invalid="true"' in refus.text
    assert mots_de_code(refus.text) == [], mots_de_code(refus.text)
    vide = await nav.post(adresse, {"email": "  "})
    assert vide.status_code == 422 and "Adresse électronique : ce champ est obligatoire" in texte_lu(vide.text)
    assert (await relire(service.sessions, Employeur, employeur_id)).email == pop.employeur.email
    assert await _ouverts(service) == avant and await _historique(service, employeur_id) == []

    # The same mailbox (its case aside): nothing changes, nothing resolved, and the page says so.
    meme = await nav.post(adresse, {"email": pop.employeur.email.upper()})
    assert meme.status_code == 303
    assert meme.headers["location"] == f"{adresse}?message=coordonnees_employeur_inchangees"
    assert "rien n'a changé" in unescape((await nav.get(meme.headers["location"])).text)
    assert (await relire(service.sessions, Employeur, employeur_id)).email == pop.employeur.email
    assert await _ouverts(service) == avant and await _historique(service, employeur_id) == []

    # Another address: stored, the employer's incident resolved in both campaigns, the others left open.
    bonne = await nav.post(adresse, {"email": " paie@saint-exemple.org "})
    assert bonne.status_code == 303
    assert bonne.headers["location"] == f"{adresse}?message=coordonnees_employeur_incidents"
    assert (await relire(service.sessions, Employeur, employeur_id)).email == "paie@saint-exemple.org"
    assert await _ouverts(service) == {autre: avant[autre], agent: avant[agent]}
    confirmation = await nav.get(bonne.headers["location"])
    texte = unescape(confirmation.text)
    assert "L'adresse électronique de l'employeur est enregistrée et ses incidents de courriel sont résolus" in texte
    assert 'value="paie@saint-exemple.org"' in texte and "Aucun courriel refusé ou revenu" in texte
    assert mots_de_code(confirmation.text) == [], mots_de_code(confirmation.text)
    console = unescape((await nav.get("/superviseur/incidents")).text)
    assert adresse not in console and pop.autre_employeur.raison_sociale in console

    # In the employer's history, with who did it; the address itself is not copied there.
    (evenement,) = await _historique(service, employeur_id)
    assert (evenement.type, evenement.acteur, evenement.compte_id is not None) == (
        "coordonnees_employeur_modifiees",
        "superviseur",
        True,
    )
    assert evenement.details == {"email_modifie": True, "incidents_resolus": 2}

    # Corrected again without an open incident: the plain confirmation.
    encore = await nav.post(adresse, {"email": "rh@saint-exemple.org"})
    assert encore.headers["location"] == f"{adresse}?message=coordonnees_employeur"
    assert len(await _historique(service, employeur_id)) == 2


async def test_la_route_json_des_superviseurs(service):
    pop = service.pop
    employeur_id = pop.employeur.id or 0
    autre, agent, avant = await _monde(service)
    chemin = f"/employeurs/{employeur_id}/coordonnees"
    api = await service.http("superviseur")

    lu = await api.get(chemin)
    assert lu.status_code == 200
    corps = lu.json()
    assert (corps["employeur_id"], corps["siret"], corps["email"]) == (
        employeur_id,
        pop.employeur.siret,
        pop.employeur.email,
    )
    assert [i["annee"] for i in corps["incidents"]] == [2026, 2027]

    # Refusals: the field named, in French; nothing changed.
    for envoye, champ, extrait in (
        ({"email": "paie@"}, "email", "Adresse électronique : une adresse électronique est attendue"),
        ({}, "email", "Adresse électronique : ce champ est obligatoire"),
        ({"email": "pa\x00ie@exemple.fr"}, "email", "caractère nul"),
        ({"email": "paie@exemple.fr", "telephone": "0556000000"}, "telephone", "ce champ n'est pas attendu"),
    ):
        refus = await api.put(chemin, json=envoye)
        assert refus.status_code == 422, refus.text
        assert [e["champ"] for e in refus.json()["erreurs"]] == [champ], refus.json()
        assert extrait in refus.json()["detail"], refus.json()
    assert (await relire(service.sessions, Employeur, employeur_id)).email == pop.employeur.email
    assert await _ouverts(service) == avant

    # Unknown employer: 404 in French, whether the number names nothing or is not one.
    inconnu = await api.put("/employeurs/999999/coordonnees", json={"email": "paie@exemple.fr"})
    assert inconnu.status_code == 404 and inconnu.json()["detail"] == "Aucun employeur n° 999999."
    assert (await api.get("/employeurs/999999/coordonnees")).status_code == 404
    assert "aucun enregistrement ne porte le numéro" in (await api.get("/employeurs/douze/coordonnees")).text

    # Only supervisors: the employer itself, another employer, an agent are refused; anonymous must sign in.
    for identifiant in ("rh-commune", "drh", "camille"):
        client = await service.http(identifiant)
        assert (await client.get(chemin)).status_code == 403
        refus = await client.put(chemin, json={"email": "pirate@exemple.fr"})
        assert refus.status_code == 403 and "réservée à un autre profil" in refus.json()["detail"]
    assert (await (await service.http()).put(chemin, json={"email": "pirate@exemple.fr"})).status_code == 401
    for identifiant in ("rh-commune", "camille"):
        page = await (await navigateur(service, identifiant)).get(f"/superviseur/employeurs/{employeur_id}/coordonnees")
        assert page.status_code == 403
    assert (await relire(service.sessions, Employeur, employeur_id)).email == pop.employeur.email
    assert await _ouverts(service) == avant

    # The same address: nothing; another: stored, both campaigns' incidents resolved, no other.
    meme = (await api.put(chemin, json={"email": f" {pop.employeur.email.upper()} "})).json()
    assert (meme["modifiee"], meme["incidents_resolus"], len(meme["incidents"])) == (False, 0, 2)
    assert await _ouverts(service) == avant
    # The same correction sent six times at once (a double click, a retry): one change, one history event.
    reponses = await asyncio.gather(*(api.put(chemin, json={"email": "paie@saint-exemple.org"}) for _ in range(6)))
    assert [r.status_code for r in reponses] == [200] * 6, [r.text for r in reponses]
    (corps,) = [r.json() for r in reponses if r.json()["modifiee"]]
    assert (corps["email"], corps["incidents_resolus"], corps["incidents"]) == ("paie@saint-exemple.org", 2, [])
    assert {r.json()["email"] for r in reponses} == {"paie@saint-exemple.org"}
    assert await _ouverts(service) == {autre: avant[autre], agent: avant[agent]}
    assert len(await _historique(service, employeur_id)) == 1


async def test_un_employeur_inconnu_est_une_page_introuvable(service):
    nav = await navigateur(service, "superviseur")
    page = await nav.get("/superviseur/employeurs/999999/coordonnees")
    assert page.status_code == 404 and "Aucun employeur n° 999999." in unescape(page.text)
    await nav.get(f"/superviseur/employeurs/{service.pop.employeur.id}/coordonnees")
    envoi = await nav.post("/superviseur/employeurs/999999/coordonnees", {"email": "paie@exemple.fr"})
    assert envoi.status_code == 404 and "Aucun employeur n° 999999." in unescape(envoi.text)
