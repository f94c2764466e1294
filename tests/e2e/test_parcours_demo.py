"""The three journeys walked in Chromium on the demo world, in a 1,280 px and a 375 px window: an agent (home,
request, RIS, documents, bilan and its PDF, survey), an employer's administrator (inbox, a task, an agent's CIR,
administration, the lost-code pages) and the supervisor (home, processes and their details, overdue tasks,
incidents, every mail template's preview, campaigns). On every page: no console error, no horizontal scroll bar
(the narrow walk also measures each page at 320 px), no serious or critical axe violation, no code word
(tests/support/lexique.py). Every finding is collected and the test fails once, at the end, with the list: width,
page, what (also written to test-artefacts/parcours/)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Response, async_playwright, expect
from sqlmodel import col, func, select

from api.app import create_app
from notifications.puits import demarrer_puits
from persistence.db import creer_moteur, fabrique_sessions
from persistence.demo import NOMS, SCENARIOS, identifiant_agent
from persistence.migrations import migrer_async
from persistence.models import Compte, Tache
from services.demo import animer
from services.donnees import charger_la_demo
from tests.support.chromium import ARGUMENTS, AXE, CHROMIUM, connecter, debordement, violations_graves
from tests.support.environnement import RACINE, port_libre, settings_de_test
from tests.support.lexique import mots_de_code
from tests.support.serveur import Serveur
from worker import creer_worker

pytestmark = pytest.mark.e2e

ARTEFACTS = RACINE / "test-artefacts" / "parcours"
LARGEURS = {1280: 900, 375: 812}  # the windows walked, with their heights
ETROITE = 320  # in the narrow walk, each page is also measured at the narrowest width the RGAA asks for


@dataclass(frozen=True)
class Demo:
    base: str
    comptes: dict[str, dict[str, Any]]  # demo.json, by login
    agent_ris: str  # the agents whose EIR waits at the RIS, at the bilan, at the survey
    agent_bilan: str
    agent_enquete: str
    employeur: str  # the administrator of the employer with most open tasks
    superviseur: str
    # Each account's cookies once signed in, for the next width's windows (a login costs a code's hashing).
    sessions: dict[str, Any] = field(default_factory=dict)


def _agent_du_scenario(processus: str) -> str:
    rang = next(r for r, scenario in SCENARIOS.items() if scenario.processus == processus)
    return identifiant_agent(*NOMS[rang][:2])


@pytest.fixture(scope="module")
async def demo(env_dev, tmp_path_factory) -> AsyncIterator[Demo]:
    """The demo world as ``cnracl run`` builds it (data, then the processes through the worker), served by uvicorn
    on loopback; built once for both widths."""
    assert CHROMIUM.exists(), "Chromium manque : `make test` l'installe (paquet Debian chromium)"
    assert AXE.exists(), "axe-core manque : `make test` lance `npm ci`"
    dossier = tmp_path_factory.mktemp("demo")
    url = f"sqlite+aiosqlite:///{dossier / 'cnracl.db'}"
    await migrer_async(url)
    port_smtp = port_libre()
    controleur, _ = demarrer_puits(dossier / "mail", port=port_smtp)
    settings = settings_de_test(
        dossier, url, port_smtp, temporal_address=env_dev.client.service_client.config.target_host
    )
    moteur = creer_moteur(url)
    async with AsyncExitStack() as pile:
        pile.callback(controleur.stop)
        pile.push_async_callback(moteur.dispose)
        assert await charger_la_demo(settings, forcer=False)
        sessions = fabrique_sessions(moteur)
        await pile.enter_async_context(creer_worker(env_dev.client, settings, sessions))
        assert await animer(sessions, settings)
        async with sessions() as session:
            employeur_id = (
                await session.exec(
                    select(Tache.employeur_id)
                    .where(Tache.etat == "ouverte", col(Tache.employeur_id).is_not(None))
                    .group_by(col(Tache.employeur_id))
                    .order_by(func.count().desc())
                )
            ).first()
            admin = (
                await session.exec(select(Compte).where(Compte.employeur_id == employeur_id, Compte.profil == "admin"))
            ).one()
        comptes = json.loads((settings.var_dir / "demo.json").read_text(encoding="utf-8"))
        base = await pile.enter_async_context(Serveur(create_app(settings)))
        yield Demo(
            base=base,
            comptes={c["identifiant"]: c for c in comptes},
            agent_ris=_agent_du_scenario("eir:ris_disponible"),
            agent_bilan=_agent_du_scenario("eir:bilan_disponible"),
            agent_enquete=_agent_du_scenario("eir:enquete_envoyee"),
            employeur=admin.identifiant,
            superviseur=next(c["identifiant"] for c in comptes if c["role"] == "superviseur"),
        )


@pytest.fixture(scope="module")
async def navigateur() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS)
        yield chromium
        await chromium.close()


class Tournee:
    """One window width: the pages seen, and what is wrong on each."""

    def __init__(self, navigateur: Browser, demo: Demo, largeur: int) -> None:
        self.navigateur, self.demo, self.largeur = navigateur, demo, largeur
        self.constats: list[str] = []
        self.vues = 0
        self._console: list[str] = []
        self._statut = 0  # the HTTP status of the last page loaded in a window
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        for mesure in (largeur, ETROITE) if largeur < 992 else (largeur,):
            for ancienne in ARTEFACTS.glob(f"{mesure}-*.png"):  # a previous run's screenshots
                ancienne.unlink()

    async def ouvrir(self, identifiant: str | None = None) -> Page:
        """A new window (its own cookies), signed in as ``identifiant`` when given."""
        contexte = await self.navigateur.new_context(
            locale="fr-FR",
            viewport={"width": self.largeur, "height": LARGEURS[self.largeur]},
            storage_state=self.demo.sessions.get(identifiant or ""),
        )
        page = await contexte.new_page()

        def console(message: ConsoleMessage) -> None:
            # A page's own HTTP status (a form refused with 400) is checked by ``voir``, not taken as an error.
            if message.type == "error" and message.location.get("url") != page.url:
                self._console.append(message.text)

        def reponse(reponse: Response) -> None:
            if reponse.request.is_navigation_request() and reponse.frame == page.main_frame:
                self._statut = reponse.status

        page.on("console", console)
        page.on("pageerror", lambda e: self._console.append(f"exception : {e}"))
        page.on("response", reponse)
        if identifiant is None:
            return page
        if identifiant in self.demo.sessions:
            await page.goto(f"{self.demo.base}/")
        else:
            await connecter(page, self.demo.base, identifiant, self.demo.comptes[identifiant]["code"])
            self.demo.sessions[identifiant] = await contexte.storage_state()
        assert "/connexion" not in page.url, f"{identifiant} n'a pas pu se connecter"
        return page

    async def voir(
        self, page: Page, nom: str, adresse: str | None = None, refus: bool = False, semblable: bool = False
    ) -> None:
        """Go to ``adresse`` (else: the page as it is, after a click) and note everything a user would stumble on:
        an HTTP status other than 200 (a 4xx when the page shows a ``refus``), a horizontal scroll bar (also at
        320 px in the narrow walk), axe's violations, code words in the page and in its frames, errors in the
        console. A page ``semblable`` to one already seen (same template, other text) skips axe and the 320 px
        measurement, the walk's costliest steps."""
        if adresse is not None:
            await page.goto(self.demo.base + adresse)
        await page.wait_for_load_state()
        self.vues += 1
        if not ((400 <= self._statut < 500) if refus else self._statut == 200):
            self.noter(page, nom, f"statut HTTP {self._statut}")
        for largeur in (self.largeur, ETROITE) if self.largeur < 992 and not semblable else (self.largeur,):
            if largeur != self.largeur:
                await page.set_viewport_size({"width": largeur, "height": LARGEURS[self.largeur]})
            if trop_large := await debordement(page):
                self.noter(page, nom, f"défilement horizontal : {trop_large}")
                await page.screenshot(path=str(ARTEFACTS / f"{largeur}-{self.vues:02d}.png"), full_page=True)
            if largeur != self.largeur:
                await page.set_viewport_size({"width": self.largeur, "height": LARGEURS[self.largeur]})
        if not semblable:
            for violation in await violations_graves(page):
                self.noter(page, nom, f"accessibilité : {violation}")
        # One line per code word (a page repeats its title in its breadcrumb and its heading).
        mots: dict[str, str] = {}
        for cadre in page.frames:
            for mot in mots_de_code(await cadre.content()):
                mots.setdefault(mot.split(" dans ")[0], mot)
        for mot in mots.values():
            self.noter(page, nom, f"mot de code : {mot}")
        for erreur in dict.fromkeys(self._console):
            self.noter(page, nom, f"console : {erreur}")
        self._console.clear()

    def noter(self, page: Page, nom: str, quoi: str) -> None:
        chemin = page.url.removeprefix(self.demo.base)
        self.constats.append(f"{self.largeur} px — {nom} ({chemin}) — {quoi}")

    async def liens(self, page: Page, motif: str) -> list[str]:
        """The addresses of the page's links matching the regular expression ``motif``, in order, once each."""
        adresses = await page.eval_on_selector_all("main a[href]", "liens => liens.map(a => a.getAttribute('href'))")
        return list(dict.fromkeys(a for a in adresses if re.fullmatch(motif, a)))


