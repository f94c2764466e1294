"""The edges of the service: numbers beyond their bounds, oversized and malformed bodies, control characters in
free text; each refused in French, never a 500."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from tests.support.environnement import port_libre, settings_de_test
from tests.support.navigateur import navigateur
from tests.support.service import assembler

ENORME = "99999999999999999999"


@pytest.fixture
async def service(tmp_path, url_base):
    async with AsyncExitStack() as pile:
        yield await assembler(settings_de_test(tmp_path, url_base, port_libre()), pile)


async def test_un_numero_hors_bornes_est_introuvable_et_un_parametre_hors_bornes_invalide(service):
    rh, camille = await service.http("rh-commune"), await service.http("camille")
    decalage = await rh.get(f"/taches?decalage={ENORME}")
    assert decalage.status_code == 422
    assert decalage.json()["erreurs"] == [
        {"champ": "decalage", "regle": "less_than_equal", "message": "la valeur doit être au plus 2147483647"}
    ]
    for adresse in (
        f"/eir/{ENORME}",
        f"/eir/{ENORME}/bilan",
        "/eir/0",
        "/eir/-3",
        "/eir/douze",
        f"/documents/{ENORME}",
    ):
        reponse = await camille.get(adresse)
        assert reponse.status_code == 404, adresse
        assert reponse.json()["detail"].startswith("Introuvable — "), reponse.text
        assert "aucun enregistrement ne porte le numéro" in reponse.json()["detail"]
    assert "un numéro est un nombre entier de 1 à 2147483647" in (await rh.get(f"/taches/{ENORME}")).json()["detail"]
    nir = service.pop.affilie.nir
    annee = await rh.put(f"/affilies/{nir}/cir/99999", json={})
    assert annee.status_code == 422 and "annee : la valeur doit être au plus 2100" in annee.json()["detail"]


async def test_les_pages_refusent_les_nombres_hors_bornes_en_francais(service):
    agent, employeur = await navigateur(service, "camille"), await navigateur(service, "rh-commune")
    page = await agent.get(f"/eir/{ENORME}")
    assert page.status_code == 404 and "<h1>Page introuvable</h1>" in page.text
    assert "aucun enregistrement ne porte le numéro « 99999999999999999999 »" in page.text
    cir = await employeur.get(f"/cir/{service.pop.affilie.nir}?annee=99999")
    assert cir.status_code == 422 and "annee : la valeur doit être au plus 2100" in cir.text
    assert (await employeur.get(f"/taches/{ENORME}")).status_code == 404
