"""In a real browser, the agent's request page follows the process without being reloaded (htmx polls its state
part under the page's Content-Security-Policy), and withdrawing goes through the DSFR confirmation: cancelled, the
request stays; confirmed, it is withdrawn. No console error on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import async_playwright, expect

from api.app import create_app
from tests.support.chromium import ARGUMENTS, CHROMIUM, connecter
from tests.support.environnement import delais_eir_courts, settings_sur
from tests.support.serveur import Serveur
from tests.support.service import service_et_worker

pytestmark = pytest.mark.e2e


async def test_la_page_se_met_a_jour_seule_et_le_retrait_demande_confirmation(
    env_dev, tmp_path, boite_mail, url_sqlite
):
    # The employer notified 20 seconds after the request: the page, loaded before, must show it by itself.
    delais = delais_eir_courts() | {"eir_delai_notification_employeur": timedelta(seconds=20)}
    settings = settings_sur(env_dev, tmp_path, url_sqlite, boite_mail.port, **delais)
    async with service_et_worker(env_dev, settings) as service:
        pile = service.pile
        base = await pile.enter_async_context(Serveur(create_app(settings)))
        pw = await pile.enter_async_context(async_playwright())
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS)
        pile.push_async_callback(chromium.close)
        page = await (await chromium.new_context(locale="fr-FR")).new_page()
        erreurs: list[str] = []
        page.on("console", lambda message: erreurs.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda erreur: erreurs.append(str(erreur)))

        await connecter(page, base, "camille")
        await page.get_by_role("button", name="Demander un entretien information retraite").click()
        await page.wait_for_load_state()
        await expect(page.locator("#a-faire")).to_contain_text("Contactez votre employeur, Commune de Saint-Exemple")
        adresse = page.url

        # No reload: the polled part shows the employer's turn (20 s of delay + at most 15 s of polling).
        await expect(page.locator("#a-faire")).to_contain_text("vérifie votre carrière", timeout=60_000)
        assert page.url == adresse

        # Withdrawing: the button opens the modal; « Annuler » leaves the request as it was.
        await page.get_by_role("button", name="Retirer ma demande").click()
        modale = page.get_by_role("dialog", name="Retirer votre demande d'entretien ?")
        await expect(modale).to_be_visible()
        await modale.get_by_role("button", name="Annuler").click()
        await expect(modale).to_be_hidden()
        await page.reload()
        await expect(page.locator("#a-faire")).to_contain_text("vérifie votre carrière")
        await page.get_by_role("button", name="Retirer ma demande").click()
        await modale.get_by_role("button", name="Je retire ma demande").click()
        await page.wait_for_load_state()
        await expect(page.get_by_text("Votre demande est retirée.")).to_be_visible()
        await expect(page.locator("#a-faire")).to_contain_text("Rien : cette demande est terminée")
        assert await page.locator("#suivi[hx-get]").count() == 0  # over: no more polling
        assert erreurs == []