async def _pages_publiques(t: Tournee) -> None:
    page = await t.ouvrir()
    await t.voir(page, "connexion", "/connexion")
    for adresse, nom in (
        ("/accessibilite", "accessibilité"),
        ("/mentions-legales", "mentions légales"),
        ("/donnees-personnelles", "données personnelles"),
    ):
        await page.get_by_role("contentinfo").get_by_role("link", name=re.compile(nom, re.I)).click()
        await t.voir(page, nom)
        assert page.url == t.demo.base + adresse
    await page.context.close()


async def _menu_et_nom(t: Tournee, page: Page, identifiant: str, lien: str) -> None:
    """The header names the person (never the login); below 992 px, « Menu » opens the role's navigation."""
    compte = t.demo.comptes[identifiant]
    nom = f"{compte.get('prenom', '')} {compte.get('nom', '')}".strip()
    entete = page.get_by_role("banner")
    if t.largeur >= 992:
        await expect(entete).to_contain_text(nom)
        await expect(entete.get_by_role("link", name=lien, exact=True)).to_be_visible()
        return
    await entete.get_by_role("button", name="Menu").click()
    menu = page.locator("#menu-principal")
    await expect(menu.get_by_role("link", name=lien, exact=True)).to_be_visible()
    await expect(menu).to_contain_text(nom)
    await expect(menu.get_by_role("button", name="Se déconnecter")).to_be_visible()
    await menu.get_by_role("button", name="Fermer").click()
    await expect(menu.get_by_role("link", name=lien, exact=True)).to_be_hidden()


