"""A token and a page session stop working right after logout, code regeneration, deactivation and lockout (issue
22, deliverable 6) — at the very next request, although the API keeps the account behind a token a few seconds
(``CNRACL_DUREE_CACHE_COMPTES``): each of these events changes the account's session version in this process's
flush. And a lockout answers an unknown identifier exactly as an existing one."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from contextlib import AsyncExitStack

import httpx
import pytest
from sqlmodel import select

from persistence import comptes as depot_comptes
from persistence.comptes import creer_compte, hacher
from persistence.db import transaction
from persistence.models import Compte
from tests.support.environnement import settings_de_test
from tests.support.navigateur import Navigateur, navigateur
from tests.support.service import CODE, Service, assembler

REPONSE_SECRETE = "Durand"


@pytest.fixture
async def service(tmp_path, url_base, boite_mail):
    settings = settings_de_test(tmp_path, url_base, boite_mail.port, duree_cache_comptes=60, limite_comptes="1000/hour")
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        async with transaction(service.sessions) as session:
            await creer_compte(  # a user of the commune, whom its administrator may deactivate
                session,
                role="employeur",
                identifiant="paie",
                code_hash=hacher(CODE),
                siret=service.pop.employeur.siret,
                nom="Roux",
                prenom="Inès",
                email="paie@saint-exemple.fr",
            )
            paie = (await session.exec(select(Compte).where(Compte.identifiant == "paie"))).one()
            depot_comptes.definir_question_secrete(paie, "nom_naissance_mere", REPONSE_SECRETE)
            session.add(paie)
        yield service


async def _ouvertes(service: Service, identifiant: str) -> tuple[httpx.AsyncClient, Navigateur]:
    """A token and a page session of this account, each used once (so the API keeps the account)."""
    api, page = await service.http(identifiant), await navigateur(service, identifiant)
    assert (await api.get("/taches")).status_code == 200
    assert (await page.get("/taches")).status_code == 200
    return api, page


async def _fermees(service: Service, api: httpx.AsyncClient, page: Navigateur) -> None:
    """Neither opens anything any more — the cookie not even replayed by another browser."""
    refus = await api.get("/taches")
    assert refus.status_code == 401 and "Reconnectez-vous" in refus.json()["detail"]
    cookie = page.client.cookies.get("cnracl_session")
    if cookie:
        autre = await navigateur(service)
        autre.client.cookies.set("cnracl_session", cookie)
        renvoi = await autre.get("/taches")
        assert renvoi.status_code == 303 and renvoi.headers["location"].startswith("/connexion")
    renvoi = await page.get("/taches")
    assert renvoi.status_code == 303 and renvoi.headers["location"].startswith("/connexion")


async def test_deconnexion_par_l_api(service):
    api, page = await _ouvertes(service, "paie")
    assert (await api.post("/auth/deconnexion")).status_code == 204
    await _fermees(service, api, page)
    nouvelle = await service.http("paie")  # a new login opens a new session
    assert (await nouvelle.get("/taches")).status_code == 200


async def test_deconnexion_par_la_page(service):
    api, page = await _ouvertes(service, "paie")
    cookie = page.client.cookies.get("cnracl_session")
    await page.get("/taches")  # the form's CSRF field
    sortie = await page.post("/deconnexion")
    assert sortie.status_code == 303 and sortie.headers["location"] == "/connexion"
    page.client.cookies.set("cnracl_session", cookie)  # as a copy of the cookie kept elsewhere
    await _fermees(service, api, page)


async def test_deconnexion_ferme_aussi_les_metriques(service):
    """A supervisor's token opens ``/metrics`` until its logout."""
    superviseur = await service.http("superviseur")
    metriques = httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app), base_url="http://test")
    await service.pile.enter_async_context(metriques)
    metriques.headers["Authorization"] = superviseur.headers["Authorization"]
    assert (await metriques.get("/metrics")).status_code == 200
    assert (await superviseur.post("/auth/deconnexion")).status_code == 204
    assert (await metriques.get("/metrics")).status_code == 401


async def test_regeneration_du_code(service):
    api, page = await _ouvertes(service, "paie")
    anonyme = await service.http()
    regeneration = await anonyme.post(
        "/auth/code-confidentiel",
        json={
            "nom": "Roux",
            "prenom": "Inès",
            "identifiant": "paie",
            "email": "paie@saint-exemple.fr",
            "question": "nom_naissance_mere",
            "reponse": REPONSE_SECRETE,
        },
    )
    assert regeneration.status_code == 201, regeneration.text
    await _fermees(service, api, page)


