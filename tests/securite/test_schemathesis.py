"""Schemathesis against the OpenAPI schema of the running service (``cnracl api`` under uvicorn, a worker,
the Temporal dev server, the demo data): for each role, generated requests on every route; no 5xx, and every
response conforms to the schema (status documented, body and headers as declared). Then the same routes with
every integer past the database's (path, query and body: 404 or 422), and with a body past
``CNRACL_TAILLE_MAX_REQUETE`` (413)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    status_code_conformance,
)

from services.moteur import commande_serveur_dev
from settings import Settings
from tests.support.environnement import port_libre

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent
ROLES = ("affilie", "employeur", "superviseur")
TAILLE_MAX_REQUETE = Settings.model_fields["taille_max_requete"].default  # the service below runs with it


def _attendre(url: str, processus: list[subprocess.Popen]) -> None:
    import time

    fin = time.monotonic() + 60
    while time.monotonic() < fin:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} ne répond pas")


@pytest.fixture(scope="module")
def service_en_marche(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("schemathesis")
    port_temporal, port_api = port_libre(), port_libre()
    env = {
        **os.environ,
        "CNRACL_VAR_DIR": str(dossier),
        "CNRACL_DATABASE_URL": f"sqlite+aiosqlite:///{dossier}/c.db",
        "CNRACL_TEMPORAL_ADDRESS": f"127.0.0.1:{port_temporal}",
        "CNRACL_SMTP_HOST": "127.0.0.1",
        "CNRACL_SMTP_PORT": str(port_libre()),
        "CNRACL_LIMITES_ACTIVES": "false",
    }
    subprocess.run([str(BIN / "cnracl"), "migrer"], env=env, check=True, capture_output=True)
    subprocess.run([str(BIN / "cnracl"), "donnees", "demo"], env=env, check=True, capture_output=True)
    comptes = json.loads((dossier / "demo.json").read_text())
    with open(dossier / "service.log", "ab") as journal:
        processus = [
            subprocess.Popen(commande, env=env, stdout=journal, stderr=subprocess.STDOUT)
            for commande in (
                commande_serveur_dev(port_temporal, None),
                [str(BIN / "cnracl"), "worker"],
                [str(BIN / "cnracl"), "api", "--port", str(port_api)],
            )
        ]
        base = f"http://127.0.0.1:{port_api}"
        try:
            _attendre(f"{base}/api/v1/sante", processus)

            def jeton(role: str) -> str:
                """A fresh token of the role's demo account (a test's run ends with a logout, which revokes it)."""
                compte = next(c for c in comptes if c["role"] == role)
                reponse = httpx.post(
                    f"{base}/api/v1/auth/jeton", data={"username": compte["identifiant"], "password": compte["code"]}
                )
                return reponse.json()["access_token"]

            yield base, jeton
        finally:
            for p in processus:
                p.terminate()
            for p in processus:
                p.wait(timeout=20)


def _explorer(essais, exemples: int) -> list[str]:
    """Each ``(label, hypothesis test)`` run; every route's failure is reported, not only the first."""
    echecs = []
    reglages = settings(
        max_examples=exemples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
    )
    for label, essai in essais:
        try:
            reglages(essai)()
        except (Exception, BaseExceptionGroup) as exc:
            raisons = [str(e).splitlines()[0] for e in getattr(exc, "exceptions", [exc])]
            echecs.append(f"{label} : {' ; '.join(raisons)}")
    return echecs


def _operations(schema) -> list:
    """Every route, logout last: it revokes the token (every session of its account) the others are tried with."""
    operations = [resultat.ok() for resultat in schema.get_all_operations()]
    return sorted(operations, key=lambda operation: operation.path.endswith("/deconnexion"))


def _label(operation) -> str:
    return f"{operation.method.upper()} {operation.path}"


@pytest.mark.parametrize("role", ROLES)
def test_api_conforme(role, service_en_marche):
    base, jeton = service_en_marche
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    entetes = {"Authorization": f"Bearer {jeton(role)}"}

    def essai(operation):
        @given(case=operation.as_strategy())
        def essayer(case):
            # A request valid for the schema may still break a business rule (age, open request, deadline…):
            # the 422 that names the rule is the expected answer, so positive_data_acceptance does not apply.
            case.call_and_validate(
                base_url=base, headers=entetes, excluded_checks=[positive_data_acceptance], timeout=30
            )

        return essayer

    echecs = _explorer([(_label(op), essai(op)) for op in _operations(schema)], exemples=8)
    assert echecs == [], "\n".join(echecs)


# Past any database's integers (SQLite's and PostgreSQL's BIGINT are 64 bits), up to any size.
ENTIER_ENORME = 2**63


