"""JSON logs without personal data: a whole EIR (request, employer task, CIR read, RIS validation, bilan,
survey) served by uvicorn, with the root logger, uvicorn and temporalio at DEBUG and SQLAlchemy at INFO;
every line is JSON and none carries a NIR, a name, a first name or an e-mail address of the test data."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import uvicorn

from observabilite.journaux import configurer_journaux
from tests.support.attente import attendre
from tests.support.environnement import delais_eir_courts, port_libre, settings_de_test, settings_sur
from tests.support.fabriques import AGENT
from tests.support.parcours_eir import eir_jusqu_au_bilan
from tests.support.service import CODE, service_et_worker

pytestmark = pytest.mark.e2e

JOURNAUX_BAVARDS = {
    "": logging.DEBUG,
    "uvicorn": logging.DEBUG,
    "uvicorn.access": logging.DEBUG,
    "uvicorn.error": logging.DEBUG,
    "temporalio": logging.DEBUG,
    "sqlalchemy": logging.INFO,
}


async def test_journaux_json_sans_donnees_personnelles(env_dev, tmp_path, boite_mail, url_sqlite):
    settings = settings_sur(
        env_dev,
        tmp_path,
        url_sqlite,
        boite_mail.port,
        journaux_json=True,
        niveau_journaux="DEBUG",
        **delais_eir_courts(),
    )
    flux = io.StringIO()
    racine = logging.getLogger()
    avant = (list(racine.handlers), {nom: logging.getLogger(nom).level for nom in JOURNAUX_BAVARDS})
    gestionnaire = configurer_journaux(settings, "test", flux)
    for nom, niveau in JOURNAUX_BAVARDS.items():
        logging.getLogger(nom).setLevel(niveau)
    try:
        async with service_et_worker(env_dev, settings) as service:
            pile = service.pile
            port = port_libre()
            serveur = uvicorn.Server(
                uvicorn.Config(
                    service.app, host="127.0.0.1", port=port, log_config=None, lifespan="off", access_log=True
                )
            )
            tache_serveur = asyncio.create_task(serveur.serve())
            pile.push_async_callback(lambda: tache_serveur)
            pile.callback(setattr, serveur, "should_exit", True)
            await attendre(lambda: serveur.started)

            async def client(identifiant: str) -> httpx.AsyncClient:
                http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=30)
                await pile.enter_async_context(http)
                jeton = (await http.post("/auth/jeton", data={"username": identifiant, "password": CODE})).json()
                http.headers["Authorization"] = f"Bearer {jeton['access_token']}"
                return http

            agent, rh, superviseur = await client("camille"), await client("rh-commune"), await client("superviseur")
            demande_id = await eir_jusqu_au_bilan(agent, rh, boite_mail, nir=service.pop.affilie.nir)
            await attendre(lambda: len(boite_mail.pour(AGENT)) == 5)  # closure and survey

            async def enquete_ouverte():
                return (await agent.get(f"/eir/{demande_id}")).json()["etat"] == "enquete_envoyee"

            await attendre(enquete_ouverte)
            reponse = await agent.post(f"/eir/{demande_id}/enquete", json={"reponses": [5, 4, 4, 5, 5]})
            assert reponse.status_code == 200 and reponse.json()["etat"] == "close"
            assert (await superviseur.get("/processus")).status_code == 200
            assert (await rh.post("/eir", json={"nir": service.pop.affilie.nir})).status_code in (403, 409)
            assert (
                await agent.post("/auth/jeton", data={"username": "camille", "password": "mauvais-code"})
            ).status_code == 401
    finally:
        racine.removeHandler(gestionnaire)
        for ancien in avant[0]:
            racine.addHandler(ancien)
        for nom, niveau in avant[1].items():
            logging.getLogger(nom).setLevel(niveau)

    lignes = flux.getvalue().splitlines()
    enregistrements = [json.loads(ligne) for ligne in lignes]
    journaux = {e["journal"] for e in enregistrements}
    assert "uvicorn.access" in journaux and any(j.startswith("temporalio") for j in journaux), journaux
    assert any(j.startswith("sqlalchemy") for j in journaux), journaux  # statements logged, parameters hidden
    assert all({"horodatage", "niveau", "journal", "message", "composant"} <= e.keys() for e in enregistrements)
    pop = service.pop
    personnes = (pop.affilie, pop.jeune, pop.collegue)
    interdits = [a.nir for a in personnes] + [x for a in personnes for x in (a.nom, a.prenom, a.email)]
    interdits += [pop.employeur.email, pop.autre_employeur.email]
    fuites = [
        (mot, ligne[:300])
        for mot in interdits
        for ligne in lignes
        if re.search(rf"\b{re.escape(mot)}\b", ligne, re.IGNORECASE)
    ]
    assert fuites == [], f"données personnelles dans les journaux : {fuites[:5]}"
    assert "***NIR***" in flux.getvalue()  # the CIR route's path was logged, masked


def test_la_commande_ecrit_ses_journaux_en_json(tmp_path: Path):
    """The CLI configures the same logs: a migration, with ``CNRACL_JOURNAUX_JSON`` and DEBUG, logs JSON lines
    (at INFO the migrations' step-by-step lines are left out)."""
    env = {
        "CNRACL_VAR_DIR": str(tmp_path),
        "CNRACL_JOURNAUX_JSON": "true",
        "CNRACL_NIVEAU_JOURNAUX": "DEBUG",
        "PATH": "/usr/bin:/bin",
    }
    sortie = subprocess.run(
        [str(Path(sys.executable).parent / "cnracl"), "migrer"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert sortie.returncode == 0, sortie.stderr
    enregistrements = [json.loads(ligne) for ligne in sortie.stderr.splitlines()]
    assert enregistrements and all(e["composant"] == "cli" for e in enregistrements), sortie.stderr
    assert any(e["journal"].startswith("alembic") for e in enregistrements)
    assert "Base de données à jour." in sortie.stdout


def test_les_champs_ajoutes_et_les_traces_d_erreur_sont_masques(tmp_path: Path):
    """What the record filter does not see (extra fields of the Temporal SDK, tracebacks) is masked too."""
    flux = io.StringIO()
    racine = logging.getLogger()
    avant = (list(racine.handlers), racine.level)
    configurer_journaux(settings_de_test(tmp_path, "sqlite+aiosqlite://", 8025, journaux_json=True), "test", flux)
    try:
        journal = logging.getLogger("tests.observabilite")
        journal.info("activité terminée", extra={"temporal_activity": {"destinataire": "camille.martin@example.fr"}})
        try:
            raise ValueError("NIR 1650375123456 refusé")
        except ValueError:
            journal.exception("échec pour %s", "jean.dupont@example.fr")
    finally:
        for gestionnaire in list(racine.handlers):
            racine.removeHandler(gestionnaire)
        for ancien in avant[0]:
            racine.addHandler(ancien)
        racine.setLevel(avant[1])
    texte = flux.getvalue()
    assert "@example.fr" not in texte and "1650375123456" not in texte, texte
    info, erreur = (json.loads(ligne) for ligne in texte.splitlines())
    assert info["temporal_activity"] == {"destinataire": "***@***"}
    assert "ValueError: NIR ***NIR*** refusé" in erreur["exc_info"]
