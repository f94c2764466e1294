"""The postal address and the channel of the campaign's documents: the agent sets them on his own page (each field in
error named, in French; nothing stored until the form is right), a supervisor for an agent (page and JSON route), and
each change in the chained history with who made it; an address set answers the campaign's « adresse postale
inconnue » incident. Real API and SQLite; the pages through a browser-like client."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlmodel import col, select

from activities.campagne import MOTIF_COURRIEL_REFUSE
from domain.adresse import cle_incident_courriel, cle_incident_sans_adresse
from persistence.db import transaction
from persistence.livraison_campagne import signaler_incident
from persistence.models import Affilie, Evenement
from persistence.models_campagne import CampagneTable
from tests.support.environnement import settings_de_test
from tests.support.fabriques import modifier_affilie
from tests.support.navigateur import navigateur
from tests.support.service import assembler

ADRESSE = {"voie": "3 rue des Écoles", "complement": "Bâtiment B", "code_postal": "33 000", "commune": "Bordeaux"}


@pytest.fixture
async def service(tmp_path, boite_mail, url_sqlite):
    async with AsyncExitStack() as pile:
        yield await assembler(settings_de_test(tmp_path, url_sqlite, boite_mail.port), pile)


async def _affilie(service, affilie_id: int) -> Affilie:
    async with service.sessions() as session:
        affilie = await session.get(Affilie, affilie_id)
    assert affilie is not None
    return affilie


async def test_l_agent_choisit_le_courrier_et_donne_son_adresse(service):
    nav = await navigateur(service, "camille")
    page = await nav.get("/agent/coordonnees")
    assert page.status_code == 200
    assert "Mes coordonnées" in page.text and 'href="/agent/coordonnees" aria-current="page"' in page.text

    # Paper without an address: the address is named, nothing changes.
    reponse = await nav.post("/agent/coordonnees", {"canal": "papier"})
    assert reponse.status_code == 422
    assert "pour recevoir les documents par courrier, indiquez l'adresse postale" in unescape(reponse.text)
    # A wrong postcode and a missing commune: each field named by its label, with what to do.
    reponse = await nav.post(
        "/agent/coordonnees", {"canal": "papier", "voie": "3 rue des Écoles", "code_postal": "3300", "commune": ""}
    )
    assert reponse.status_code == 422
    texte = unescape(reponse.text)
    assert "Code postal : le code postal a 5 chiffres (par exemple 33000)" in texte
    assert "Commune : ce champ est obligatoire" in texte
    assert 'value="3 rue des Écoles"' in texte  # what was typed stays in the form
    reponse = await nav.post(
        "/agent/coordonnees", {"canal": "papier", "voie": "3 rue des Écoles", "code_postal": "33000", "commune": "33"}
    )
    assert reponse.status_code == 422 and "le nom de la commune s'écrit en lettres" in unescape(reponse.text)
    affilie = await _affilie(service, service.pop.affilie.id)
    assert affilie.canal == "email" and affilie.adresse_postale is None

    reponse = await nav.post("/agent/coordonnees", {"canal": "papier", **ADRESSE})
    assert reponse.status_code == 303 and reponse.headers["location"] == "/agent/coordonnees?message=coordonnees"
    affilie = await _affilie(service, service.pop.affilie.id)
    assert affilie.canal == "papier"
    assert affilie.adresse_postale == "3 rue des Écoles\nBâtiment B\n33000 BORDEAUX"
    page = unescape((await nav.get(reponse.headers["location"])).text)
    assert "Les coordonnées sont enregistrées" in page
    assert 'value="33000"' in page and 'value="BORDEAUX"' in page and 'value="papier" checked' in page

    # Back to mail: the address stays.
    reponse = await nav.post("/agent/coordonnees", {"canal": "email"})
    assert reponse.status_code == 303
    affilie = await _affilie(service, service.pop.affilie.id)
    assert affilie.canal == "email" and affilie.adresse_postale == "3 rue des Écoles\nBâtiment B\n33000 BORDEAUX"
    async with service.sessions() as session:
        evenements = (
            await session.exec(select(Evenement).where(Evenement.processus_id == f"coordonnees-{affilie.cle}"))
        ).all()
    assert [(e.type, e.acteur, e.details["canal"]) for e in evenements] == [
        ("coordonnees_modifiees", "affilie", "papier"),
        ("coordonnees_modifiees", "affilie", "email"),
    ]
    assert "Écoles" not in str([e.details for e in evenements])  # the history says what changed, not the address


async def test_le_superviseur_renseigne_les_coordonnees_d_un_agent(service):
    jeune = service.pop.jeune
    api = await service.http("superviseur")
    reponse = await api.put(
        "/coordonnees", params={"nir": jeune.nir}, json={"canal": "papier", "adresse_postale": {"voie": "1 rue X"}}
    )
    assert reponse.status_code == 422
    champs = {e["champ"] for e in reponse.json()["erreurs"]}
    assert champs == {"adresse_postale.code_postal", "adresse_postale.commune"}
    assert "Code postal" in reponse.json()["detail"] and "Commune" in reponse.json()["detail"]
    assert (await api.get("/coordonnees", params={"nir": "123"})).status_code == 422
    assert (await api.get("/coordonnees")).status_code == 422  # a supervisor names the agent

    nav = await navigateur(service, "superviseur")
    adresse = f"/superviseur/agents/{jeune.nir}/coordonnees"
    page = await nav.get(adresse)
    assert page.status_code == 200 and f"Coordonnées de {jeune.prenom} {jeune.nom}" in unescape(page.text)
    reponse = await nav.post(
        adresse, {"canal": "papier", "voie": "12 avenue Thiers", "code_postal": "33100", "commune": "Bordeaux"}
    )
    assert reponse.status_code == 303
    affilie = await _affilie(service, jeune.id)
    assert (affilie.canal, affilie.adresse_postale) == ("papier", "12 avenue Thiers\n33100 BORDEAUX")
    lu = (await api.get("/coordonnees", params={"nir": jeune.nir})).json()
    assert lu["adresse_postale"] == ["12 avenue Thiers", "33100 BORDEAUX"] and lu["canal"] == "papier"

    # An agent reads his own, never another's; an employer neither.
    camille = await service.http("camille")
    assert (await camille.get("/coordonnees", params={"nir": jeune.nir})).json()["nom"] == service.pop.affilie.nom
    assert (await (await service.http("rh-commune")).get("/coordonnees")).status_code == 403
    page = await (await navigateur(service, "camille")).get(adresse)
    assert page.status_code == 403


async def _incident_de_campagne(service, cle: str, motif: str) -> None:
    """An open campaign incident of camille's, as the campaign's production opens it."""
    camille = service.pop.affilie
    async with transaction(service.sessions) as session:
        maintenant = datetime.now(UTC)
        campagne = CampagneTable(
            workflow_id="campagne-dai-2026",
            annee=2026,
            annee_envoi=2027,
            etape="envoi_documents",
            creee_le=maintenant,
            modifiee_le=maintenant,
        )
        session.add(campagne)
        await session.flush()
        await signaler_incident(
            session, campagne.id or 0, cle, "metier", "documents-3", motif, maintenant, affilie_id=camille.id, lot=0
        )


async def _incidents_de_camille(service) -> list:
    camille = service.pop.affilie
    vus = (await (await service.http("superviseur")).get("/incidents")).json()
    return [i for i in vus if i["processus"] == "campagne" and i["agent"] == f"{camille.prenom} {camille.nom}"]


async def test_l_adresse_donnee_resout_l_incident_de_la_campagne(service):
    camille = service.pop.affilie
    await _incident_de_campagne(
        service,
        cle_incident_sans_adresse(camille.id or 0),
        "Le document de l'agent doit partir par courrier mais son adresse postale est inconnue : renseignez-la.",
    )
    assert len(await _incidents_de_camille(service)) == 1
    nav = await navigateur(service, "camille")
    await nav.get("/agent/coordonnees")
    assert (await nav.post("/agent/coordonnees", {"canal": "papier", **ADRESSE})).status_code == 303
    assert await _incidents_de_camille(service) == []


async def test_l_adresse_electronique_corrigee_resout_le_courriel_refuse(service):
    """Her mail refused, camille is on paper; she corrects her email address on her page: a wrong one is refused with
    the field named and closes nothing; another valid one closes « courriel refusé », and she stays on paper (going
    back to mail is her choice, said on the page)."""
    camille = service.pop.affilie
    await modifier_affilie(
        service.sessions, camille.id, canal="papier", adresse_postale="3 rue des Écoles\n33000 BORDEAUX"
    )
    await _incident_de_campagne(service, cle_incident_courriel(camille.id or 0), MOTIF_COURRIEL_REFUSE)
    assert len(await _incidents_de_camille(service)) == 1
    nav = await navigateur(service, "camille")
    page = unescape((await nav.get("/agent/coordonnees")).text)
    assert 'type="email" id="email" name="email"' in page and f'value="{camille.email}"' in page
    assert "la façon de recevoir les documents reste celle choisie ci-dessous" in page

    reponse = await nav.post("/agent/coordonnees", {"canal": "papier", "email": "camille.exemple.fr"})
    assert reponse.status_code == 422
    texte = unescape(reponse.text)
    assert "Adresse électronique : une adresse électronique est attendue (nom@domaine.fr)" in texte
    assert 'value="camille.exemple.fr"' in texte  # what was typed stays in the form
    assert (await _affilie(service, camille.id)).email == camille.email
    assert len(await _incidents_de_camille(service)) == 1

    # The same address again (its case aside) answers nothing.
    assert (
        await nav.post("/agent/coordonnees", {"canal": "papier", "email": camille.email.upper()})
    ).status_code == 303
    assert len(await _incidents_de_camille(service)) == 1

    reponse = await nav.post("/agent/coordonnees", {"canal": "papier", "email": " camille.martin@exemple.org "})
    assert reponse.status_code == 303
    affilie = await _affilie(service, camille.id)
    assert (affilie.email, affilie.canal) == ("camille.martin@exemple.org", "papier")
    assert await _incidents_de_camille(service) == []
    async with service.sessions() as session:
        requete = select(Evenement).where(Evenement.processus_id == f"coordonnees-{affilie.cle}")
        evenements = (await session.exec(requete.order_by(col(Evenement.id)))).all()
    assert [e.details["email_modifie"] for e in evenements] == [False, True]
    assert "exemple.org" not in str([e.details for e in evenements])  # what changed, not the address

    # Mail again is her choice, and now possible: the corrected address is the one mailed.
    assert (await nav.post("/agent/coordonnees", {"canal": "email"})).status_code == 303
    assert (await _affilie(service, camille.id)).canal == "email"


async def test_le_superviseur_corrige_l_adresse_electronique(service):
    """The JSON route: a wrong address named (``email``) in French; a right one stored, the channel as given."""
    jeune = service.pop.jeune
    api = await service.http("superviseur")
    faux = await api.put("/coordonnees", params={"nir": jeune.nir}, json={"canal": "email", "email": "jeune@"})
    assert faux.status_code == 422 and [e["champ"] for e in faux.json()["erreurs"]] == ["email"]
    assert "Adresse électronique : une adresse électronique est attendue" in faux.json()["detail"]
    # An invisible character the address's pattern lets through, which PostgreSQL would refuse to store: named.
    nul = await api.put(
        "/coordonnees", params={"nir": jeune.nir}, json={"canal": "email", "email": "jeu\x00ne@exemple.fr"}
    )
    assert nul.status_code == 422 and [e["champ"] for e in nul.json()["erreurs"]] == ["email"]
    assert "caractère nul (U+0000) en position 4" in nul.json()["detail"]
    bon = await api.put(
        "/coordonnees", params={"nir": jeune.nir}, json={"canal": "email", "email": "jeune@exemple.org"}
    )
    assert bon.status_code == 200 and (bon.json()["email"], bon.json()["canal"]) == ("jeune@exemple.org", "email")
