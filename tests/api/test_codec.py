"""The codec route of Temporal's Web UI and CLI (remote codec protocol): supervisors only, the UI's origin alone
allowed to read the answers, clear refusals of a malformed body or of a codec not turned on."""

from __future__ import annotations

import base64
from contextlib import AsyncExitStack

import pytest

from services.codec import cle_aleatoire
from tests.support.environnement import settings_de_test
from tests.support.navigateur import navigateur
from tests.support.service import assembler

UI = "https://temporal.cnracl.example.fr"


def _b64(texte: bytes) -> str:
    return base64.b64encode(texte).decode()


CLAIR = {"payloads": [{"metadata": {"encoding": _b64(b"json/plain")}, "data": _b64(b'"Tourcoing"')}]}


@pytest.fixture
async def service(tmp_path, url_sqlite):
    settings = settings_de_test(
        tmp_path, url_sqlite, 1, temporal_address="127.0.0.1:1", codec_cles=f"2026:{cle_aleatoire()}", temporal_ui=UI
    )
    async with AsyncExitStack() as pile:
        yield await assembler(settings, pile)


async def test_un_superviseur_chiffre_et_dechiffre_les_autres_sont_refuses(service):
    superviseur = await service.http("superviseur")
    chiffre = await superviseur.post("/codec/encode", json=CLAIR)
    assert chiffre.status_code == 200, chiffre.text
    [contenu] = chiffre.json()["payloads"]
    assert base64.b64decode(contenu["metadata"]["encoding"]) == b"binary/cnracl-aes-gcm"
    assert b"Tourcoing" not in base64.b64decode(contenu["data"])
    dechiffre = await superviseur.post("/codec/decode", json=chiffre.json())
    assert dechiffre.status_code == 200 and dechiffre.json() == CLAIR

    for role in ("camille", "rh-commune"):
        autre = await service.http(role)
        for route in ("/codec/decode", "/codec/encode"):
            reponse = await autre.post(route, json=chiffre.json())
            assert reponse.status_code == 403 and "réservée à un autre profil" in reponse.json()["detail"]
    anonyme = await service.http()
    assert (await anonyme.post("/codec/decode", json=chiffre.json())).status_code == 401


async def test_l_interface_temporal_seule_lit_les_reponses(service):
    superviseur = await service.http("superviseur")
    preliminaire = await superviseur.options(
        "/codec/decode", headers={"Origin": UI, "Access-Control-Request-Method": "POST"}
    )
    assert preliminaire.status_code == 200
    assert preliminaire.headers["access-control-allow-origin"] == UI
    assert "X-Namespace" in preliminaire.headers["access-control-allow-headers"]
    reponse = await superviseur.post("/codec/decode", json=CLAIR, headers={"Origin": UI, "X-Namespace": "default"})
    assert reponse.status_code == 200 and reponse.headers["access-control-allow-origin"] == UI
    ailleurs = await superviseur.post("/codec/decode", json=CLAIR, headers={"Origin": "https://ailleurs.example"})
    assert "access-control-allow-origin" not in ailleurs.headers


async def test_la_session_des_pages_d_un_superviseur_suffit(service):
    """The Temporal UI, on the same site, sends the browser's cookies: a supervisor's session opens the codec."""
    superviseur = await navigateur(service, "superviseur")
    reponse = await superviseur.client.post("/api/v1/codec/encode", json=CLAIR)
    assert reponse.status_code == 200, reponse.text
    agent = await navigateur(service, "camille")
    assert (await agent.client.post("/api/v1/codec/decode", json=reponse.json())).status_code == 403


async def test_un_corps_mal_forme_est_refuse_en_francais(service):
    superviseur = await service.http("superviseur")
    reponse = await superviseur.post("/codec/decode", json={"payloads": [{"metadata": {"encoding": "a"}, "data": "a"}]})
    assert reponse.status_code == 422
    assert "comme l'envoie l'interface de Temporal" in reponse.json()["detail"]
    reponse = await superviseur.post("/codec/decode", json={"contenus": []})
    assert reponse.status_code == 422 and "Contenus à chiffrer ou déchiffrer" in reponse.json()["detail"]


async def test_sans_cle_le_codec_est_dit_inactif(tmp_path, url_sqlite):
    settings = settings_de_test(tmp_path, url_sqlite, 1, temporal_address="127.0.0.1:1")
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        reponse = await (await service.http("superviseur")).post("/codec/decode", json=CLAIR)
    assert reponse.status_code == 409 and "CNRACL_CODEC_CLES est vide" in reponse.json()["detail"]
