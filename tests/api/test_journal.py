import io
import logging
import re
from urllib.parse import quote, quote_plus

import httpx
import pytest

from api.app import create_app
from api.journal import MasqueDonneesPersonnelles, masquer
from observabilite.journaux import configurer_journaux
from tests.support.environnement import port_libre, settings_de_test
from tests.support.serveur import Serveur


def test_le_nir_n_apparait_pas_dans_le_journal_d_acces():
    assert masquer("GET /api/v1/affilies/268043306300158/cir HTTP/1.1") == "GET /api/v1/affilies/***NIR***/cir HTTP/1.1"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "PUT", "/api/v1/affilies/1680520063012/cir/2010", "1.1", 200),
        None,
    )
    MasqueDonneesPersonnelles().filter(record)
    assert "1680520063012" not in record.getMessage() and "/cir/2010" in record.getMessage()


@pytest.mark.parametrize(
    "nir",
    [
        "1 85 05 78 006 084 36",
        "1.85.05.78.006.084.36",
        "1-85-05-78-006-084-36",
        "1_85_05_78_006_084",
        "1850578006084 36",
        "2 68 04 2A 063 001 58",
        "185057800608436",
    ],
)
def test_le_nir_est_masque_quels_que_soient_ses_separateurs(nir):
    assert masquer(f"recherche du NIR {nir} : aucun") == "recherche du NIR ***NIR*** : aucun"
    encode = quote(nir)  # as an address carries it: %20 for a space
    assert masquer(f'"GET /cir/{encode}?nir={quote_plus(nir)} HTTP/1.1" 303') == (
        '"GET /cir/***NIR***?nir=***NIR*** HTTP/1.1" 303'
    )


def test_ce_qui_n_est_pas_un_nir_reste_lisible():
    for texte in ("SIRET 21750001600019", "2025-12-05 10:11:12,123", "127.0.0.1:5000", "/cir/2010", "v4.32.5"):
        assert masquer(texte) == texte


@pytest.mark.parametrize("proxies", ["", "127.0.0.1"])
async def test_journal_d_acces_masque_et_adresse_du_client(tmp_path, url_sqlite, proxies):
    """The access log as uvicorn writes it (``cnracl api``'s options): no NIR however written, and the client's
    address from X-Forwarded-For only when the peer is a trusted proxy."""
    settings = settings_de_test(tmp_path, url_sqlite, port_libre(), proxies_de_confiance=proxies)
    flux = io.StringIO()
    racine = logging.getLogger()
    avant = (list(racine.handlers), racine.level)
    configurer_journaux(settings, "api", flux)
    try:
        async with Serveur(create_app(settings), log_level="info") as base, httpx.AsyncClient(base_url=base) as client:
            entetes = {"X-Forwarded-For": "203.0.113.7"}
            await client.get("/api/v1/affilies/1 85 05 78 006 084 36/cir", headers=entetes)
            await client.get("/cir", params={"nir": "1.85.05.78.006.084.36"}, headers=entetes)
    finally:
        racine.handlers[:], racine.level = avant
    journal = flux.getvalue()
    acces = [ligne for ligne in journal.splitlines() if "uvicorn.access" in ligne]
    assert len(acces) == 2, journal
    assert all("***NIR***" in ligne for ligne in acces), acces
    # The NIR's digits with any separator or encoding between them; bare « 084 » could be a process id.
    assert not re.search(r"85\D{0,3}05\D{0,3}78\D{0,3}006\D{0,3}084", journal), journal
    client = "203.0.113.7" if proxies else "127.0.0.1"
    assert all(f"INFO uvicorn.access {client}:" in ligne for ligne in acces), acces
    assert proxies or "203.0.113.7" not in journal
