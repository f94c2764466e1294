"""The agent's request page says what to do now and what comes next with its expected date, at each step; its
state part refreshes itself (htmx polls a fragment route) and stops once the process is over; it counts the three
steps the mails announce; a replaced RIS is marked; the RIS page shows whom it is about and leads back to the
answer it awaits; validating and withdrawing go through a confirmation; the survey's error names its questions.
Real Temporal dev server, worker, SMTP sink and SQLite; the pages through a browser-like client."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from html import unescape

from api.pages.libelles import ETAPES_AGENT, QUESTIONS_ENQUETE
from notifications.rendu import date_fr
from tests.support.attente import attendre
from tests.support.environnement import delais_eir_courts, settings_sur, texte
from tests.support.fabriques import AGENT, EMPLOYEUR
from tests.support.lexique import mots_de_code
from tests.support.navigateur import navigateur
from tests.support.service import service_et_worker

EMPLOYEUR_AGENT = "Commune de Saint-Exemple"
SONDAGE = re.compile(r'<div id="suivi" hx-get="/eir/(\d+)/suivi" hx-trigger="every 15s" hx-swap="outerHTML">')
# The population's agent's NIR as the RIS page shows it: sex, year and month of birth, key.
NIR_MASQUE = re.compile(r"2 68 04 •• ••• ••• \d{2}")


@asynccontextmanager
async def _service(env_dev, tmp_path, boite_mail, url, **delais):
    async with service_et_worker(env_dev, settings_sur(env_dev, tmp_path, url, boite_mail.port, **delais)) as service:
        yield service


async def _etat(api, demande_id: int, etat: str) -> dict:
    """Wait for the request's state (read from the JSON route); its body."""
    vu: dict = {}

    async def atteint():
        vu.update((await api.get(f"/eir/{demande_id}")).json())
        return vu["etat"] == etat

    await attendre(atteint, delai=60)
    return vu


async def _page(nav, adresse: str, statut: int = 200) -> str:
    reponse = await nav.get(adresse)
    assert reponse.status_code == statut, reponse.text
    assert mots_de_code(reponse.text) == [], adresse
    return reponse.text


def _a_faire(html: str) -> str:
    trouve = re.search(r'<p class="fr-callout__text" id="a-faire">(.*?)</p>', html, re.S)
    assert trouve, "la page ne dit pas quoi faire maintenant"
    return unescape(" ".join(re.sub(r"<[^>]+>", "", trouve.group(1)).split()))


def _ensuite(html: str) -> list[str]:
    trouve = re.search(r'<ul class="fr-callout__text" id="ensuite">(.*?)</ul>', html, re.S)
    return [unescape(jalon) for jalon in re.findall(r"<li>(.*?)</li>", trouve.group(1))] if trouve else []


def _jour(moment: str) -> str:
    return date_fr(datetime.fromisoformat(moment))