async def _demande_de(t: Tournee, page: Page) -> str:
    demandes = await t.liens(page, r"/eir/\d+")
    assert demandes, f"aucune demande sur l'accueil de l'agent ({page.url})"
    return demandes[0]


async def _parcours_agent(t: Tournee) -> None:
    d = t.demo
    # At the RIS: home → request → RIS.
    page = await t.ouvrir(d.agent_ris)
    await t.voir(page, "agent, accueil")
    await _menu_et_nom(t, page, d.agent_ris, "Mes documents")
    demande = await _demande_de(t, page)
    await t.voir(page, "agent, demande au relevé", demande)
    documents = await t.liens(page, rf"{demande}/documents/\d+")
    assert documents, "la demande au relevé ne montre pas son relevé"
    await t.voir(page, "agent, relevé de situation", documents[-1])
    await page.context.close()

    # At the bilan: request → documents → bilan → its PDF.
    page = await t.ouvrir(d.agent_bilan)
    demande = await _demande_de(t, page)
    await t.voir(page, "agent, demande au bilan", demande)
    await t.voir(page, "agent, mes documents", "/documents")
    for adresse in (await t.liens(page, r"/documents/\d+"))[:2]:
        await t.voir(page, "agent, un document", adresse)
    await t.voir(page, "agent, bilan", f"{demande}/bilan")
    pdf = await t.liens(page, r"/documents/\d+/pdf")
    assert pdf, "le bilan n'a pas de lien vers son PDF"
    reponse = await page.request.get(d.base + pdf[0])
    assert reponse.ok and (await reponse.body()).startswith(b"%PDF-"), f"{pdf[0]} : {reponse.status}"
    await page.context.close()

    # At the survey: request → survey.
    page = await t.ouvrir(d.agent_enquete)
    demande = await _demande_de(t, page)
    await t.voir(page, "agent, demande à l'enquête", demande)
    await t.voir(page, "agent, enquête", f"{demande}/enquete")
    await t.voir(page, "agent, rectifications", "/rectifications")
    await page.context.close()


