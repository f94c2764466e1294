"""The DSFR shell and the API's documentation in a real browser (Debian's headless Chromium driven by
Playwright), with every request leaving the host refused: /docs and /redoc render from this host's assets under
their Content-Security-Policy; the header names the signed-in person; the footer's mandatory links lead to their
pages; no page overflows sideways at 320, 375 or 1,280 px; no console error; axe finds no serious or critical
violation on the new pages."""

from __future__ import annotations

from contextlib import AsyncExitStack
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from api.app import create_app
from tests.support.chromium import ARGUMENTS, AXE, CHROMIUM, connecter
from tests.support.environnement import settings_de_test
from tests.support.serveur import Serveur
from tests.support.service import assembler

pytestmark = pytest.mark.e2e

LOCAUX = {"127.0.0.1", "localhost"}


class Onglets:
    """Pages opened with the network cut (any request to another host is aborted and noted), their console
    errors and uncaught exceptions noted."""

    def __init__(self, navigateur: Browser) -> None:
        self.navigateur = navigateur
        self.erreurs: list[str] = []
        self.sorties: list[str] = []

    async def ouvrir(self, largeur: int = 1280) -> Page:
        contexte = await self.navigateur.new_context(locale="fr-FR", viewport={"width": largeur, "height": 800})

        async def filtrer(route) -> None:
            if urlsplit(route.request.url).hostname in LOCAUX:
                await route.continue_()
            else:
                self.sorties.append(route.request.url)
                await route.abort()

        await contexte.route("**/*", filtrer)
        page = await contexte.new_page()

        def console(message) -> None:
            if message.type == "error":
                self.erreurs.append(f"{page.url} : {message.text}")

        def exception(erreur) -> None:
            self.erreurs.append(f"{page.url} : {erreur}")

        page.on("console", console)
        page.on("pageerror", exception)
        return page


async def debordement(page: Page) -> int:
    """How many pixels the page is wider than its window (0: no horizontal scrolling)."""
    return await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