async def test_juste_apres_la_demande_la_page_dit_de_contacter_l_employeur_et_la_suite_datee(
    env_dev, tmp_path, boite_mail, url_sqlite
):
    async with _service(env_dev, tmp_path, boite_mail, url_sqlite) as service:
        reglages = service.settings
        agent, api = await navigateur(service, "camille"), await service.http("camille")
        await _page(agent, "/eir")
        reponse = await agent.post("/eir")
        assert reponse.status_code == 303
        demande_id = int(reponse.headers["location"].split("/")[2].split("?")[0])
        vu = await _etat(api, demande_id, "attente_notification_employeur")

        assert "<td>vous</td>" in await _page(agent, "/eir")  # the list: the agent's turn, the page says what to do
        page = await _page(agent, f"/eir/{demande_id}")
        assert "Prochaine action : vous" not in page
        assert _a_faire(page).startswith(f"Contactez votre employeur, {EMPLOYEUR_AGENT}, pour préparer votre entretien")
        demandee = date.fromisoformat(vu["date_demande"])
        notification = demandee + reglages.eir_delai_notification_employeur
        assert _ensuite(page) == [
            f"Le {date_fr(notification)}, la CNRACL demandera à votre employeur de vérifier votre carrière.",
            "Votre relevé de situation, dès que votre employeur aura vérifié votre carrière, attendu au plus tard le "
            f"{date_fr(notification + reglages.relance_employeur)} : vous le validerez ou demanderez une correction.",
            "Votre bilan personnalisé, quelques minutes après la validation de votre relevé.",
            f"Un questionnaire de satisfaction vous sera envoyé {reglages.eir_delai_enquete.days} jours après le bilan.",
        ]

        # Three steps, as the acknowledgment mail announces them.
        assert "Étape 2 sur 3" in page and "Étape suivante :</span> Réalisation" in page
        await attendre(lambda: len(boite_mail.pour(AGENT)) == 2)
        accuse = texte(boite_mail.pour(AGENT)[0])
        assert len(ETAPES_AGENT) == 3 and "en trois étapes" in accuse
        for nom, _ in ETAPES_AGENT:
            assert nom.lower() in accuse
        assert f"/eir/{demande_id}" in accuse  # the page that says what to do, with the dates
        assert EMPLOYEUR_AGENT in texte(boite_mail.pour(AGENT)[1])

        # The state part polls its fragment route, which answers the same part alone.
        assert SONDAGE.search(page).group(1) == str(demande_id)
        fragment = await _page(agent, f"/eir/{demande_id}/suivi")
        assert fragment.lstrip().startswith('<div id="suivi"') and "<html" not in fragment
        assert SONDAGE.search(fragment) and _a_faire(fragment) == _a_faire(page)
        # Another agent reads neither the page nor its fragment; a supervisor reads who acts, not « vous ».
        autre = await navigateur(service, "jean")
        assert (await autre.get(f"/eir/{demande_id}/suivi")).status_code == 404
        # Signed out while the page polls: htmx is told to reload the whole page (which leads to the login).
        anonyme = await navigateur(service)
        expire = await anonyme.get(f"/eir/{demande_id}/suivi", headers={"HX-Request": "true"})
        assert expire.headers.get("HX-Refresh") == "true" and "Où en est" not in expire.text
        superviseur = await navigateur(service, "superviseur")
        vue = await _page(superviseur, f"/eir/{demande_id}/suivi")
        assert "Prochaine action : l&#39;agent" in vue and 'id="a-faire"' not in vue

        # Withdrawing: the page's button only opens the confirmation; the form it holds withdraws.
        confirmation = re.search(r'<dialog id="confirmer-retrait".*?</dialog>', page, re.S)
        assert confirmation and f'action="/eir/{demande_id}/retrait"' in confirmation.group(0)
        assert page.count(f'action="/eir/{demande_id}/retrait"') == 1
        assert re.search(
            r'<button type="button" [^>]*aria-controls="confirmer-retrait">Retirer ma demande</button>', page
        )
        assert (await agent.post(f"/eir/{demande_id}/retrait")).status_code == 303
        await _etat(api, demande_id, "retiree")
        fragment = await _page(agent, f"/eir/{demande_id}/suivi")
        assert "hx-get" not in fragment and "hx-trigger" not in fragment
        assert _a_faire(fragment) == "Rien : cette demande est terminée. Vos documents restent disponibles ci-dessous."
        assert _ensuite(fragment) == []


