"""What a browser test needs: Debian's headless Chromium, its options, axe-core, a login through the form."""

from __future__ import annotations

from functools import cache
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

# The serious and critical violations axe finds on the page, one line each (rule, impact, help, first nodes).
_VIOLATIONS_GRAVES = """async () => {
    const r = await axe.run(document, {resultTypes: ['violations']});
    return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => `${v.id} (${v.impact}) : ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
}"""


@cache
def _axe() -> str:
    return AXE.read_text()


async def connecter(page: Page, base: str, identifiant: str, code: str = CODE) -> None:
    await page.goto(f"{base}/connexion")
    await page.get_by_label("Identifiant").fill(identifiant)
    await page.get_by_label("Code confidentiel").fill(code)
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_load_state()


async def violations_graves(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as shown. axe is injected through the debugging
    protocol: the page's Content-Security-Policy refuses inline scripts."""
    await page.evaluate(_axe())
    return list(await page.evaluate(_VIOLATIONS_GRAVES))


async def debordement(page: Page) -> str | None:
    """What makes the page wider than its window (a horizontal scroll bar), or None. Names the innermost
    elements that stick out (their ancestors only carry them), so that a failure says where to look."""
    return await page.evaluate("""() => {
        const fenetre = window.innerWidth, largeur = document.documentElement.scrollWidth;
        if (largeur <= fenetre) return null;
        const depasse = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > fenetre + 1; };
        const causes = [...document.body.querySelectorAll('*')]
            .filter(e => depasse(e) && ![...e.children].some(depasse))
            .map(e => [Math.round(e.getBoundingClientRect().right), e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                + (e.classList.length ? '.' + [...e.classList].slice(0, 2).join('.') : '')])
            .sort((a, b) => b[0] - a[0]).slice(0, 4).map(([droite, nom]) => `${nom} (${droite} px)`);
        return `largeur ${largeur} px pour une fenêtre de ${fenetre} px ; dépassent : ${causes.join(', ')}`;
    }""")
