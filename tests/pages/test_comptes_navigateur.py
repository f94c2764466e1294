"""The accounts' administration in a real browser (Debian's headless Chromium): a new user's first login held on
the secret question; the administrator's « Générer un nouveau code » and « Désactiver » open their DSFR modal,
« Annuler » does nothing, « Confirmer » acts; axe-core finds no serious or critical violation on these pages."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack

import pytest
from playwright.async_api import Page, async_playwright, expect

from api.app import create_app
from tests.support.chromium import ARGUMENTS, AXE, CHROMIUM, connecter
from tests.support.environnement import RACINE, settings_de_test, texte
from tests.support.serveur import Serveur
from tests.support.service import assembler

pytestmark = pytest.mark.e2e

PAIE = "paie@saint-exemple.fr"
ARTEFACTS = RACINE / "test-artefacts" / "pages"


async def _violations_graves(page: Page, nom: str) -> list[str]:
    """Axe's serious and critical violations of the page, after its screenshot (``test-artefacts/pages/``)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTEFACTS / f"comptes-{nom}.png"), full_page=True)
    await page.evaluate(AXE.read_text())  # through the debugging protocol: the page's policy refuses inline scripts
    return await page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => `${v.id} (${v.impact}) : ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
    }""")


async def test_premiere_connexion_puis_nouveau_code_et_desactivation(tmp_path, boite_mail, url_sqlite):
    assert CHROMIUM.exists() and AXE.exists(), "Chromium et axe-core sont installés par `make test`"
    settings = settings_de_test(tmp_path, url_sqlite, boite_mail.port, temporal_address="127.0.0.1:1")
    async with AsyncExitStack() as pile:
        await assembler(settings, pile)
        base = await pile.enter_async_context(Serveur(create_app(settings)))
        pw = await pile.enter_async_context(async_playwright())
        navigateur = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS)
        pile.push_async_callback(navigateur.close)
        refus_csp: list[str] = []
        violations: dict[str, list[str]] = {}

        async def ouvrir() -> Page:
            page = await (await navigateur.new_context(locale="fr-FR")).new_page()
            page.on("console", lambda m: refus_csp.append(m.text) if "Content Security Policy" in m.text else None)
            return page

        # The administrator creates an account; its code is mailed.
        admin = await ouvrir()
        await connecter(admin, base, "rh-commune")
        await admin.goto(f"{base}/employeur/utilisateurs")
        await admin.get_by_label("Identifiant").fill("gestion.paie")
        await admin.get_by_label("Nom", exact=True).fill("Roux")
        await admin.get_by_label("Prénom", exact=True).fill("Inès")
        await admin.get_by_label("Adresse électronique professionnelle").fill(PAIE)
        await admin.get_by_role("button", name="Créer le compte").click()
        await expect(admin.get_by_role("status")).to_contain_text("Le compte est créé")
        code = re.search(r"code confidentiel initial :\s+([A-Z0-9]{8})\s", texte(boite_mail.pour(PAIE)[0])).group(1)

        # Its first login: the secret question first, whatever page is asked for.
        utilisateur = await ouvrir()
        await utilisateur.goto(f"{base}/connexion")
        await utilisateur.get_by_label("Identifiant").fill("gestion.paie")
        await utilisateur.get_by_label("Code confidentiel").fill(code)
        await utilisateur.get_by_role("button", name="Se connecter").click()
        await expect(utilisateur.get_by_role("heading", level=1)).to_have_text("Choisissez votre question secrète")
        await utilisateur.goto(f"{base}/cir")
        await expect(utilisateur.get_by_role("heading", level=1)).to_have_text("Choisissez votre question secrète")
        violations["question-secrete"] = await _violations_graves(utilisateur, "question-secrete")
        await utilisateur.get_by_label("Question").select_option(label="Quel était le nom de votre école primaire ?")
        await utilisateur.get_by_label("Réponse").fill("Jules Ferry")
        await utilisateur.get_by_label("Votre code confidentiel actuel").fill(code)
        await utilisateur.get_by_role("button", name="Enregistrer et continuer").click()
        await utilisateur.wait_for_url(f"{base}/cir")

        # « Générer un nouveau code »: the modal opens; « Annuler » closes it and nothing is sent.
        await admin.goto(f"{base}/employeur/utilisateurs")
        await admin.get_by_role("button", name="Générer un nouveau code : gestion.paie").click()
        modale = admin.get_by_role("dialog", name="Générer un nouveau code pour gestion.paie ?")
        await expect(modale).to_be_visible()
        await expect(modale).to_contain_text(f"Le nouveau code sera envoyé par courriel à {PAIE}")
        violations["modale-nouveau-code"] = await _violations_graves(admin, "modale-nouveau-code")
        await modale.get_by_role("button", name="Annuler").click()
        await expect(modale).to_be_hidden()
        assert len(boite_mail.pour(PAIE)) == 1
        await admin.get_by_role("button", name="Générer un nouveau code : gestion.paie").click()
        await modale.get_by_role("button", name="Générer le nouveau code").click()
        await expect(admin.get_by_role("heading", level=1)).to_have_text("Nouveau code confidentiel généré")
        assert re.fullmatch(r"[A-Z0-9]{10}", await admin.locator("#code-certification").inner_text())
        violations["code-genere"] = await _violations_graves(admin, "code-genere")
        assert len(boite_mail.pour(PAIE)) == 2
        await utilisateur.reload()
        await expect(utilisateur).to_have_url(re.compile(r"/connexion\?suite="))  # its session closed

        # « Désactiver »: through its modal too.
        await admin.get_by_role("link", name="Revenir aux comptes de l'établissement").click()
        await admin.get_by_role("button", name="Désactiver : gestion.paie").click()
        modale = admin.get_by_role("dialog", name="Désactiver le compte gestion.paie ?")
        await expect(modale).to_contain_text("Inès Roux ne pourra plus se connecter")
        await modale.get_by_role("button", name="Désactiver le compte").click()
        await expect(admin.get_by_role("status")).to_be_visible()
        await expect(admin.get_by_role("row", name=re.compile("gestion.paie"))).to_contain_text("Désactivé")

    assert refus_csp == [], "\n".join(refus_csp)
    assert not any(violations.values()), violations
