"""A CIR year saved with its administrative and contribution data together (seed 000, « Cotisations CNR »):
declared contributions checked against assiette × the rate in force for the period, all or nothing."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, date
from decimal import Decimal

import pytest

from domain.cir import cotisations_attendues
from domain.regles import parametre
from tests.support.environnement import settings_de_test
from tests.support.navigateur import navigateur
from tests.support.service import Service, assembler


@pytest.fixture
async def service(tmp_path, url_base):
    # Temporal is deliberately unreachable: writing the CIR never needs the engine.
    settings = settings_de_test(tmp_path, url_base, 1, temporal_address="127.0.0.1:1")
    async with AsyncExitStack() as pile:
        yield await assembler(settings, pile)


def _taux(nom: str, jour: date) -> Decimal:
    return Decimal(str(parametre("cotisations", nom, jour).valeur))


def _ligne(annee: int, traitement: str, nbi: str = "0", **autres) -> dict:
    """A full-year line whose contributions are the assiette × the rates read from the YAML file."""
    assiette = Decimal(traitement) + Decimal(nbi)
    debut, fin = date(annee, 1, 1), date(annee, 12, 31)
    attendu = cotisations_attendues(assiette, debut, fin)
    return {
        "date_debut": debut.isoformat(),
        "date_fin": fin.isoformat(),
        "quotite": 100,
        "indice_majore": 500,
        "traitement_brut": traitement,
        "nbi": nbi,
        "retenue_salariale": str(attendu["retenue_salariale"]),
        "contribution_employeur": str(attendu["contribution_employeur"]),
        **autres,
    }


async def _annee(rh, nir: str, annee: int) -> list[dict]:
    return [ligne for ligne in (await rh.get(f"/affilies/{nir}/cir")).json() if ligne["annee"] == annee]


async def test_une_annee_enregistree_avec_ses_deux_blocs_puis_relue(service: Service):
    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    ligne = _ligne(2022, "24000.00", "600.00", quotite=80)
    # the 2022 rates, from the file: 11,10 % and 30,65 % of 24 600 €
    assert ligne["retenue_salariale"] == "2730.60" and ligne["contribution_employeur"] == "7539.90"
    reponse = await rh.put(f"/affilies/{nir}/cir/2022", json=ligne)
    assert reponse.status_code == 200, reponse.text
    [relue] = await _annee(rh, nir, 2022)
    assert (relue["quotite"], relue["indice_majore"]) == (80, 500)
    assert {
        c: Decimal(relue[c]) for c in ("traitement_brut", "nbi", "retenue_salariale", "contribution_employeur")
    } == {
        "traitement_brut": Decimal("24000"),
        "nbi": Decimal("600"),
        "retenue_salariale": Decimal("2730.60"),
        "contribution_employeur": Decimal("7539.90"),
    }


async def test_cotisation_fausse_refusee_et_rien_de_l_annee_ne_change(service: Service):
    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    assert (await rh.put(f"/affilies/{nir}/cir/2022", json=_ligne(2022, "24000.00"))).status_code == 200
    avant = await _annee(rh, nir, 2022)
    # the administrative block changes (quotité, indice) and the retenue is computed at the 2005 rate
    fausse = _ligne(2022, "24000.00", quotite=50, indice_majore=620)
    fausse["retenue_salariale"] = "1884.00"
    reponse = await rh.put(f"/affilies/{nir}/cir/2022", json=fausse)
    assert reponse.status_code == 422
    corps = reponse.json()
    [erreur] = corps["erreurs"]
    assert erreur["champ"] == "retenue_salariale" and erreur["regle"] == "taux_retenue_agent"
    assert erreur["attendu"] == "2664.00"
    assert "montant attendu : 2\u202f664,00\u00a0€" in corps["detail"] and "11,1 %" in corps["detail"]
    assert await _annee(rh, nir, 2022) == avant  # neither block was written


async def test_ecart_dans_la_tolerance_accepte(service: Service):
    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    tolerance = Decimal(str(parametre("cotisations", "tolerance_euros", date(2022, 1, 1)).valeur))
    petite = _ligne(2021, "500.00")  # expected retenue 55,50 €: 1 % is below 1 €, the euro applies
    petite["retenue_salariale"] = str(Decimal(petite["retenue_salariale"]) + tolerance)
    assert (await rh.put(f"/affilies/{nir}/cir/2021", json=petite)).status_code == 200
    trop = dict(petite, retenue_salariale=str(Decimal(petite["retenue_salariale"]) + Decimal("0.02")))
    assert (await rh.put(f"/affilies/{nir}/cir/2021", json=trop)).status_code == 422


async def test_periode_sans_cotisation_acceptee_et_cotisation_refusee(service: Service):
    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    dispo = {"date_debut": "2020-03-01", "date_fin": "2020-08-31", "nature": "disponibilite"}
    assert (await rh.put(f"/affilies/{nir}/cir/2020", json=dispo)).status_code == 422  # overlaps the 2020 line
    assert (await rh.put(f"/affilies/{nir}/cir/2020", json={**dispo, "date_debut": "2020-01-01"})).status_code == 200
    [relue] = await _annee(rh, nir, 2020)
    assert relue["nature"] == "disponibilite" and relue["retenue_salariale"] is None
    avec = {
        **dispo,
        "date_debut": "2020-01-01",
        "traitement_brut": "1000",
        "retenue_salariale": "111",
        "contribution_employeur": "306.50",
    }
    reponse = await rh.put(f"/affilies/{nir}/cir/2020", json=avec)
    assert reponse.status_code == 422
    assert "ne porte aucune cotisation" in reponse.json()["erreurs"][0]["message"]


async def test_bloc_cotisations_incomplet_ou_illisible(service: Service):
    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    incomplet = {"date_debut": "2019-01-01", "date_fin": "2019-12-31", "traitement_brut": "20000"}
    reponse = await rh.put(f"/affilies/{nir}/cir/2019", json=incomplet)
    assert reponse.status_code == 422
    [erreur] = reponse.json()["erreurs"]
    assert erreur["champ"] == "retenue_salariale"
    assert erreur["message"].startswith("le bloc « Cotisations » est incomplet")
    assert "Retenue salariale : le bloc « Cotisations » est incomplet" in reponse.json()["detail"]
    for valeur in ("abc", "-5", "12.345", True):
        reponse = await rh.put(f"/affilies/{nir}/cir/2019", json={**_ligne(2019, "20000"), "retenue_salariale": valeur})
        assert reponse.status_code == 422, valeur
        assert reponse.json()["erreurs"][0]["champ"] == "retenue_salariale"


async def test_chaque_periode_a_ses_taux(service: Service):
    """A 2005 line and a 2022 line each use their own rates; a year's rate on the other year is refused."""
    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    l2005, l2022 = _ligne(2005, "20000.00"), _ligne(2022, "20000.00")
    assert Decimal(l2005["retenue_salariale"]) == Decimal("20000") * _taux("taux_retenue_agent", date(2005, 6, 1)) / 100
    assert Decimal(l2022["retenue_salariale"]) == Decimal("20000") * _taux("taux_retenue_agent", date(2022, 6, 1)) / 100
    assert l2005["retenue_salariale"] != l2022["retenue_salariale"]
    assert l2005["contribution_employeur"] != l2022["contribution_employeur"]
    assert (await rh.put(f"/affilies/{nir}/cir/2005", json=l2005)).status_code == 200
    assert (await rh.put(f"/affilies/{nir}/cir/2022", json=l2022)).status_code == 200
    croisee = dict(
        l2005, retenue_salariale=l2022["retenue_salariale"], contribution_employeur=l2022["contribution_employeur"]
    )
    reponse = await rh.put(f"/affilies/{nir}/cir/2005", json=croisee)
    assert reponse.status_code == 422
    assert {e["champ"]: e["attendu"] for e in reponse.json()["erreurs"]} == {
        "retenue_salariale": l2005["retenue_salariale"],
        "contribution_employeur": l2005["contribution_employeur"],
    }


