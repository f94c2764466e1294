"""A previous employer of an agent corrects and deletes the CIR lines it declared (issue 22, « the employer of a
period can correct or delete that line »), through the JSON routes and the CIR page, and reaches nothing else: it
reads only its own lines, adds none, touches no other employer's line, and an employer with no line of the agent
is answered 404 (the agent is not revealed to exist)."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import date

import pytest

from tests.support.cir import declaree_par
from tests.support.environnement import settings_de_test
from tests.support.fabriques import ligne_chez
from tests.support.navigateur import navigateur
from tests.support.service import Service, assembler


@pytest.fixture
async def service(tmp_path, url_base):
    settings = settings_de_test(tmp_path, url_base, 1, temporal_address="127.0.0.1:1")
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        # the agent's 2010 period was declared by its previous employer (« drh »); the others by its current one
        await declaree_par(service.sessions, service.pop.affilie, 2010, service.pop.autre_employeur)
        yield service


async def test_l_ancien_employeur_corrige_et_supprime_ses_lignes_et_rien_d_autre(service: Service):
    drh = await service.http("drh")
    nir = service.pop.affilie.nir
    # it reads only the line it declared
    lues = (await drh.get(f"/affilies/{nir}/cir")).json()
    assert [(ligne["date_debut"], ligne["employeur_id"]) for ligne in lues] == [
        ("2010-01-01", service.pop.autre_employeur.id)
    ]
    # it corrects it, the line stays its own
    corrigee = await drh.put(
        f"/affilies/{nir}/cir/2010", json={"date_debut": "2010-01-01", "date_fin": "2010-06-30", "motif": "départ"}
    )
    assert corrigee.status_code == 200, corrigee.text
    assert corrigee.json()["date_fin"] == "2010-06-30"
    assert corrigee.json()["employeur_id"] == service.pop.autre_employeur.id
    # a correction over another employer's period is refused without naming that period's dates
    await ligne_chez(service.sessions, service.pop.affilie, service.pop.employeur, date(2010, 7, 1), date(2010, 12, 31))
    chevauche = await drh.put(f"/affilies/{nir}/cir/2010", json={"date_debut": "2010-01-01", "date_fin": "2010-09-30"})
    assert chevauche.status_code == 422 and chevauche.json()["erreurs"][0]["regle"] == "chevauchement"
    assert "chevauche une autre période" in chevauche.json()["detail"] and "01/07/2010" not in chevauche.text
    # it adds no period, and does not overwrite the current employer's: the same 403 either way
    for annee, corps in (
        (2010, {"date_debut": "2010-07-01", "date_fin": "2010-12-31"}),
        (2011, {"date_debut": "2011-01-01", "date_fin": "2011-06-30"}),
        (2011, {"date_debut": "2011-01-01", "date_fin": "2011-06-30", "remplace": "2010-01-01"}),
    ):
        refus = await drh.put(f"/affilies/{nir}/cir/{annee}", json=corps)
        assert refus.status_code == 403, refus.text
        assert "seulement corriger ou supprimer les périodes que vous avez déclarées" in refus.json()["detail"]
    # another employer's line is not found for it
    autre = await drh.delete(f"/affilies/{nir}/cir/2011/2011-01-01", params={"motif": "erreur"})
    assert autre.status_code == 404
    rh = await service.http("rh-commune")
    assert any(ligne["date_debut"] == "2011-01-01" for ligne in (await rh.get(f"/affilies/{nir}/cir")).json())
    # it deletes its own line; then it has none: the agent is out of its reach
    supprimee = await drh.delete(f"/affilies/{nir}/cir/2010/2010-01-01", params={"motif": "période en double"})
    assert supprimee.status_code == 204, supprimee.text
    assert (await drh.get(f"/affilies/{nir}/cir")).status_code == 404
    assert (await drh.delete(f"/affilies/{nir}/cir/2010/2010-01-01", params={"motif": "x"})).status_code == 404


async def test_page_de_l_ancien_employeur_ses_periodes_seulement(service: Service):
    drh = await navigateur(service, "drh")
    nir = service.pop.affilie.nir
    page = await drh.get(f"/cir/{nir}", params={"annee": 2010})
    assert page.status_code == 200, page.text
    assert "Vous n'êtes plus l'employeur de cet agent" in page.text
    assert "Corriger la période" in page.text and "/2010-01-01/suppression" in page.text
    assert "Ajouter la période" not in page.text and service.pop.employeur.raison_sociale not in page.text
    assert "Aucune période en 2011" in (await drh.get(f"/cir/{nir}", params={"annee": 2011})).text
    formulaire = {"date_fin": "2010-06-30", "quotite": "100", "nature": "titulaire", "categorie": "sedentaire"}
    corrigee = await drh.post(f"/cir/{nir}/2010", {**formulaire, "date_debut": "2010-01-01", "remplace": "2010-01-01"})
    assert corrigee.status_code == 303, corrigee.text
    assert (await drh.get(f"/cir/{nir}/2011/2011-01-01/suppression")).status_code == 404
    supprimee = await drh.post(f"/cir/{nir}/2010/2010-01-01/suppression", {"motif": "doublon"})
    assert supprimee.status_code == 303
    assert (await drh.get(f"/cir/{nir}")).status_code == 404
