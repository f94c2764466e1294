"""The supervisors' home and search (issue 23, deliver 4): the figures match the data (processes in several
states, one overdue task, one incident), each links to its filtered list, each chart has its table; the search
finds an agent's processes by name (accents and case aside) or by NIR (spaces aside), on the pages and the JSON
route, in the database alone; an employer or an agent is refused these pages."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from playwright.async_api import async_playwright, expect

from api.app import create_app
from domain.campagne import TYPE_TACHE_CAMPAGNE, id_workflow_campagne
from domain.task_queues import id_workflow_eir
from persistence import depots
from persistence.db import transaction
from persistence.models import DossierValidationTable, RectificationTable, Tache
from persistence.models_campagne import CampagneTable, CibleCampagne, EmployeurCampagne
from tests.support.chromium import ARGUMENTS, AXE, CHROMIUM, connecter
from tests.support.fabriques import tache_de_verification
from tests.support.lexique import mots_de_code
from tests.support.navigateur import navigateur
from tests.support.serveur import Serveur
from tests.support.service import service_seul


@pytest.fixture
async def service(tmp_path, url_sqlite):
    async with _monde(tmp_path, url_sqlite) as service:
        yield service


@pytest.fixture
async def service_sur_chaque_base(tmp_path, url_base):
    """The same world on SQLite and on PostgreSQL (the search's SQL on both)."""
    async with _monde(tmp_path, url_base) as service:
        yield service


@asynccontextmanager
async def _monde(tmp_path, url):
    """Camille: two EIRs (one at « RIS à valider », one stopped on a business incident); Léa: one EIR at the
    employer's verification, its task overdue by three days; Jean: one closed EIR."""
    async with service_seul(tmp_path, url) as service:
        pop = service.pop
        maintenant = datetime.now(UTC)
        async with transaction(service.sessions) as session:

            async def eir(affilie, etat: str, **colonnes):
                demande = await depots.creer_demande_eir(
                    session, affilie, date.today(), "en_ligne", maintenant, id_workflow_eir
                )
                demande.etat = etat
                for nom, valeur in colonnes.items():
                    setattr(demande, nom, valeur)
                session.add(demande)
                return demande

            await eir(pop.affilie, "ris_disponible", etape="preparation")
            await eir(
                pop.affilie,
                "incident",
                etape="realisation",
                incident={"type": "metier", "motif": "Une ligne du CIR précède la naissance.", "etape": "calcul"},
            )
            lea = await eir(pop.jeune, "verification_employeur", etape="preparation", en_attente_de="employeur")
            await eir(pop.collegue, "close", etape="cloture")
            await tache_de_verification(
                session,
                lea,
                "tache-en-retard",
                echeance=maintenant - timedelta(days=3),
                creee_le=maintenant - timedelta(days=13),
            )
        service.lea = lea.workflow_id
        yield service


def _lignes(page: str, ident: str) -> dict[str, tuple[str, int]]:
    """The rows of the table ``ident``: {label: (link, number)}."""
    tableau = page.split(f'id="{ident}"', 1)[1].split("</table>", 1)[0]
    lignes = re.findall(r'<th scope="row"><a href="([^"]+)">([^<]+)</a></th><td>(\d+)</td>', tableau)
    return {unescape(texte): (unescape(lien), int(n)) for lien, texte, n in lignes}


async def test_l_accueil_montre_les_chiffres_des_donnees_avec_leurs_liens(service):
    superviseur = await navigateur(service, "superviseur")
    reponse = await superviseur.get("/superviseur")
    assert reponse.status_code == 200
    page = reponse.text
    assert _lignes(page, "valeurs-eir") == {
        "Vérification de la carrière par l'employeur": (
            "/processus?type=eir&etat_processus=verification_employeur",
            1,
        ),
        "Relevé de situation à valider": ("/processus?type=eir&etat_processus=ris_disponible", 1),
        "Entretien terminé": ("/processus?type=eir&etat_processus=close", 1),
        "Arrêtée sur un incident": ("/processus?type=eir&etat_processus=incident", 1),
    }
    assert "Entretien information retraite</a> : 4 processus" in page
    assert _lignes(page, "valeurs-retards") == {
        "Commune de Saint-Exemple": (f"/superviseur/retards#employeur-{service.pop.employeur.id}", 1)
    }
    assert _lignes(page, "valeurs-incidents") == {
        "Métier : donnée à corriger": ("/superviseur/incidents", 1),
        "Technique : composant en panne": ("/superviseur/incidents", 0),
    }
    assert "Aucune campagne en cours" in page
    # Each chart is an image with its title and its figures in words, for those who do not see it.
    assert '<desc id="graphique-eir-desc">' in page and "Relevé de situation à valider : 1" in page
    assert '<title id="graphique-retards-titre">Tâches en retard par employeur</title>' in page
    assert mots_de_code(page) == []

    # A figure's link leads to the list it counts, and the anchor of the overdue page exists.
    filtre = await superviseur.get("/processus?type=eir&etat_processus=ris_disponible")
    assert filtre.text.count('<a href="/processus/eir-') == 1 and "Camille Martin" in filtre.text
    retards = await superviseur.get("/superviseur/retards")
    assert f'id="employeur-{service.pop.employeur.id}"' in retards.text


async def test_la_recherche_par_nom_sans_accents_et_par_nir_avec_espaces(service_sur_chaque_base):
    service = service_sur_chaque_base
    superviseur = await navigateur(service, "superviseur")
    for saisie in ("lea", "PETIT Léa", "  petit  ", "Lea Petit"):
        page = (await superviseur.get("/processus", params={"recherche": saisie})).text
        assert f'<a href="/processus/{service.lea}">' in page, saisie
        assert "Léa Petit" in page and "Camille Martin" not in page and "Jean Bernard" not in page, saisie
        assert mots_de_code(page) == [], saisie
    nir = service.pop.jeune.nir
    espace = f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"
    for saisie in (nir, espace, nir[:7]):
        page = (await superviseur.get("/processus", params={"recherche": saisie})).text
        assert f'<a href="/processus/{service.lea}">' in page and "Camille Martin" not in page, saisie
    # Both of an agent's processes; none for a name nobody bears (said so), nor for a wildcard.
    camille = (await superviseur.get("/processus", params={"recherche": "martin"})).text
    assert camille.count("Camille Martin</td>") == 2
    for saisie in ("Dupont", "%", "_"):
        vide = (await superviseur.get("/processus", params={"recherche": saisie})).text
        assert "Aucun processus pour ces critères : aucun agent dont le nom" in vide, saisie
    # The search combines with the filters, and the home's search form leads there.
    filtre = await superviseur.get("/processus", params={"recherche": "martin", "etat_processus": "incident"})
    assert filtre.text.count("Camille Martin</td>") == 1
    accueil = (await superviseur.get("/superviseur")).text
    assert 'action="/processus" role="search"' in accueil and 'name="recherche"' in accueil

    # The JSON route: the agent's name with each process.
    api = await service.http("superviseur")
    trouves = (await api.get("/processus", params={"recherche": espace})).json()
    assert [(p["workflow_id"], p["agent"]) for p in trouves] == [(service.lea, "Léa Petit")]
    assert len((await api.get("/processus", params={"recherche": "MARTIN"})).json()) == 2
    assert (await api.get("/processus", params={"recherche": "x" * 101})).status_code == 422


@pytest.mark.parametrize("identifiant", ["rh-commune", "camille"])
async def test_un_employeur_ou_un_agent_est_refuse(service, identifiant):
    client = await navigateur(service, identifiant)
    for adresse in ("/superviseur", "/processus?recherche=petit", f"/processus/{service.lea}"):
        assert (await client.get(adresse)).status_code == 403, adresse
    refus = await client.post(f"/processus/{service.lea}/relance", {"motif": ""})
    assert refus.status_code == 403
    api = await service.http(identifiant)
    assert (await api.get("/processus", params={"recherche": "petit"})).status_code == 403
    assert (await api.post(f"/processus/{service.lea}/relance", json={})).status_code == 403


async def test_l_accueil_suit_la_campagne_en_cours(service):
    pop = service.pop
    maintenant = datetime.now(UTC)
    async with transaction(service.sessions) as session:
        terminee = CampagneTable(
            workflow_id=id_workflow_campagne(2025),
            annee=2025,
            annee_envoi=2026,
            etape="terminee",
            creee_le=maintenant,
            modifiee_le=maintenant,
        )
        en_cours = CampagneTable(
            workflow_id=id_workflow_campagne(2026),
            annee=2026,
            annee_envoi=2027,
            etape="mise_a_jour_employeurs",
            creee_le=maintenant,
            modifiee_le=maintenant,
        )
        session.add_all([terminee, en_cours])
        await session.flush()
        for affilie, etat in ((pop.affilie, "selectionne"), (pop.jeune, "selectionne"), (pop.collegue, "anomalie")):
            session.add(
                CibleCampagne(
                    campagne_id=en_cours.id, affilie_id=affilie.id, cohorte="ris", age=50, lot=0, tranche=0, etat=etat
                )
            )
        session.add(EmployeurCampagne(campagne_id=en_cours.id, employeur_id=pop.employeur.id, lot=0, en_retard=True))
        await depots.creer_tache(
            session,
            Tache(
                cle="campagne-2026",
                type=TYPE_TACHE_CAMPAGNE,
                workflow_id=en_cours.workflow_id,
                employeur_id=pop.employeur.id,
                affilie_id=pop.jeune.id,
                echeance=datetime.now(UTC) + timedelta(days=30),
                creee_le=datetime.now(UTC),
            ),
        )
    page = (await (await navigateur(service, "superviseur")).get("/superviseur")).text
    lien = "/superviseur/campagnes/2026"
    assert f'<a href="{lien}">Campagne 2026</a> — étape : <strong>Mise à jour par les employeurs</strong>' in page
    assert _lignes(page, "valeurs-campagne") == {
        "Sélectionné": (lien, 2),
        "Anomalie de calcul": (lien, 1),
        "Tâches de mise à jour ouvertes": (lien, 1),
        "Tâches de mise à jour terminées": (lien, 0),
        "Employeurs en retard": (lien, 1),
    }
    assert "Campagne 2025" not in page
    assert mots_de_code(page) == []


@pytest.mark.e2e
async def test_accueil_recherche_et_detail_dans_chromium(service):
    """In a real browser at 1,280 and 375 px: no console error, no horizontal overflow, no serious or critical
    axe violation; the reminder's confirmation opens as a modal (the DSFR's script, no inline one)."""
    assert CHROMIUM.exists() and AXE.exists(), "Chromium et axe-core : `make test` les installe"
    async with AsyncExitStack() as pile:
        base = await pile.enter_async_context(Serveur(create_app(service.settings)))
        pw = await pile.enter_async_context(async_playwright())
        navigateur = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS)
        pile.push_async_callback(navigateur.close)
        page = await (await navigateur.new_context(locale="fr-FR")).new_page()
        erreurs: list[str] = []
        page.on("console", lambda message: erreurs.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda erreur: erreurs.append(str(erreur)))
        await connecter(page, base, "superviseur")
        constats = []
        for largeur in (1280, 375):
            await page.set_viewport_size({"width": largeur, "height": 900})
            for adresse in (
                "/superviseur",
                "/processus?recherche=lea",
                f"/processus/{service.lea}",
                "/superviseur/incidents",
            ):
                await page.goto(base + adresse)
                debord = await page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                if debord > 0:
                    constats.append(f"{adresse} à {largeur} px : déborde de {debord} px")
                await page.evaluate(AXE.read_text())
                graves = await page.evaluate("""async () => {
                    const r = await axe.run(document, {resultTypes: ['violations']});
                    return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                        .map(v => `${v.id} : ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
                }""")
                constats += [f"{adresse} à {largeur} px : {grave}" for grave in graves]
        await page.set_viewport_size({"width": 1280, "height": 900})
        await page.goto(f"{base}/processus/{service.lea}")
        await page.get_by_role("button", name="Relancer maintenant").click()
        await expect(page.locator("#modale-relance")).to_be_visible()
        await expect(page.get_by_label("Pourquoi relancer (facultatif, gardé dans l'historique)")).to_be_visible()
        assert constats == [] and erreurs == []