async def _parcours_employeur(t: Tournee) -> None:
    d = t.demo
    page = await t.ouvrir(d.employeur)
    await t.voir(page, "employeur, corbeille", "/taches")
    await _menu_et_nom(t, page, d.employeur, "Corbeille des tâches")
    taches = await t.liens(page, r"/taches/\d+")
    assert taches, "la corbeille de l'administrateur de démonstration est vide"
    await t.voir(page, "employeur, une tâche", taches[0])
    cir = await t.liens(page, r"/cir/\d+")
    assert cir, "la tâche ne mène pas au compte individuel retraite de l'agent"
    await t.voir(page, "employeur, CIR de l'agent", cir[0])
    await t.voir(page, "employeur, recherche de CIR", "/cir")
    await t.voir(page, "employeur, campagnes", "/employeur/campagnes")
    await t.voir(page, "employeur, utilisateurs", "/employeur/utilisateurs")
    await t.voir(page, "employeur, question secrète", "/comptes/question-secrete")
    await page.context.close()

    # The lost-code pages, signed out.
    page = await t.ouvrir()
    compte = d.comptes[d.employeur]
    await t.voir(page, "identifiant oublié", "/comptes/identifiant-oublie")
    await t.voir(page, "identifiant oublié, employeur", "/comptes/identifiant-oublie/employeur")
    await t.voir(page, "identifiant oublié, agent", "/comptes/identifiant-oublie/agent")
    await t.voir(page, "code oublié", "/comptes/code-oublie")
    await page.get_by_label("Votre nom").fill(compte["nom"])
    await page.get_by_label("Votre prénom").fill(compte["prenom"])
    await page.get_by_label("Identifiant").fill(d.employeur)
    await page.get_by_label("Adresse électronique").fill(compte["email"])
    await page.get_by_label("Question choisie").select_option(label=compte["question_secrete"])
    await page.get_by_label("Réponse").fill("pas la bonne réponse")
    await page.get_by_role("button", name="Générer le code confidentiel").click()
    await t.voir(page, "code oublié, réponse refusée", refus=True)
    await expect(page.get_by_role("alert")).to_be_visible()
    await t.voir(page, "certification", "/comptes/certification")
    await page.context.close()


async def _parcours_superviseur(t: Tournee) -> None:
    d = t.demo
    page = await t.ouvrir(d.superviseur)
    await t.voir(page, "superviseur, accueil", "/superviseur")
    await _menu_et_nom(t, page, d.superviseur, "Processus")
    await t.voir(page, "superviseur, processus", "/processus")
    processus = await t.liens(page, r"/processus/[^?#]+")
    assert processus, "la liste des processus de la démonstration est vide"
    # One detail of each kind checked in full (the identifiers' prefixes: EIR, rectification, validation). In the
    # wide walk, every other detail too, and each EIR as its agent sees it: the demo has one in each state, and
    # each state has its own words; their text does not change with the width.
    genres: set[str] = set()
    demandes: list[str] = []
    for adresse in processus:
        genre = adresse.removeprefix("/processus/").split("-")[0]
        if genre in genres and t.largeur < 992:
            continue
        await t.voir(page, "superviseur, détail d'un processus", adresse, semblable=genre in genres)
        genres.add(genre)
        demandes += await t.liens(page, r"/eir/\d+")
    if t.largeur >= 992:
        for adresse in dict.fromkeys(demandes):
            await t.voir(page, "superviseur, une demande comme l'agent la voit", adresse, semblable=True)
    await t.voir(page, "superviseur, tâches en retard", "/superviseur/retards")
    await t.voir(page, "superviseur, incidents", "/superviseur/incidents")
    await t.voir(page, "superviseur, corbeille", "/taches")
    await t.voir(page, "superviseur, modèles de courriels", "/superviseur/gabarits")
    gabarits = await t.liens(page, r"/superviseur/gabarits/[^/?#]+")
    assert gabarits, "aucun modèle de courriel listé"
    # Every preview is scanned; three are checked in full: the previews share one template (only their text
    # differs) and the mail's HTML sits in a sandboxed frame axe does not enter.
    for rang, adresse in enumerate(gabarits):
        await t.voir(page, "superviseur, aperçu d'un modèle", adresse, semblable=rang >= 3)
    await t.voir(page, "superviseur, campagnes", "/superviseur/campagnes")
    campagnes = await t.liens(page, r"/superviseur/campagnes/\d+.*")
    if not campagnes:
        t.noter(page, "superviseur, campagnes", "la démonstration n'a aucune campagne à ouvrir")
    for adresse in campagnes:
        await t.voir(page, "superviseur, une campagne", adresse)
    await page.context.close()


@pytest.mark.parametrize("largeur", list(LARGEURS))
async def test_les_trois_parcours_sur_la_demo(demo, navigateur, largeur):
    t = Tournee(navigateur, demo, largeur)
    await _pages_publiques(t)
    await _parcours_agent(t)
    await _parcours_employeur(t)
    await _parcours_superviseur(t)
    assert t.vues >= 30
    rapport = f"{len(t.constats)} constats sur {t.vues} pages :\n" + "\n".join(t.constats)
    (ARTEFACTS / f"constats-{largeur}.txt").write_text(rapport, encoding="utf-8")
    assert not t.constats, rapport
