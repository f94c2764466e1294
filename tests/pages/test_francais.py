"""Every word a person reads is French: each role, signed in on a service whose processes are in several states
(an EIR closed with its survey, one waiting for its employer, a CIR year with its amounts), follows every link from
its home page; no page shows a code word (``tests/support/lexique.py``). And the words that are not on a page until
something goes wrong: an error names its field by its label, an amount is written and read the French way, a mail
template is listed by its title."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import date
from decimal import Decimal
from html import unescape

import pytest

from domain.cir import cotisations_attendues
from tests.support.environnement import delais_eir_courts, port_libre, settings_de_test
from tests.support.exploration import explorer
from tests.support.lexique import mots_de_code, texte_lu
from tests.support.navigateur import navigateur
from tests.support.parcours_eir import eir_jusqu_au_bilan, repondre_a_l_enquete
from tests.support.service import Service, assembler
from worker import creer_worker

ROLES = ("camille", "lea", "rh-commune", "drh", "superviseur")
# The pages this branch answers for (the employer's tasks, CIR and campaigns; the supervisor's mail templates):
# scanned strictly. The others are scanned by ``test_aucune_page_ne_montre_de_code``.
PAGES_PROPRES = ("/taches", "/cir", "/employeur/campagnes", "/superviseur/gabarits")
# What a page may show that looks like code: the logins of the test accounts, typed by the person.
ADMIS = ("rh-commune",)


async def _cir_avec_montants(service: Service, annee: int = 2022) -> None:
    rh = await service.http("rh-commune")
    debut, fin = date(annee, 1, 1), date(annee, 12, 31)
    attendu = cotisations_attendues(Decimal("33081.10"), debut, fin)
    ligne = {
        "date_debut": debut.isoformat(),
        "date_fin": fin.isoformat(),
        "quotite": 100,
        "indice_majore": 560,
        "traitement_brut": "33081.10",
        "nbi": "0",
        **{cle: str(valeur) for cle, valeur in attendu.items()},
    }
    reponse = await rh.put(f"/affilies/{service.pop.affilie.nir}/cir/{annee}", json=ligne)
    assert reponse.status_code == 200, reponse.text


@pytest.fixture
async def service_en_activite(env_dev, tmp_path, boite_mail, url_sqlite):
    """Camille's EIR closed (bilan, survey answered), Jean's waiting for his employer's check."""
    settings = settings_de_test(
        tmp_path,
        url_sqlite,
        boite_mail.port,
        temporal_address=env_dev.client.service_client.config.target_host,
        **delais_eir_courts(),
    )
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        await pile.enter_async_context(creer_worker(env_dev.client, settings, service.sessions))
        camille, rh = await service.http("camille"), await service.http("rh-commune")
        demande = await eir_jusqu_au_bilan(camille, rh, boite_mail)
        await repondre_a_l_enquete(service, camille, demande, boite_mail)
        assert (await (await service.http("jean")).post("/eir", json={})).status_code == 201
        await _cir_avec_montants(service)
        yield service


async def _pages_de(service: Service, identifiant: str) -> dict[str, tuple[int, str]]:
    nav = await navigateur(service, identifiant, lever=False)
    # the inbox lists open tasks first: the completed ones are a filter away (a form, not a link)
    return await explorer(nav, ("/", "/taches?etat_tache=terminee"))


def _constats(pages: dict[str, tuple[int, str]]) -> list[str]:
    constats = []
    for adresse, (statut, html) in pages.items():
        if statut >= 500:
            constats.append(f"{adresse} : erreur {statut}")
        constats += [f"{adresse} : {mot}" for mot in mots_de_code(html, ADMIS)]
    return constats


async def test_aucune_page_ne_montre_de_code(service_en_activite):
    """Every page of every role; the branch's own pages are also checked on their own below, so that a failure
    there is told apart from one on another team's page."""
    constats, propres, vues = [], [], 0
    for identifiant in ROLES:
        pages = await _pages_de(service_en_activite, identifiant)
        vues += len(pages)
        trouves = [f"{identifiant} {c}" for c in _constats(pages)]
        constats += trouves
        propres += [c for c in trouves if c.split(" ", 2)[1].startswith(PAGES_PROPRES)]
        if identifiant == "rh-commune":  # the crawl reached the employer's pages, with the CIR's amounts
            assert any(a.startswith("/cir/") for a in pages) and any(a.startswith("/taches/") for a in pages)
        if identifiant == "superviseur":
            assert any(a.startswith("/superviseur/gabarits/") for a in pages)
    assert vues > 30
    assert propres == [], "\n".join(propres)
    assert constats == [], "\n".join(constats)
