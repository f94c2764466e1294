"""Every body a route takes refuses a field it does not know, naming it, rather than dropping it: a mistyped
optional field would otherwise be lost without a word (domain.saisie.Saisie; the pension module's own cases and
quotes, which the simulation routes take as they come, refuse them in its words)."""

from __future__ import annotations

from typing import Any

from api.app import create_app
from tests.support.environnement import settings_de_test
from tests.support.service import service_seul

PAR_LE_MODULE_DE_CALCUL = {"/api/v1/simulations", "/api/v1/simulations/rachat"}


def _modeles(schema: dict[str, Any]) -> list[str]:
    if "$ref" in schema:
        return [schema["$ref"].rsplit("/", 1)[-1]]
    return [nom for variante in schema.get("anyOf", []) + schema.get("oneOf", []) for nom in _modeles(variante)]


def test_chaque_corps_de_requete_refuse_un_champ_inconnu(tmp_path):
    spec = create_app(settings_de_test(tmp_path, "sqlite+aiosqlite://", 1)).openapi()
    schemas = spec["components"]["schemas"]
    ouverts, vus = [], 0
    for chemin, operations in spec["paths"].items():
        for methode, operation in operations.items():
            contenu = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if contenu is None:
                continue
            if chemin in PAR_LE_MODULE_DE_CALCUL:
                continue
            for nom in _modeles(contenu["schema"]) or ["(sans modèle)"]:
                vus += 1
                if schemas.get(nom, {}).get("additionalProperties") is not False:
                    ouverts.append(f"{methode.upper()} {chemin} : {nom}")
    assert vus > 20
    assert ouverts == []


async def test_un_champ_mal_orthographie_est_refuse_en_le_nommant(tmp_path, url_sqlite):
    async with service_seul(tmp_path, url_sqlite) as service:
        agent, rh = await service.http("camille"), await service.http("rh-commune")
        demande = await agent.post("/eir", json={"nir_agent": "1"})
        simulation = await rh.post("/simulations", json={"indice_fin_carriere": 500})
        rachat = await rh.post("/simulations/rachat", json={"trimestre": 4})
    assert demande.status_code == 422
    assert demande.json()["erreurs"] == [
        {"champ": "nir_agent", "regle": "extra_forbidden", "message": "ce champ n'est pas attendu : retirez-le"}
    ]
    for reponse, champ in ((simulation, "indice_fin_carriere"), (rachat, "trimestre")):
        assert reponse.status_code == 422
        assert champ in {erreur["champ"] for erreur in reponse.json()["erreurs"]}, reponse.json()
