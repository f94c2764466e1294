"""Launching by hand a campaign whose dates have begun (a past year, or this year after July) would do at once every
step already due: the API refuses it without ``"confirmation": true`` (409 saying which steps), the page answers
with the DSFR confirmation dialog beside a dry-run button, the ``cnracl`` command without ``--confirmer``; the dry run
needs no confirmation."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest
from temporalio.service import RPCError

from api.app import create_app
from persistence.comptes import creer_compte, hacher
from persistence.db import transaction
from services.campagnes import etapes_passees
from tests.support.attente import attendre
from tests.support.campagne import population_campagne
from tests.support.environnement import settings_de_test
from tests.support.fabriques import avec_question_secrete
from tests.support.navigateur import Navigateur
from tests.support.processus_externes import commande_cnracl
from tests.support.service import CODE
from worker import creer_worker

# Last year's campaign: its launch (July), cut-off and transmission are past on any day of this year.
ANNEE = datetime.now(UTC).year - 1
# This year's: its dates have begun from 1 July on; before, it waits for them and needs no confirmation.
EN_COURS = datetime.now(UTC).year


@asynccontextmanager
async def _service(env, tmp_path, boite_mail, sessions, url, annee: int) -> AsyncIterator[tuple]:
    """Campaign ``annee``'s population, a supervisor, the API and a worker on the test's engine."""
    settings = settings_de_test(
        tmp_path, url, boite_mail.port, temporal_address=env.client.service_client.config.target_host
    )
    pop = await population_campagne(sessions, annee, avec_eig=False)
    async with transaction(sessions) as session:
        compte = await creer_compte(session, role="superviseur", identifiant="superviseur", code_hash=hacher(CODE))
        session.add(avec_question_secrete(compte))
    app = create_app(settings)
    async with AsyncExitStack() as pile, creer_worker(env.client, settings, sessions):
        await pile.enter_async_context(app.router.lifespan_context(app))
        http = await pile.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60)
        )
        yield env, boite_mail, pop, http, settings
        for simulation in (False, True):
            identifiant = f"campagne-dai-{annee}" + ("-simulation" if simulation else "")
            with contextlib.suppress(RPCError):  # not started, or already finished
                await env.client.get_workflow_handle(identifiant).terminate()


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite):
    async with _service(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite, ANNEE) as service:
        yield service[:4]


@pytest.fixture
async def banc_en_cours(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite):
    async with _service(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite, EN_COURS) as service:
        yield service


async def _api(http: httpx.AsyncClient) -> httpx.AsyncClient:
    jeton = (await http.post("/api/v1/auth/jeton", data={"username": "superviseur", "password": CODE})).json()
    http.headers["Authorization"] = f"Bearer {jeton['access_token']}"
    return http


async def test_l_api_refuse_sans_confirmation_puis_lance_quand_elle_est_donnee(banc):
    _, boite, _, http = banc
    api = await _api(http)

    refus = await api.post(f"/api/v1/campagnes/{ANNEE}")
    assert refus.status_code == 409, refus.text
    detail = refus.json()["detail"]
    assert f"La campagne {ANNEE} a des étapes déjà passées" in detail
    assert (
        f"« Lancement : sélection des agents, tâches et courriels aux employeurs » (le 1er juillet {ANNEE})" in detail
    )
    assert "« Date limite de mise à jour par les employeurs » (le 28 novembre" in detail
    assert '{"confirmation": true}' in detail and "simulation=true" in detail
    assert (await api.get(f"/api/v1/campagnes/{ANNEE}")).status_code == 404  # nothing started
    assert (await api.post(f"/api/v1/campagnes/{ANNEE}", json={"confirmation": False})).status_code == 409

    # The dry run first: no confirmation needed, nothing sent.
    simulation = await api.post(f"/api/v1/campagnes/{ANNEE}", params={"simulation": "true"})
    assert simulation.status_code == 202, simulation.text
    assert simulation.json()["etape"] == "simulee" and boite.messages == []

    lancee = await api.post(f"/api/v1/campagnes/{ANNEE}", json={"confirmation": True})
    assert lancee.status_code == 202, lancee.text
    assert lancee.json()["workflow_id"] == f"campagne-dai-{ANNEE}" and not lancee.json()["simulation"]
    # What the refusal announced happens at once: the employers' mails go out today.
    await attendre(lambda: len(boite.messages) >= 2)
    # Launched, asking again only returns it.
    assert (await api.post(f"/api/v1/campagnes/{ANNEE}")).status_code == 202


async def test_la_page_demande_confirmation_dans_une_modale(banc):
    _, boite, _, http = banc
    nav = Navigateur(http)
    assert (await nav.connecter("superviseur")).status_code == 303
    await nav.get("/superviseur/campagnes")

    reponse = await nav.post("/superviseur/campagnes", {"annee": str(ANNEE)})
    assert reponse.status_code == 409
    assert f"Lancement de la campagne {ANNEE} à confirmer" in reponse.text
    assert f"La campagne {ANNEE} a des étapes déjà passées" in reponse.text
    assert '<dialog id="confirmer-lancement" class="fr-modal"' in reponse.text
    assert '<input type="hidden" name="confirmation" value="oui">' in reponse.text
    assert f"Simuler d'abord la campagne {ANNEE}" in reponse.text
    assert "true}" not in reponse.text and "simulation=true" not in reponse.text  # the API's words stay in the API
    assert boite.messages == []

    confirme = await nav.post("/superviseur/campagnes", {"annee": str(ANNEE), "confirmation": "oui"})
    assert confirme.status_code == 303, confirme.text
    assert confirme.headers["location"] == f"/superviseur/campagnes/{ANNEE}?message=lancee"


async def test_l_annee_en_cours_demande_confirmation_une_fois_juillet_passe(banc_en_cours):
    """This year's campaign by hand: from 1 July on (its launch past) the API and the command ask for confirmation,
    naming the steps past today; before, it is started without (it waits for its dates)."""
    _, _, _, http, settings = banc_en_cours
    api = await _api(http)
    passees = etapes_passees(settings, EN_COURS)
    if not passees:  # January to June: nothing is due yet, the launch waits for 1 July
        assert (await api.post(f"/api/v1/campagnes/{EN_COURS}")).status_code == 202
        return

    refus = await api.post(f"/api/v1/campagnes/{EN_COURS}")
    assert refus.status_code == 409, refus.text
    assert f"La campagne {EN_COURS} a des étapes déjà passées" in refus.json()["detail"]
    assert all(f"« {etape.libelle} »" in refus.json()["detail"] for etape in passees)
    commande = ("campagne", "lancer", "--annee", str(EN_COURS))
    code, _, erreurs = await commande_cnracl(settings, *commande)
    assert code == 2 and f"La campagne {EN_COURS} a des étapes déjà passées" in erreurs
    assert f"cnracl campagne lancer --annee {EN_COURS} --confirmer" in erreurs
    assert (await api.get(f"/api/v1/campagnes/{EN_COURS}")).status_code == 404  # nothing started

    code, sortie, erreurs = await commande_cnracl(settings, *commande, "--confirmer")
    assert code == 0, (sortie, erreurs)
    lancee = await api.get(f"/api/v1/campagnes/{EN_COURS}")
    assert lancee.status_code == 200 and lancee.json()["workflow_id"] == f"campagne-dai-{EN_COURS}"
    # Launched, the API's asking again only returns it.
    assert (await api.post(f"/api/v1/campagnes/{EN_COURS}")).status_code == 202
