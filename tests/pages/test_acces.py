"""Page access control and forms, server side (no browser): who may open which page, what a refusal says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape

from notifications.exemples import contexte_exemple
from notifications.rendu import Gabarits
from persistence.db import transaction
from tests.support.fabriques import demande_et_tache, inserer_tache
from tests.support.navigateur import navigateur
from tests.support.service import service_seul


@pytest.fixture
async def service(tmp_path, url_sqlite):
    async with service_seul(tmp_path, url_sqlite) as service:
        yield service


async def test_sans_session_la_page_renvoie_a_la_connexion(service):
    anonyme = await navigateur(service)
    reponse = await anonyme.get("/taches")
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/connexion?suite=%2Ftaches"
    # Who is asking is settled before the parameters are read: a malformed one is for a signed-in user to see.
    malforme = await anonyme.get("/documents/douze?vue=pdf")
    assert malforme.status_code == 303
    assert malforme.headers["location"] == "/connexion?suite=%2Fdocuments%2Fdouze%3Fvue%3Dpdf"
    page = await anonyme.get("/connexion")
    assert page.status_code == 200 and '<html lang="fr"' in page.text
    assert 'href="#contenu"' in page.text and '<label class="fr-label" for="identifiant">' in page.text


async def test_connexion_cookie_httponly_et_lax(service):
    nav = await navigateur(service)
    await nav.get("/connexion")
    reponse = await nav.post("/connexion", {"identifiant": "camille", "code": "code-de-test-123"})
    assert reponse.status_code == 303 and reponse.headers["location"] == "/eir"
    cookie = next(c for c in reponse.headers.get_list("set-cookie") if c.startswith("cnracl_session=")).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


async def test_un_formulaire_sans_jeton_csrf_est_refuse(service):
    nav = await navigateur(service, "camille")
    reponse = await nav.client.post("/eir", data={"csrf": "faux"})
    assert reponse.status_code == 403
    assert "Le formulaire a expiré ou ne vient pas de ce site" in reponse.text
    for adresse in ("/rectifications", "/eir/1/enquete", "/eir/1/retrait"):  # without any token either
        refus = await nav.client.post(adresse, data={"motif": "x"})
        assert refus.status_code == 403 and "Le formulaire a expiré" in refus.text, adresse
    # Who is asking is judged before the form: anonymous to the login page, another profile to its refusal.
    anonyme = await navigateur(service)
    renvoi = await anonyme.client.post("/eir", data={"csrf": "faux"})
    assert renvoi.status_code == 303 and renvoi.headers["location"] == "/connexion?suite=%2Feir"
    rh = await navigateur(service, "rh-commune")
    autre_profil = await rh.client.post("/eir", data={"csrf": "faux"})
    assert autre_profil.status_code == 403 and "réservée à un autre profil" in autre_profil.text


async def test_code_errone_puis_verrouillage_apres_cinq_echecs(service):
    nav = await navigateur(service)
    for _ in range(5):
        reponse = await nav.connecter("camille", "mauvais-code")
        assert reponse.status_code == 401
        assert "Identifiant ou code confidentiel incorrect." in reponse.text
    reponse = await nav.connecter("camille")  # the right code, but the account is now locked
    assert reponse.status_code == 423
    assert "Compte verrouillé" in reponse.text


async def test_un_agent_n_ouvre_pas_l_eir_d_un_autre(service):
    demande, _ = await demande_et_tache(service.sessions, service.pop.affilie)
    camille, jean = await navigateur(service, "camille"), await navigateur(service, "jean")
    page = await camille.get(f"/eir/{demande.id}")
    assert page.status_code == 200 and f"EIR-{demande.id}" in page.text
    assert "Vérification de la carrière" not in page.text  # not yet: the employer is not notified
    refus = await jean.get(f"/eir/{demande.id}")
    assert refus.status_code == 404
    assert f"Aucune demande d&#39;EIR n° {demande.id} dans votre espace." in refus.text
    assert "Martin" not in refus.text


async def test_un_employeur_n_ouvre_pas_la_tache_d_un_autre(service):
    _, tache = await demande_et_tache(service.sessions, service.pop.affilie)
    rh, drh = await navigateur(service, "rh-commune"), await navigateur(service, "drh")
    page = await rh.get(f"/taches/{tache.id}")
    assert page.status_code == 200 and "Camille Martin" in page.text and "Vérification de carrière" in page.text
    refus = await drh.get(f"/taches/{tache.id}")
    assert refus.status_code == 404 and "Martin" not in refus.text
    assert f"Aucune tâche n° {tache.id} dans votre corbeille." in refus.text
    assert f"Tâche n° {tache.id}" not in (await drh.get("/taches")).text
    # Nor the CIR of another employer's agent.
    assert (await drh.get(f"/cir/{service.pop.affilie.nir}")).status_code == 404


async def test_un_agent_n_ouvre_pas_les_pages_employeur_ni_superviseur(service):
    camille = await navigateur(service, "camille")
    for adresse in ("/taches", "/cir", "/processus", "/superviseur/gabarits"):
        reponse = await camille.get(adresse)
        assert reponse.status_code == 403, adresse
        assert "réservée à un autre profil" in reponse.text


async def test_corbeille_les_taches_en_retard_d_abord(service):
    _, a_temps = await demande_et_tache(service.sessions, service.pop.affilie)
    async with transaction(service.sessions) as session:
        maintenant = datetime.now(UTC)
        pop = service.pop
        retard = await inserer_tache(
            session,
            "test-retard",
            "consolidation_eir",
            "eir-x-9",
            pop.employeur.id,
            pop.jeune.id,
            echeance=maintenant - timedelta(days=3),
            creee_le=maintenant,
        )
    rh = await navigateur(service, "rh-commune")
    page = (await rh.get("/taches")).text
    assert page.index(f"Tâche n° {retard.id}") < page.index(f"Tâche n° {a_temps.id}")
    assert "En retard" in page
    seulement = (await rh.get("/taches", params={"retard": "oui"})).text
    assert f"Tâche n° {retard.id}" in seulement and f"Tâche n° {a_temps.id}" not in seulement
    superviseur = await navigateur(service, "superviseur")
    retards = (await superviseur.get("/superviseur/retards")).text
    assert "Commune de Saint-Exemple : 1 tâche en retard" in retards


async def test_cir_une_annee_a_la_fois(service):
    rh = await navigateur(service, "rh-commune")
    nir = service.pop.affilie.nir
    page = await rh.get(f"/cir/{nir}", params={"annee": 2003})
    assert page.status_code == 200 and "Année 2003" in page.text
    reponse = await rh.post(
        f"/cir/{nir}/2003",
        {
            "date_debut": "2003-01-01",
            "date_fin": "2003-12-31",
            "quotite": "80",
            "nature": "titulaire",
            "categorie": "sedentaire",
        },
    )
    assert reponse.status_code == 303
    page = await rh.get(reponse.headers["location"])
    assert "La période est enregistrée" in page.text and 'value="80"' in page.text
    # A period across two calendar years is refused with the rule, on the field.
    refus = await rh.post(
        f"/cir/{nir}/2004",
        {
            "date_debut": "2004-06-01",
            "date_fin": "2005-02-01",
            "quotite": "100",
            "nature": "titulaire",
            "categorie": "sedentaire",
        },
    )
    assert refus.status_code == 422
    assert "une ligne du CIR porte sur une seule année civile" in refus.text
    assert "fr-input--error" in refus.text


async def test_chaque_modele_de_mail_a_son_apercu(service):
    superviseur = await navigateur(service, "superviseur")
    liste = await superviseur.get("/superviseur/gabarits")
    assert liste.status_code == 200
    evenements = Gabarits().evenements()
    assert len(evenements) > 20
    for evenement in evenements:
        assert f'href="/superviseur/gabarits/{evenement}"' in liste.text
        page = await superviseur.get(f"/superviseur/gabarits/{evenement}")
        assert page.status_code == 200, evenement
        mail = Gabarits().rendre(evenement, contexte_exemple(evenement))
        assert f'<p id="sujet">{escape(mail.sujet)}</p>' in page.text
        assert escape(mail.texte.splitlines()[0]) in page.text
        assert f'srcdoc="{escape(mail.html)}"' in page.text and 'sandbox=""' in page.text
    assert (await superviseur.get("/superviseur/gabarits/inconnu")).status_code == 404


async def test_rectification_une_erreur_de_saisie_est_dite_sur_son_champ(service):
    camille = await navigateur(service, "camille")
    await camille.get("/rectifications")
    refus = await camille.post(
        "/rectifications",
        {
            "type_document": "ris",
            "annee_document": "2025",
            "periode_debut": "2004-12-31",
            "periode_fin": "2004-01-01",
            "motif": "Temps partiel non repris",
            "siret_employeur": "",
            "regime": "",
        },
    )
    assert refus.status_code == 422
    assert '<p id="periode_fin-erreur" class="fr-error-text">la fin de la période précède son début.</p>' in refus.text
    assert 'value="Temps partiel non repris"' in refus.text  # what was typed is kept


async def test_apres_connexion_retour_a_la_page_demandee_jamais_ailleurs(service):
    nav = await navigateur(service)
    await nav.get("/connexion?suite=%2Frectifications")
    reponse = await nav.post(
        "/connexion", {"identifiant": "camille", "code": "code-de-test-123", "suite": "/rectifications"}
    )
    assert reponse.headers["location"] == "/rectifications"
    autre = await navigateur(service)
    await autre.get("/connexion")
    reponse = await autre.post(
        "/connexion", {"identifiant": "camille", "code": "code-de-test-123", "suite": "//site.example/piege"}
    )
    assert reponse.headers["location"] == "/eir"


async def test_une_erreur_sur_une_page_est_une_page(service):
    """A person who mistypes an address, or sends a page a malformed number, reads a page of the service in
    French (its layout, a way back), not the API's JSON; the API itself keeps answering JSON."""
    nav = await navigateur(service, "superviseur")
    introuvable = await nav.get("/nulle-part", headers={"Accept": "text/html,application/xhtml+xml"})
    assert introuvable.status_code == 404 and introuvable.headers["content-type"].startswith("text/html")
    assert "<h1>Page introuvable</h1>" in introuvable.text and 'href="/"' in introuvable.text
    assert "Cette adresse ne correspond à aucune page du service" in introuvable.text
    assert '<html lang="fr"' in introuvable.text
    malforme = await nav.get("/documents/douze")
    assert malforme.status_code == 404 and malforme.headers["content-type"].startswith("text/html")
    assert "Numéro du document : aucun enregistrement ne porte le numéro « douze »" in malforme.text
    api = await nav.client.get("/api/v1/nulle-part", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json()["detail"] == "Ressource introuvable."
    programme = await nav.client.get("/nulle-part", headers={"Accept": "application/json"})
    assert programme.status_code == 404 and programme.json()["detail"] == "Ressource introuvable."


async def test_les_pages_d_information_s_ouvrent_sans_compte(service):
    """The footer's mandatory pages, open to anyone, each titled by its heading (their frame said once)."""
    anonyme = await navigateur(service)
    for adresse, titre in (
        ("/accessibilite", "Déclaration d'accessibilité"),
        ("/mentions-legales", "Mentions légales"),
        ("/donnees-personnelles", "Données personnelles"),
    ):
        page = await anonyme.get(adresse)
        assert page.status_code == 200 and f"<h1>{titre}</h1>" in page.text, adresse