async def test_desactivation_meme_reactive(service):
    api, page = await _ouvertes(service, "paie")
    admin = await service.http("rh-commune")
    async with service.sessions() as session:
        paie_id = (await session.exec(select(Compte.id).where(Compte.identifiant == "paie"))).one()
    assert (await admin.patch(f"/employeur/utilisateurs/{paie_id}", json={"actif": False})).status_code == 200
    await _fermees(service, api, page)
    # Reactivated, the account signs in again; the sessions closed by the deactivation stay closed.
    assert (await admin.patch(f"/employeur/utilisateurs/{paie_id}", json={"actif": True})).status_code == 200
    await _fermees(service, api, page)
    assert (await (await service.http("paie")).get("/taches")).status_code == 200


async def test_verrouillage(service):
    api, page = await _ouvertes(service, "paie")
    autre = await navigateur(service)
    for _ in range(5):
        assert (await autre.connecter("paie", "mauvais-code")).status_code == 401
    await _fermees(service, api, page)
    assert (await autre.connecter("paie")).status_code == 423  # the right code, but locked


def _reponse(reponse: httpx.Response) -> tuple[int, str, dict[str, str]]:
    return reponse.status_code, reponse.text, dict(reponse.headers)


async def test_un_identifiant_inconnu_est_verrouille_comme_un_compte(service):
    """Wrong codes for an account and for an unknown identifier: the same answers, 401 then the same 423 after
    five, status, body and headers alike — through the API and the login page."""
    anonyme = await service.http()

    async def essai(identifiant: str, code: str = "mauvais-code") -> httpx.Response:
        return await anonyme.post("/auth/jeton", data={"username": identifiant, "password": code})

    for numero in range(1, 6):
        existant, inconnu = await essai("paie"), await essai("personne")
        assert existant.status_code == 401, numero
        assert _reponse(existant) == _reponse(inconnu), numero
    existant, inconnu = await essai("paie", CODE), await essai("personne", CODE)
    assert existant.status_code == 423 and "Compte verrouillé" in existant.json()["detail"]
    assert _reponse(existant) == _reponse(inconnu)

    # The login page: same status and same sentence (the page echoes the identifier typed, nothing else differs).
    for identifiant in ("drh", "inconnu.de.tous"):
        nav = await navigateur(service)
        pages = [await nav.connecter(identifiant, "mauvais-code") for _ in range(5)]
        assert [p.status_code for p in pages] == [401] * 5
        assert all("Identifiant ou code confidentiel incorrect." in p.text for p in pages)
        verrou = await nav.connecter(identifiant, CODE)
        assert verrou.status_code == 423 and "Compte verrouillé après plusieurs codes erronés" in verrou.text


async def test_un_identifiant_inconnu_coute_autant_qu_un_code_errone(hachage_de_production, service):
    """An unknown identifier's code is checked against a decoy hash: its refusal takes about as long as a wrong
    code's (an answer many times faster would tell the identifier is unknown)."""
    anonyme = await service.http()

    async def duree(identifiant: str) -> float:
        debut = time.perf_counter()
        assert (await anonyme.post("/auth/jeton", data={"username": identifiant, "password": "x"})).status_code == 401
        return time.perf_counter() - debut

    existant = statistics.median([await duree("camille") for _ in range(4)])
    inconnu = statistics.median([await duree(f"personne-{i}") for i in range(4)])
    assert inconnu > existant / 3, (existant, inconnu)


@pytest.mark.parametrize("identifiant", ["paie", "personne"])
async def test_des_essais_simultanes_ne_tentent_pas_plus_de_cinq_codes(service, identifiant):
    """Twenty wrong codes sent at once, for an account or an unknown identifier: five are judged (401), the others
    find the tries spent (423), none is a 5xx; then even the right code is refused until the lockout ends."""
    anonyme = await service.http()
    reponses = await asyncio.gather(
        *(anonyme.post("/auth/jeton", data={"username": identifiant, "password": f"faux-{n}"}) for n in range(20))
    )
    assert Counter(r.status_code for r in reponses) == {401: 5, 423: 15}
    apres = await anonyme.post("/auth/jeton", data={"username": identifiant, "password": CODE})
    assert apres.status_code == 423 and "Compte verrouillé" in apres.json()["detail"]
