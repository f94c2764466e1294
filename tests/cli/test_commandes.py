"""The ``cnracl`` command as an operator uses it (a real process, configured by the environment)."""

from __future__ import annotations

import json
import os
import subprocess

from tests.conftest import BIN


def cnracl(tmp_path, *arguments: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CNRACL_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run([str(BIN / "cnracl"), *arguments], env=env, capture_output=True, text=True, timeout=120)


def test_donnees_demo_puis_creation_de_compte(tmp_path):
    demo = cnracl(tmp_path, "donnees", "demo")
    assert demo.returncode == 0, demo.stderr
    comptes = json.loads((tmp_path / "var" / "demo.json").read_text())
    assert {c["role"] for c in comptes} == {"affilie", "employeur", "superviseur"}
    assert all(c["code"] and c["identifiant"] for c in comptes)
    employeur = next(c for c in comptes if c["role"] == "employeur")
    assert employeur["siret"] in demo.stdout

    cree = cnracl(tmp_path, "comptes", "creer", "--role", "employeur", "--identifiant", "gestionnaire.rh",
                  "--code", "un-code-solide", "--siret", employeur["siret"])
    assert cree.returncode == 0 and "créé" in cree.stdout

    refuse = cnracl(tmp_path, "comptes", "creer", "--role", "employeur", "--identifiant", "autre",
                    "--code", "un-code-solide", "--siret", "21330063000175")
    assert refuse.returncode == 2 and "clé du SIRET" in refuse.stderr and "Traceback" not in refuse.stderr

    doublon = cnracl(tmp_path, "comptes", "creer", "--role", "superviseur", "--identifiant", "gestionnaire.rh",
                     "--code", "un-code-solide")
    assert doublon.returncode == 2 and "déjà pris" in doublon.stderr