async def test_le_detail_d_une_rectification_et_d_un_dossier_de_validation(service):
    """Processes without steps nor survey: their detail reads the same, the engine out of reach said in words."""
    pop, maintenant = service.pop, datetime.now(UTC)
    async with transaction(service.sessions) as session:
        session.add_all(
            [
                RectificationTable(
                    workflow_id="rectification-detail",
                    affilie_id=pop.collegue.id,
                    type_document="ris",
                    annee_document=2026,
                    periode_debut=date(2005, 1, 1),
                    periode_fin=date(2005, 12, 31),
                    motif="Période manquante",
                    routage="employeur_actuel",
                    employeur_actuel_id=pop.autre_employeur.id,
                    etat="correction_employeur",
                    creee_le=maintenant,
                    modifiee_le=maintenant,
                ),
                DossierValidationTable(
                    workflow_id="echeance-validation-detail",
                    affilie_id=pop.jeune.id,
                    motif="titularisation",
                    date_limite=date(2030, 1, 1),
                    regle="règle",
                    etat="ouverte",
                    creee_le=maintenant,
                    modifiee_le=maintenant,
                ),
            ]
        )
    superviseur = await navigateur(service, "superviseur")
    rectification = await superviseur.get("/processus/rectification-detail")
    assert rectification.status_code == 200
    assert "Jean Bernard" in rectification.text and "Centre hospitalier de Lautreville (SIRET" in rectification.text
    assert "Aucune tâche pour ce processus." in rectification.text and 'id="enquete"' not in rectification.text
    validation = await superviseur.get("/processus/echeance-validation-detail")
    assert validation.status_code == 200 and "Léa Petit" in validation.text
    assert "Commune de Saint-Exemple (SIRET" in validation.text  # the agent's employer
    for page in (rectification.text, validation.text):
        assert mots_de_code(page) == []
    assert (await superviseur.get("/processus/inconnu")).status_code == 404