def _entier(schema: Any) -> bool:
    return isinstance(schema, dict) and (
        schema.get("type") == "integer" or any(_entier(membre) for membre in schema.get("anyOf", ()))
    )


def _entiers_enormes(noeud: Any) -> Any:
    """The schema with every integer at least 2⁶³ (its bounds, default and « or null » dropped) and required, so
    that each generated request carries huge integers wherever the schema has one (ids, offsets, years, fields)."""
    if isinstance(noeud, list):
        return [_entiers_enormes(n) for n in noeud]
    if not isinstance(noeud, dict):
        return noeud
    copie = {cle: _entiers_enormes(valeur) for cle, valeur in noeud.items()}
    if copie.get("type") == "integer":
        for borne in ("maximum", "exclusiveMaximum", "exclusiveMinimum", "default", "enum", "const"):
            copie.pop(borne, None)
        copie["minimum"] = ENTIER_ENORME
    if _entier(copie) and "anyOf" in copie:
        copie["anyOf"] = [membre for membre in copie["anyOf"] if _entier(membre)]
        copie.pop("default", None)
    if "in" in copie and _entier(copie.get("schema")):  # an integer parameter: always sent
        copie["required"] = True
    proprietes = copie.get("properties")
    if isinstance(proprietes, dict):
        entiers = [nom for nom, schema in proprietes.items() if _entier(schema)]
        copie["required"] = sorted({*copie.get("required", []), *entiers})
    return copie


def _parametres_entiers(operation) -> list[tuple[str, str]]:
    """The operation's integer parameters, as ``(where, name)``: where is ``path_parameters`` or ``query``."""
    return [
        (ou, parametre.name)
        for ou, ensemble in (("path_parameters", operation.path_parameters), ("query", operation.query))
        for parametre in ensemble
        if _entier(parametre.definition.get("schema"))
    ]


def _corps_enormes(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema whose request bodies (and the models they use) have only huge integers; parameters unchanged."""
    copie = {**schema, "components": _entiers_enormes(schema.get("components", {}))}
    copie["paths"] = {
        chemin: {
            methode: {**operation, "requestBody": _entiers_enormes(operation["requestBody"])}
            if isinstance(operation, dict) and "requestBody" in operation
            else operation
            for methode, operation in operations.items()
        }
        for chemin, operations in schema["paths"].items()
    }
    return copie


@pytest.mark.parametrize("role", ROLES)
def test_api_entiers_enormes_et_corps_trop_gros(role, service_en_marche):
    """Each integer parameter alone past any database's integers (the others valid: a bounded one would refuse
    the request before an unbounded one is read), then bodies whose every integer is huge, then bodies past
    ``CNRACL_TAILLE_MAX_REQUETE``."""
    base, jeton = service_en_marche
    brut = httpx.get(f"{base}/openapi.json").json()
    entetes = {"Authorization": f"Bearer {jeton(role)}"}
    verifications = [not_a_server_error, status_code_conformance, content_type_conformance]

    def essai(strategie):
        @given(case=strategie)
        def essayer(case):
            # No 5xx, and a documented status and type; the answers' bodies are checked against the true schema
            # by the test above (the huge integers are out of range in the answers' models too).
            case.call_and_validate(base_url=base, headers=entetes, checks=verifications, timeout=30)

        return essayer

    def essai_corps_trop_gros(operation):
        @given(case=operation.as_strategy())
        def essayer(case):
            if case.body is NOT_SET or case.body is None:
                return
            case.body = {"remplissage": "x" * (TAILLE_MAX_REQUETE + 1)}
            reponse = case.call(base_url=base, headers=entetes, timeout=30)
            assert reponse.status_code == 413, f"{reponse.status_code} {reponse.text[:200]}"
            assert reponse.json()["detail"].startswith("Requête trop volumineuse"), reponse.text[:200]

        return essayer

    operations = _operations(schemathesis.openapi.from_dict(brut))
    par_parametre = [
        (f"{_label(op)} ({nom}={ENTIER_ENORME})", essai(op.as_strategy(**{ou: {nom: ENTIER_ENORME}})))
        for op in operations
        for ou, nom in _parametres_entiers(op)
    ]
    avec_corps = _operations(schemathesis.openapi.from_dict(_corps_enormes(brut)))
    corps = [
        (f"{_label(op)} (corps)", essai(op.as_strategy())) for op in avec_corps if "requestBody" in op.definition.raw
    ]
    trop_gros = [(f"{_label(op)} (corps trop gros)", essai_corps_trop_gros(op)) for op in operations]
    echecs = _explorer(par_parametre, 2) + _explorer(corps, 3) + _explorer(trop_gros, 1)
    assert par_parametre and corps, "aucun entier ni corps à éprouver : le schéma a-t-il changé ?"
    assert echecs == [], "\n".join(echecs)