async def violations_graves(page: Page) -> list[str]:
    await page.evaluate(AXE.read_text())
    return await page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => `${v.id} (${v.impact}) : ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
    }""")


@pytest.fixture
async def service_servi(tmp_path, url_sqlite):
    assert CHROMIUM.exists(), "Chromium manque : `make test` l'installe (paquet Debian chromium)"
    settings = settings_de_test(tmp_path, url_sqlite, 1)
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        base = await pile.enter_async_context(Serveur(create_app(settings)))
        pw = await pile.enter_async_context(async_playwright())
        navigateur = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS)
        pile.push_async_callback(navigateur.close)
        yield service, base, Onglets(navigateur)


async def test_la_documentation_de_l_api_s_affiche_sans_reseau(service_servi):
    _, base, onglets = service_servi
    page = await onglets.ouvrir()
    reponse = await page.goto(f"{base}/docs")
    assert reponse is not None and "script-src 'self'" in reponse.headers["content-security-policy"]
    await expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    assert await page.locator(".opblock").count() > 20
    await expect(page.get_by_text("/api/v1/eir", exact=False).first).to_be_visible()
    # The operation opens, with its parameters (Swagger UI's own scripts at work).
    await page.locator(".opblock-summary").first.click()
    await expect(page.locator(".opblock-body").first).to_be_visible()

    reponse = await page.goto(f"{base}/redoc")
    assert reponse is not None and "script-src 'self';" in reponse.headers["content-security-policy"]
    await expect(page.locator(".api-content")).to_contain_text("/api/v1/eir", timeout=30_000)
    assert onglets.sorties == []
    # ReDoc's bundle always draws Redocly's logo from its CDN in the menu's credit line (an image it hides when
    # it fails): the policy refuses it, which is the one message its page logs.
    logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert [e for e in onglets.erreurs if logo not in e] == []


PAGES_DU_PIED = {
    "Accessibilité : non conforme": ("/accessibilite", "Déclaration d'accessibilité"),
    "Mentions légales": ("/mentions-legales", "Mentions légales"),
    "Données personnelles": ("/donnees-personnelles", "Données personnelles"),
}


async def sans_debordement(page: Page, debordements: dict[str, int]) -> None:
    if ecart := await debordement(page):
        largeur = page.viewport_size["width"] if page.viewport_size else 0
        debordements[f"{page.url} à {largeur} px"] = ecart


async def test_la_coquille_du_dsfr_sur_mobile_et_sur_ecran_large(service_servi) -> None:
    _, base, onglets = service_servi
    debordements: dict[str, int] = {}
    violations: dict[str, list[str]] = {}

    # Anonymous, on a 320 px phone: the login page, its mobile menu, the footer's pages.
    page = await onglets.ouvrir(320)
    await page.goto(f"{base}/connexion")
    await sans_debordement(page, debordements)
    await page.get_by_role("button", name="Menu").click()
    menu = page.locator("#menu-principal")
    await expect(menu.get_by_role("link", name="Se connecter")).to_be_visible()
    await menu.get_by_role("button", name="Fermer").click()
    for lien, (adresse, titre) in PAGES_DU_PIED.items():
        await page.get_by_role("contentinfo").get_by_role("link", name=lien, exact=True).click()
        await page.wait_for_load_state()
        assert page.url == f"{base}{adresse}"
        await expect(page.get_by_role("heading", level=1)).to_have_text(titre)
        await sans_debordement(page, debordements)
        if graves := await violations_graves(page):
            violations[f"{adresse} à 320 px"] = graves
        if adresse == "/accessibilite":
            await expect(page.get_by_text("« CNRACL — information retraite » est non conforme")).to_be_visible()

    # The agent on a 375 px phone: their name in the mobile menu, never their login; the footer's pages at 1,280 px.
    page = await onglets.ouvrir(375)
    await connecter(page, base, "camille")
    await sans_debordement(page, debordements)
    await page.get_by_role("button", name="Menu").click()
    await expect(page.locator("#menu-principal")).to_contain_text("Camille Martin")
    await expect(page.locator("#menu-principal").get_by_role("link", name="Mes documents")).to_be_visible()
    await page.locator("#menu-principal").get_by_role("button", name="Se déconnecter").click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à votre espace")
    page = await onglets.ouvrir(1280)
    await connecter(page, base, "camille")
    entete = page.get_by_role("banner")
    await expect(entete.locator(".fr-header__tools")).to_contain_text("Camille Martin")
    assert "camille" not in await entete.inner_text()
    for adresse, titre in PAGES_DU_PIED.values():
        await page.goto(f"{base}{adresse}")
        await expect(page.get_by_role("heading", level=1)).to_have_text(titre)
        await expect(entete.locator(".fr-header__tools")).to_contain_text("Camille Martin")
        await sans_debordement(page, debordements)
        if graves := await violations_graves(page):
            violations[f"{adresse} à 1280 px"] = graves

    # The supervisor: a mail template's preview fits the window, at 1,280 px and at 320 px.
    for largeur in (1280, 320):
        page = await onglets.ouvrir(largeur)
        await connecter(page, base, "superviseur")
        await expect(page.get_by_role("banner")).to_contain_text("Superviseur CNRACL")
        await page.goto(f"{base}/superviseur/gabarits")
        await sans_debordement(page, debordements)
        await page.locator("main table a").first.click()
        await page.wait_for_load_state()
        await expect(page.locator("#texte")).to_be_visible()
        await sans_debordement(page, debordements)

    assert debordements == {}
    assert violations == {}
    assert onglets.erreurs == []
    assert onglets.sorties == []


# The pages open to anyone, besides the login and the footer's pages.
ANONYMES = (
    "/comptes/code-oublie",
    "/comptes/identifiant-oublie",
    "/comptes/identifiant-oublie/agent",
    "/comptes/identifiant-oublie/employeur",
    "/comptes/certification",
)


async def test_les_pages_du_menu_de_chaque_profil_tiennent_dans_la_fenetre(service_servi) -> None:
    """Each page open to anyone and each page of each role's menu, on a phone and on a wide screen: no sideways
    scrolling, no console error."""
    _, base, onglets = service_servi
    debordements: dict[str, int] = {}
    page = await onglets.ouvrir(320)
    for adresse in ANONYMES:
        for largeur in (320, 1280):
            await page.set_viewport_size({"width": largeur, "height": 800})
            await page.goto(f"{base}{adresse}")
            await sans_debordement(page, debordements)
    for identifiant in ("camille", "rh-commune", "superviseur"):
        page = await onglets.ouvrir(1280)
        await connecter(page, base, identifiant)
        adresses = await page.locator("#navigation a").evaluate_all("liens => liens.map(l => l.href)")
        assert len(adresses) >= 4
        for largeur in (1280, 320):
            await page.set_viewport_size({"width": largeur, "height": 800})
            for adresse in adresses:
                await page.goto(adresse)
                await sans_debordement(page, debordements)
    assert debordements == {}
    assert onglets.erreurs == []
    assert onglets.sorties == []


async def test_la_page_de_l_adresse_d_un_employeur_tient_dans_la_coquille(service_servi) -> None:
    """The supervisor's page of an employer's email address, in no menu (an incident and the campaign lead to it):
    on a phone and a wide screen, with a wrong address refused on the form and then a right one confirmed, it does
    not scroll sideways, logs no error, and axe finds no serious or critical violation."""
    service, base, onglets = service_servi
    adresse = f"{base}/superviseur/employeurs/{service.pop.employeur.id}/coordonnees"
    debordements: dict[str, int] = {}
    violations: dict[str, list[str]] = {}
    for largeur in (320, 1280):
        page = await onglets.ouvrir(largeur)
        await connecter(page, base, "superviseur")
        await page.goto(adresse)
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Adresse électronique de l'employeur")
        champ = page.get_by_label("Adresse électronique", exact=False)
        for saisie, attendu in (
            ("paie.saint-exemple.fr", "une adresse électronique est attendue"),
            (f"paie{largeur}@saint-exemple.org", "L'adresse électronique de l'employeur est enregistrée"),
        ):
            await champ.fill(saisie)
            await page.get_by_role("button", name="Enregistrer l'adresse").click()
            await page.wait_for_load_state()
            await expect(page.locator("main")).to_contain_text(attendu)
            await sans_debordement(page, debordements)
            if graves := await violations_graves(page):
                violations[f"{saisie} à {largeur} px"] = graves
    assert debordements == {}
    assert violations == {}
    # Chromium logs the refused form's answer (422, the page with the field named) as a failed resource: that one
    # is the expected answer, once at each width.
    refus = "the server responded with a status of 422"
    assert [e for e in onglets.erreurs if refus not in e] == []
    assert len(onglets.erreurs) == 2
    assert onglets.sorties == []
