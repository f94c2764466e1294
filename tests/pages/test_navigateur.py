"""Each role's main path in a real browser (Debian's headless Chromium driven by Playwright) on the running
service: uvicorn on loopback, the Temporal dev server, a worker, the real SMTP server. A screenshot of each
page goes to ``test-artefacts/pages/``; axe-core finds no serious or critical accessibility violation."""

from __future__ import annotations

import asyncio
import re
import time
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from api.app import create_app
from tests.support.chromium import ARGUMENTS, AXE, CHROMIUM, connecter
from tests.support.environnement import RACINE, delais_eir_courts, settings_de_test, settings_sur
from tests.support.serveur import Serveur
from tests.support.service import assembler, service_et_worker

pytestmark = pytest.mark.e2e

ARTEFACTS = RACINE / "test-artefacts" / "pages"


class Visite:
    """Screenshots in order, and an axe check of every page shown."""

    def __init__(self) -> None:
        self.numero = 0
        self.violations: dict[str, list] = {}
        self.refus_csp: list[str] = []  # what the Content-Security-Policy blocked: a page that lost a behaviour
        ARTEFACTS.mkdir(parents=True, exist_ok=True)

    async def ouvrir(self, navigateur) -> Page:
        page = await (await navigateur.new_context(locale="fr-FR")).new_page()

        def noter(message) -> None:
            if "Content Security Policy" in message.text:
                self.refus_csp.append(f"{page.url} : {message.text}")

        page.on("console", noter)
        return page

    async def constater(self, page: Page, nom: str) -> None:
        self.numero += 1
        await page.screenshot(path=str(ARTEFACTS / f"{self.numero:02d}-{nom}.png"), full_page=True)
        await page.evaluate(AXE.read_text())  # through the debugging protocol: the page's policy refuses inline scripts
        graves = await page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => `${v.id} (${v.impact}) : ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
        }""")
        if graves:
            self.violations[nom] = graves


async def attendre_texte(page: Page, adresse: str, texte: str, delai: float = 90) -> None:
    """Reload the page until it shows ``texte`` (the worker moves the process on in the background)."""
    limite = time.monotonic() + delai
    while True:
        await page.goto(adresse)
        if texte in await page.content():
            return
        assert time.monotonic() < limite, f"« {texte} » n'apparaît pas sur {adresse}"
        await asyncio.sleep(0.5)


def _outils_du_navigateur_presents() -> None:
    assert CHROMIUM.exists(), "Chromium manque : `make test` l'installe (paquet Debian chromium)"
    assert AXE.exists(), "axe-core manque : `make test` lance `npm ci`"


async def test_parcours_des_trois_profils(env_dev, tmp_path, boite_mail, url_sqlite):
    _outils_du_navigateur_presents()
    settings = settings_sur(env_dev, tmp_path, url_sqlite, boite_mail.port, **delais_eir_courts())
    visite = Visite()
    async with service_et_worker(env_dev, settings) as service:
        pile = service.pile
        base = await pile.enter_async_context(Serveur(create_app(settings)))
        pw = await pile.enter_async_context(async_playwright())
        navigateur = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS)
        pile.push_async_callback(navigateur.close)

        # --- the agent asks for an EIR ---
        agent = await visite.ouvrir(navigateur)
        await agent.goto(f"{base}/connexion")
        await visite.constater(agent, "connexion")
        await connecter(agent, base, "camille")
        assert agent.url == f"{base}/eir"
        await visite.constater(agent, "agent-accueil")
        await agent.get_by_role("button", name="Demander un entretien information retraite").click()
        await agent.wait_for_load_state()
        assert "Votre demande d'entretien information retraite est enregistrée" in await agent.content()
        adresse_demande = agent.url.split("?")[0]
        await visite.constater(agent, "agent-demande")

        # --- the employer verifies the career ---
        employeur = await visite.ouvrir(navigateur)
        await connecter(employeur, base, "rh-commune")
        # The task's link (the type's name is also in the filter's options, there before any task).
        await attendre_texte(employeur, f"{base}/taches", ">Tâche n° ")
        assert "<td>Vérification de carrière (EIR)</td>" in await employeur.content()
        await visite.constater(employeur, "employeur-corbeille")
        await employeur.get_by_role("link", name="Tâche n°").first.click()
        await employeur.wait_for_load_state()
        assert "Camille Martin" in await employeur.content()
        await visite.constater(employeur, "employeur-tache")
        # The employer takes the task: « Mes tâches » then holds it.
        await employeur.get_by_role("button", name="Je prends en charge").click()
        await employeur.wait_for_load_state()
        await expect(employeur.locator("#titulaire")).to_contain_text("Prise en charge par rh-commune")
        adresse_tache = employeur.url.split("?")[0]
        await employeur.goto(f"{base}/taches?attribution=mes")
        await expect(employeur.get_by_role("link", name="Tâche n°")).to_have_count(1)
        await visite.constater(employeur, "employeur-mes-taches")
        await employeur.goto(adresse_tache)
        await employeur.get_by_role("button", name="Terminer la tâche").click()  # without checking: refused
        assert "vérifiez la carrière de l" in await employeur.content()
        await employeur.locator("label[for=carriere_verifiee]").click()  # the DSFR draws the box on the label
        await employeur.get_by_label("Indice majoré de fin de carrière retenu").fill("612")
        await employeur.get_by_role("button", name="Terminer la tâche").click()
        await employeur.wait_for_load_state()
        assert "La tâche est terminée" in await employeur.content()
        await employeur.goto(f"{base}/cir/{service.pop.affilie.nir}?annee=2003")
        await visite.constater(employeur, "employeur-cir-2003")
        await employeur.get_by_role("link", name="Campagnes").click()
        await employeur.wait_for_load_state()
        assert "Aucune campagne ne concerne vos agents" in await employeur.content()
        await visite.constater(employeur, "employeur-campagnes")

        # --- the agent reads and validates the RIS, reads the bilan, answers the survey ---
        await attendre_texte(agent, adresse_demande, "Relevé de situation à valider")
        await visite.constater(agent, "agent-ris-disponible")
        await agent.get_by_role("link", name="Relevé individuel de situation", exact=True).click()
        await agent.wait_for_load_state()
        assert "Périodes de services, une ligne par année civile" in await agent.content()
        await visite.constater(agent, "agent-ris")
        await agent.goto(adresse_demande)
        await agent.get_by_role("button", name="Je valide mon relevé de situation").click()
        await agent.get_by_role("dialog").get_by_role("button", name="Je valide", exact=True).click()
        await agent.wait_for_load_state()
        assert "Vous avez validé votre relevé de situation" in await agent.content()
        await attendre_texte(agent, adresse_demande, "Lire mon bilan personnalisé")
        await agent.get_by_role("link", name="Lire mon bilan personnalisé").click()
        await agent.wait_for_load_state()
        graphique = agent.get_by_role("img", name="Pension brute mensuelle estimée selon l'âge de départ")
        assert await graphique.count() == 1
        assert "indice majoré de fin de carrière 612" in await agent.content()
        await visite.constater(agent, "agent-bilan")
        async with agent.expect_download() as telechargement:
            await agent.get_by_role("link", name="Télécharger en PDF").click()
        pdf = await (await telechargement.value).path()
        assert (await asyncio.to_thread(Path(pdf).read_bytes)).startswith(b"%PDF-")
        assert (await telechargement.value).suggested_filename.startswith("cnracl-bilan-")
        await agent.get_by_role("link", name="Mes documents").click()
        await agent.wait_for_load_state()
        await expect(agent.get_by_role("link", name="Bilan personnalisé retraite", exact=True)).to_have_count(1)
        await visite.constater(agent, "agent-documents")
        await attendre_texte(agent, adresse_demande, "Répondre à l'enquête de satisfaction")
        await agent.get_by_role("link", name="Répondre à l'enquête de satisfaction").click()
        await agent.wait_for_load_state()
        await visite.constater(agent, "agent-enquete")
        for question in range(1, 6):
            await agent.locator(f"label[for=q{question}-5]").click()
        await agent.get_by_role("button", name="Envoyer mes réponses").click()
        await agent.wait_for_load_state()
        assert "vos réponses à l'enquête sont enregistrées" in await agent.content()
        assert "Enquête de satisfaction répondue" in await agent.content()
        await visite.constater(agent, "agent-demande-close")

        # --- the agent asks for a rectification (a period under another scheme) ---
        await agent.goto(f"{base}/rectifications")
        await visite.constater(agent, "agent-rectifications")
        await agent.get_by_label("Année du document").fill("2025")
        await agent.get_by_label("Début de la période erronée").fill("1990-01-01")
        await agent.get_by_label("Fin de la période erronée").fill("1990-12-31")
        await agent.get_by_label("Ce qui est faux sur cette période").fill("Emploi agricole manquant")
        await agent.get_by_label("Ou : autre régime de la période").select_option("msa")
        await agent.get_by_role("button", name="Envoyer la demande").click()
        await agent.wait_for_load_state()
        assert "Votre demande de rectification est enregistrée" in await agent.content()
        await visite.constater(agent, "agent-rectification")

        # --- the supervisor follows every process ---
        superviseur = await visite.ouvrir(navigateur)
        await connecter(superviseur, base, "superviseur")
        assert superviseur.url == f"{base}/superviseur"  # the supervisor's home: figures of every process
        await visite.constater(superviseur, "superviseur-accueil")
        await superviseur.goto(f"{base}/processus")
        await visite.constater(superviseur, "superviseur-processus")
        await superviseur.get_by_label("Type de processus").select_option("eir")
        # htmx swaps the results in place (and puts the filter in the address).
        await expect(superviseur.locator("#resultats")).not_to_contain_text("RIS/EIG rectificatif")
        await expect(superviseur).to_have_url(f"{base}/processus?type=eir&etat_processus=&en_attente_de=&employeur=")
        await superviseur.get_by_role("link", name="EIR-").first.click()
        await superviseur.wait_for_load_state()
        assert "Relevé validé par l'agent" in await superviseur.content()
        await visite.constater(superviseur, "superviseur-detail")
        await superviseur.goto(f"{base}/superviseur/retards")
        await visite.constater(superviseur, "superviseur-retards")
        await superviseur.get_by_role("link", name="Campagnes").click()
        await superviseur.wait_for_load_state()
        await visite.constater(superviseur, "superviseur-campagnes")
        annee = time.gmtime().tm_year + 1
        await superviseur.get_by_label("Année N de la campagne").fill(str(annee))
        await superviseur.locator("label[for=simulation]").click()
        await superviseur.get_by_role("button", name="Lancer").click()
        await superviseur.wait_for_load_state()
        await expect(superviseur.get_by_role("heading", level=1)).to_have_text(f"Simulation de la campagne {annee}")
        assert (
            await superviseur.get_by_role("img", name="Avancement de la campagne par cohorte et par état").count() == 1
        )
        await visite.constater(superviseur, "superviseur-campagne-simulation")
        await superviseur.goto(f"{base}/superviseur/gabarits")
        await visite.constater(superviseur, "superviseur-gabarits")
        await superviseur.get_by_role("link", name="Bilan personnalisé disponible (à l'agent)").click()
        await superviseur.wait_for_load_state()
        assert "Votre bilan personnalisé retraite est disponible" in await superviseur.content()
        await visite.constater(superviseur, "superviseur-gabarit")

    assert visite.refus_csp == [], "\n".join(visite.refus_csp)
    assert not visite.violations, "violations d'accessibilité graves ou critiques :\n" + "\n".join(
        f"{page} : {v}" for page, liste in visite.violations.items() for v in liste
    )
    assert visite.numero >= 23


async def test_pages_des_codes_perdus(tmp_path, boite_mail, url_sqlite):
    """Seed 002 in the browser, by keyboard where a user would type: each page of the lost-code path
    (screenshots from ``90-``), axe on each; the identifier recovery and the regeneration with its code shown."""
    from sqlmodel import select

    from persistence import comptes as depot_comptes
    from persistence.db import transaction
    from persistence.models import Compte, ReferencesEmployeur
    from tests.support.environnement import texte

    settings = settings_de_test(tmp_path, url_sqlite, boite_mail.port, temporal_address="127.0.0.1:1")
    visite = Visite()
    visite.numero = 89
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        async with transaction(service.sessions) as session:
            session.add(ReferencesEmployeur(employeur_id=service.pop.employeur.id, numero_bcr="01ABC111"))
            compte = (await session.exec(select(Compte).where(Compte.identifiant == "rh-commune"))).one()
            compte.nom, compte.prenom = "Dupont", "Marcel"
            depot_comptes.definir_question_secrete(compte, "nom_naissance_mere", "Durand")
            session.add(compte)
        base = await pile.enter_async_context(Serveur(create_app(settings)))
        pw = await pile.enter_async_context(async_playwright())
        navigateur = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS)
        pile.push_async_callback(navigateur.close)
        page = await visite.ouvrir(navigateur)

        await page.goto(f"{base}/connexion")
        await page.get_by_role("link", name="Identifiant oublié ?").click()
        await page.wait_for_load_state()
        await visite.constater(page, "identifiant-oublie")
        await page.get_by_role("link", name="Je suis employeur").click()
        await page.wait_for_load_state()
        await visite.constater(page, "identifiant-oublie-employeur")
        await page.get_by_label("Numéro SIRET").fill(service.pop.employeur.siret)
        await page.get_by_label("Numéro BCR").fill("01ABC111")
        await page.get_by_label("Votre nom").fill("Dupont")
        await page.get_by_label("Votre prénom").fill("Marcel")
        await page.get_by_label("Votre prénom").press("Enter")
        await expect(page.get_by_role("status")).to_contain_text("Si ces informations correspondent à un compte")
        await visite.constater(page, "identifiant-envoye")
        await page.goto(f"{base}/comptes/identifiant-oublie/agent")
        await visite.constater(page, "identifiant-oublie-agent")

        await page.goto(f"{base}/connexion")
        await page.get_by_role("link", name="Code confidentiel oublié ?").click()
        await page.wait_for_load_state()
        await page.get_by_label("Votre nom").fill("Dupont")
        await page.get_by_label("Votre prénom").fill("Marcel")
        await page.get_by_label("Identifiant").fill("rh-commune")
        await page.get_by_label("Adresse électronique").fill("rh@saint-exemple.fr")
        await page.get_by_label("Question choisie").select_option("nom_naissance_mere")
        await page.get_by_label("Réponse").fill("mauvaise")
        await page.get_by_role("button", name="Générer le code confidentiel").click()
        await page.wait_for_load_state()
        await visite.constater(page, "code-oublie-refus")
        await page.get_by_label("Réponse").fill("durand")
        await page.get_by_role("button", name="Générer le code confidentiel").click()
        await page.wait_for_load_state()
        await expect(page.locator("#code-certification")).to_have_text(re.compile(r"^[A-Z0-9]{10}$"))
        await visite.constater(page, "code-certification")
        certification = await page.locator("#code-certification").inner_text()
        await page.get_by_role("link", name="Terminer").click()
        await page.wait_for_load_state()
        await visite.constater(page, "certification")
        recu = boite_mail.pour("rh@saint-exemple.fr")[-1]
        code = re.search(r"code confidentiel est le suivant :\s+([A-Z0-9]{8})\s", texte(recu)).group(1)
        await page.get_by_label("Nouveau code confidentiel").fill(code)
        await page.get_by_label("Code de certification").fill(certification)
        await page.get_by_label("Code de certification").press("Enter")
        await page.wait_for_url(f"{base}/taches")

        # The administrator of the establishment (seed 000): its accounts page, and a user created.
        await page.goto(f"{base}/employeur/utilisateurs")
        await page.get_by_label("Identifiant").fill("gestion.paie")
        await page.get_by_label("Nom", exact=True).fill("Roux")
        await page.get_by_label("Prénom", exact=True).fill("Inès")
        await page.get_by_label("Adresse électronique professionnelle").fill("paie@saint-exemple.fr")
        await page.get_by_role("button", name="Créer le compte").click()
        await expect(page.get_by_role("status")).to_contain_text("Le compte est créé")
        await visite.constater(page, "employeur-utilisateurs")
    assert len(boite_mail.pour("rh@saint-exemple.fr")) == 2 and len(boite_mail.pour("paie@saint-exemple.fr")) == 1
    assert visite.refus_csp == [], "\n".join(visite.refus_csp)
    assert not visite.violations, "violations d'accessibilité graves ou critiques :\n" + "\n".join(
        f"{page} : {v}" for page, liste in visite.violations.items() for v in liste
    )