async def test_du_releve_au_bilan_la_page_suit_chaque_etape(env_dev, tmp_path, boite_mail, url_sqlite):
    delais = delais_eir_courts() | {"eir_delai_enquete": timedelta(hours=1)}
    async with _service(env_dev, tmp_path, boite_mail, url_sqlite, **delais) as service:
        agent, api, rh = (
            await navigateur(service, "camille"),
            await service.http("camille"),
            await service.http("rh-commune"),
        )
        demande_id = (await api.post("/eir", json={})).json()["id"]
        vu = await _etat(api, demande_id, "verification_employeur")
        page = await _page(agent, f"/eir/{demande_id}")
        assert (
            _a_faire(page)
            == f"Rien : votre employeur, {EMPLOYEUR_AGENT}, vérifie votre carrière. Vous pouvez le contacter si ce n'est pas encore fait."
        )
        assert f"attendu au plus tard le {_jour(vu['echeance'])}" in _ensuite(page)[0]
        assert SONDAGE.search(page)

        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1)
        tache = next(t for t in (await rh.get("/taches")).json() if t["type"] == "verification_carriere_eir")
        reponse = await rh.post(
            f"/taches/{tache['id']}/completion", json={"carriere_verifiee": True, "indice_fin_de_carriere": 600}
        )
        assert reponse.status_code == 200, reponse.text
        await _etat(api, demande_id, "ris_disponible")
        page = await _page(agent, f"/eir/{demande_id}")
        # A form awaits the agent: the page does not refresh under the typing.
        assert "hx-get" not in page
        assert _a_faire(page) == "Lisez votre relevé de situation, puis validez-le ou demandez une correction."
        assert _ensuite(page)[0] == "Votre bilan personnalisé, quelques minutes après la validation de votre relevé."
        validation = re.search(r'<dialog id="confirmer-validation".*?</dialog>', page, re.S)
        assert validation and f'action="/eir/{demande_id}/ris/validation"' in validation.group(0)
        assert page.count(f'action="/eir/{demande_id}/ris/validation"') == 1
        premier = int(re.search(rf'href="/eir/{demande_id}/documents/(\d+)">Relevé individuel de situation', page)[1])

        # The RIS page: whom it is about, and the way back to the answer it awaits.
        ris = await _page(agent, f"/eir/{demande_id}/documents/{premier}")
        assert "Camille Martin" in ris and EMPLOYEUR_AGENT in ris and NIR_MASQUE.search(ris)
        assert service.pop.affilie.nir not in ris
        assert f'<a class="fr-btn" href="/eir/{demande_id}#reponse-ris">Je valide</a>' in ris
        assert f'href="/eir/{demande_id}#reponse-ris">Je demande une correction</a>' in ris
        assert 'id="reponse-ris"' in page
        assert 'id="action-ris"' in await _page(agent, f"/documents/{premier}")

        # A correction: the employer's turn, then a new RIS replacing the first.
        reponse = await agent.post(
            f"/eir/{demande_id}/ris/consolidation", {"annee": "1995", "commentaire": "Contrat manquant"}
        )
        assert reponse.status_code == 303, reponse.text
        vu = await _etat(api, demande_id, "consolidation_employeur")
        page = await _page(agent, f"/eir/{demande_id}")
        assert _a_faire(page).startswith(f"Rien : votre employeur, {EMPLOYEUR_AGENT}, corrige votre relevé")
        assert f"corrigé, attendu au plus tard le {_jour(vu['echeance'])}" in _ensuite(page)[0]
        ris = await _page(agent, f"/eir/{demande_id}/documents/{premier}")
        assert 'id="action-ris"' not in ris  # the RIS no longer awaits an answer
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 2)
        tache = next(t for t in (await rh.get("/taches")).json() if t["type"] == "consolidation_eir")
        reponse = await rh.post(f"/taches/{tache['id']}/completion", json={"carriere_verifiee": True})
        assert reponse.status_code == 200, reponse.text
        await _etat(api, demande_id, "ris_disponible")

        page = await _page(agent, f"/eir/{demande_id}")
        liens = re.findall(rf'href="/eir/{demande_id}/documents/(\d+)">Relevé individuel de situation</a>', page)
        assert len(liens) == 2 and int(liens[0]) == premier
        second = int(liens[1])
        documents = await api.get("/documents")
        cree_le = {d["id"]: d["cree_le"] for d in documents.json()}
        remplace = f"remplacé le {_jour(cree_le[second])} par"
        version = f'<a href="/eir/{demande_id}/documents/{second}">la version du {_jour(cree_le[second])}</a>'
        assert page.count(remplace) == 1 and version in page
        ancien = await _page(agent, f"/eir/{demande_id}/documents/{premier}")
        assert f"Ce document a été remplacé le {_jour(cree_le[second])} par" in ancien
        assert 'id="action-ris"' not in ancien
        nouveau = await _page(agent, f"/eir/{demande_id}/documents/{second}")
        assert "Ce document a été remplacé" not in nouveau and 'id="action-ris"' in nouveau
        liste = await _page(agent, "/documents")
        assert liste.count("remplacé le") == 1
        assert f'<a href="/documents/{second}">la version du {_jour(cree_le[second])}</a>' in liste
        assert "remplacé" in (await _page(agent, f"/documents/{premier}"))

        # Validated through the confirmation's form: the bilan, then the survey's date.
        assert (await agent.post(f"/eir/{demande_id}/ris/validation")).status_code == 303
        vu = await _etat(api, demande_id, "bilan_disponible")
        page = await _page(agent, f"/eir/{demande_id}")
        assert "Étape 3 sur 3" in page and SONDAGE.search(page)
        assert _a_faire(page).startswith("Lisez votre bilan personnalisé")
        assert _ensuite(page) == [f"Le {_jour(vu['echeance'])}, un questionnaire de satisfaction vous sera envoyé."]