async def test_page_une_annee_deux_blocs_un_bouton(service: Service):
    rh = await navigateur(service, "rh-commune")
    nir = service.pop.affilie.nir
    page = await rh.get(f"/cir/{nir}", params={"annee": 2022})
    assert page.status_code == 200
    assert '<legend class="fr-fieldset__legend">Données administratives</legend>' in page.text
    assert '<legend class="fr-fieldset__legend">Cotisations</legend>' in page.text
    assert "Corriger la période" in page.text and "Supprimer la période" in page.text
    ligne = {k: str(v) for k, v in _ligne(2022, "24000.00").items()}
    ligne.update(nature="titulaire", categorie="sedentaire", traitement_brut="24 000,00")
    reponse = await rh.post(f"/cir/{nir}/2022", ligne)
    assert reponse.status_code == 303, reponse.text
    page = await rh.get(reponse.headers["location"])
    assert "La période est enregistrée" in page.text and 'value="2\u202f664,00"' in page.text
    # a wrong employer contribution: refused on its field, with the expected amount, and nothing saved
    refus = await rh.post(f"/cir/{nir}/2022", {**ligne, "quotite": "50", "contribution_employeur": "6000"})
    assert refus.status_code == 422
    assert "montant attendu : 7\u202f356,00\u00a0€" in refus.text and "rien n&#39;est enregistré" in refus.text
    assert 'aria-describedby="periode-1-contribution_employeur-erreur"' in refus.text
    assert 'value="50"' in refus.text  # the user's input is kept on the form
    [relue] = await _annee(await service.http("rh-commune"), nir, 2022)
    assert relue["quotite"] == 100 and Decimal(relue["contribution_employeur"]) == Decimal("7356.00")


async def test_correction_administrative_d_une_tache_garde_les_cotisations(service: Service):
    """The task form's corrections stay administrative: the contributions saved for the period are kept."""
    from datetime import datetime

    from domain.cir import LigneCir
    from persistence import depots
    from persistence.db import transaction
    from persistence.fabrique import identifiant

    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    assert (await rh.put(f"/affilies/{nir}/cir/2022", json=_ligne(2022, "24000.00"))).status_code == 200
    async with transaction(service.sessions) as session:
        await depots.ecrire_ligne_cir(
            session,
            identifiant(service.pop.affilie),
            LigneCir(date_debut=date(2022, 1, 1), date_fin=date(2022, 12, 31), indice_majore=530),
            service.pop.employeur.id,
            datetime.now(UTC),
        )
    [relue] = await _annee(rh, nir, 2022)
    assert relue["indice_majore"] == 530 and Decimal(relue["retenue_salariale"]) == Decimal("2664.00")
