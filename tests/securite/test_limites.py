"""Rate limits: an address trying many logins, a token looping on the API, get a 429 in French with
Retry-After; below the limits, or with them switched off, nothing changes."""

from __future__ import annotations

from contextlib import AsyncExitStack

import httpx
import pytest
from pydantic import ValidationError

from api.app import create_app
from settings import Settings
from tests.support.environnement import settings_de_test
from tests.support.service import CODE, assembler


async def _service(tmp_path, url_sqlite, **reglages):
    pile = AsyncExitStack()
    service = await assembler(settings_de_test(tmp_path, url_sqlite, 2525, **reglages), pile)
    racine = httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app), base_url="http://test")
    await pile.enter_async_context(racine)
    return pile, service, racine


async def test_trop_de_connexions_depuis_une_adresse(tmp_path, url_sqlite):
    pile, _, racine = await _service(tmp_path, url_sqlite, limite_connexions="3/minute")
    async with pile:
        essais = [
            await racine.post("/api/v1/auth/jeton", data={"username": f"inconnu-{i}", "password": "x"})
            for i in range(3)
        ]
        assert [r.status_code for r in essais] == [401, 401, 401]
        refus = await racine.post("/api/v1/auth/jeton", data={"username": "camille", "password": CODE})
        assert refus.status_code == 429
        assert 1 <= int(refus.headers["Retry-After"]) <= 60
        assert refus.json()["detail"].startswith(
            "Trop de tentatives de connexion depuis votre poste : 3 au plus par minute"
        )
        page = await racine.post("/connexion", data={"identifiant": "camille", "code": CODE})
        assert page.status_code == 429 and "Réessayez dans" in page.text
        assert "<h1>Trop de requêtes</h1>" in page.text and int(page.headers["Retry-After"]) >= 1  # a page
        assert (await racine.get("/api/v1/sante")).status_code == 200


async def test_trop_de_requetes_pour_un_jeton(tmp_path, url_sqlite):
    pile, service, _ = await _service(tmp_path, url_sqlite, limite_api="5/minute")
    async with pile:
        rh = await service.http("rh-commune")  # the login counts among the login attempts, not here
        statuts = [(await rh.get("/taches")).status_code for _ in range(6)]
        assert statuts == [200] * 5 + [429]
        superviseur = await service.http("superviseur")  # another token has its own window
        assert (await superviseur.get("/processus")).status_code == 200
        assert "Trop de requêtes" in (await rh.get("/taches")).json()["detail"]


async def test_limites_desactivees(tmp_path, url_sqlite):
    pile, _, racine = await _service(tmp_path, url_sqlite, limites_actives=False, limite_connexions="1/minute")
    async with pile:
        statuts = [
            (await racine.post("/api/v1/auth/jeton", data={"username": "x", "password": "y"})).status_code
            for _ in range(4)
        ]
        assert statuts == [401] * 4


def test_limite_mal_ecrite():
    with pytest.raises(ValidationError, match="n'est pas une limite : écrivez par exemple 30/minute"):
        Settings(limite_api="beaucoup")


async def _connexions_depuis(service, pair: str, transmises: list[str]) -> list[int]:
    """Wrong logins from the peer ``pair``, each announcing the next ``X-Forwarded-For``."""
    transport = httpx.ASGITransport(app=service.app, client=(pair, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return [
            (
                await client.post(
                    "/api/v1/auth/jeton",
                    data={"username": "inconnu", "password": "x"},
                    headers={"X-Forwarded-For": transmise},
                )
            ).status_code
            for transmise in transmises
        ]


async def test_x_forwarded_for_ignore_hors_des_proxies_de_confiance(tmp_path, url_sqlite):
    """A client changing the header at each try is still one address: the limit holds."""
    pile, service, _ = await _service(tmp_path, url_sqlite, limite_connexions="2/minute")
    async with pile:
        statuts = await _connexions_depuis(service, "127.0.0.1", ["203.0.113.1", "203.0.113.2", "203.0.113.3"])
        assert statuts == [401, 401, 429]


async def test_x_forwarded_for_cru_d_un_proxy_de_confiance(tmp_path, url_sqlite):
    """Behind a trusted proxy, each client has its own window; what a client wrote to the left of the proxy's entry
    is not believed."""
    pile, service, _ = await _service(
        tmp_path, url_sqlite, limite_connexions="2/minute", proxies_de_confiance="10.0.0.0/8"
    )
    async with pile:
        premier = await _connexions_depuis(service, "10.0.0.5", ["203.0.113.1"] * 3)
        assert premier == [401, 401, 429]
        assert await _connexions_depuis(service, "10.0.0.5", ["203.0.113.2"]) == [401]  # another client
        usurpe = ["198.51.100.1, 203.0.113.1", "198.51.100.2, 203.0.113.1"]  # the client forged the left part
        assert await _connexions_depuis(service, "10.0.0.5", usurpe) == [429, 429]
        # a peer outside the trusted networks is itself the client, whatever it announces
        assert await _connexions_depuis(service, "192.0.2.9", ["203.0.113.2", "203.0.113.2"]) == [401, 401]


@pytest.mark.parametrize(
    ("redis", "attendus"),
    [
        pytest.param(True, [401, 401, 401, 429, 429, 429], id="redis-partage"),
        pytest.param(False, [401] * 6, id="memoire-de-chaque-processus"),
    ],
)
async def test_deux_processus_d_api_partagent_leurs_fenetres_par_redis(tmp_path, url_sqlite, redis, attendus):
    """Two API processes (two applications, each its own limiter) behind one address, the tries alternating
    between them: with Redis the address gets one allowance in all; without, one per process."""
    reglages = {"redis_url": "redis://127.0.0.1:6379/0"} if redis else {}
    pile, service, _ = await _service(tmp_path, url_sqlite, limite_connexions="3/minute", **reglages)
    async with pile:
        autre = create_app(service.settings)
        await pile.enter_async_context(autre.router.lifespan_context(autre))
        processus = [
            await pile.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
            )
            for app in (service.app, autre)
        ]
        statuts = [
            (
                await processus[essai % 2].post(
                    "/api/v1/auth/jeton", data={"username": f"inconnu-{essai}", "password": "x"}
                )
            ).status_code
            for essai in range(6)
        ]
        assert statuts == attendus


async def test_redis_injoignable_laisse_passer_sans_erreur(tmp_path, url_sqlite, caplog):
    pile, _, racine = await _service(
        tmp_path, url_sqlite, limite_connexions="1/minute", redis_url="redis://127.0.0.1:1/0"
    )
    async with pile:
        statuts = [
            (await racine.post("/api/v1/auth/jeton", data={"username": "x", "password": "y"})).status_code
            for _ in range(2)
        ]
        assert statuts == [401, 401]
        assert "Redis injoignable" in caplog.text