async def test_l_enquete_nomme_ses_questions_et_la_page_cesse_de_se_rafraichir_a_la_cloture(
    env_dev, tmp_path, boite_mail, url_sqlite
):
    async with _service(env_dev, tmp_path, boite_mail, url_sqlite, **delais_eir_courts()) as service:
        agent, api, rh = (
            await navigateur(service, "camille"),
            await service.http("camille"),
            await service.http("rh-commune"),
        )
        demande_id = (await api.post("/eir", json={})).json()["id"]
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1)
        tache = (await rh.get("/taches")).json()[0]
        reponse = await rh.post(
            f"/taches/{tache['id']}/completion", json={"carriere_verifiee": True, "indice_fin_de_carriere": 600}
        )
        assert reponse.status_code == 200, reponse.text
        await _etat(api, demande_id, "ris_disponible")
        assert (await api.post(f"/eir/{demande_id}/ris/validation")).status_code == 200
        vu = await _etat(api, demande_id, "enquete_envoyee")
        page = await _page(agent, f"/eir/{demande_id}")
        assert _a_faire(page) == f"Répondez à l'enquête de satisfaction, avant le {_jour(vu['echeance'])}."
        assert _ensuite(page) == ["Votre entretien sera alors terminé."]
        assert SONDAGE.search(page)

        await _page(agent, f"/eir/{demande_id}/enquete")
        reponse = await agent.post(f"/eir/{demande_id}/enquete", {"q1": "4"})
        assert reponse.status_code == 422
        assert mots_de_code(reponse.text) == []
        assert "question 2" not in reponse.text
        for question in QUESTIONS_ENQUETE[1:]:
            assert f"« {question} »" in unescape(reponse.text)
        assert f"« {QUESTIONS_ENQUETE[0]} »" not in unescape(reponse.text)
        assert reponse.text.count("fr-fieldset--error") == 4
        notes = {f"q{i}": "4" for i in range(1, 6)}
        assert (await agent.post(f"/eir/{demande_id}/enquete", notes)).status_code == 303
        await _etat(api, demande_id, "close")

        page = await _page(agent, f"/eir/{demande_id}")
        assert "hx-get" not in page and "Étape 3 sur 3" in page and "Étape suivante" not in page
        assert _a_faire(page) == "Rien : votre entretien est terminé. Vos documents restent disponibles ci-dessous."
        assert "hx-get" not in await _page(agent, f"/eir/{demande_id}/suivi")
        assert "<td>Réalisation</td>" in await _page(agent, "/eir")  # the list counts the same three steps
        await _page(agent, f"/eir/{demande_id}/bilan")
