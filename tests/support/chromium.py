"""What a browser test needs: Debian's headless Chromium, its options, axe-core, a login through the form."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page

from tests.support.environnement import RACINE
from tests.support.service import CODE

CHROMIUM = Path("/usr/bin/chromium")
ARGUMENTS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = RACINE / "node_modules" / "axe-core" / "axe.min.js"


async def connecter(page: Page, base: str, identifiant: str) -> None:
    await page.goto(f"{base}/connexion")
    await page.get_by_label("Identifiant").fill(identifiant)
    await page.get_by_label("Code confidentiel").fill(CODE)
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_load_state()
