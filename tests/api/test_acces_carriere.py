"""Access follows the career (issue 22): a rectification names only an employer the agent's CIR shows; a former
employer's task shows the disputed period alone, without the NIR, and its answer may write nothing outside it;
the current employer and the supervisors see the whole career, as before. JSON routes and pages alike."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from persistence.db import transaction
from persistence.fabrique import identifiant
from persistence.models import LigneCirTable, RectificationTable, Tache
from tests.support.environnement import settings_de_test
from tests.support.fabriques import inserer_tache, ligne_chez
from tests.support.navigateur import navigateur
from tests.support.service import Service, assembler

DEBUT, FIN = date(1993, 1, 1), date(1993, 12, 31)


@pytest.fixture
async def service(tmp_path, url_sqlite):
    # The engine is out of reach: every refusal below comes before it; an answer that passes the checks
    # meets the engine's absence (503), which shows it was let through.
    settings = settings_de_test(tmp_path, url_sqlite, 1, temporal_address="127.0.0.1:1")
    async with AsyncExitStack() as pile:
        yield await assembler(settings, pile)


def _demande(siret: str, debut: str = "1993-01-01", fin: str = "1993-12-31", **autres) -> dict:
    return {
        "type_document": "ris",
        "annee_document": 2026,
        "motif": "Contrat à l'hôpital mal repris",
        "periode_debut": debut,
        "periode_fin": fin,
        "siret_employeur": siret,
        **autres,
    }


async def test_un_employeur_etranger_a_la_carriere_est_refuse(service: Service):
    camille, hopital = await service.http("camille"), service.pop.autre_employeur
    # 2005: the CIR shows the commune for that year; 1992: no line, and the hospital is nowhere in the career.
    for debut, fin in (("2005-01-01", "2005-12-31"), ("1992-01-01", "1992-12-31")):
        reponse = await camille.post("/rectifications", json=_demande(hopital.siret, debut, fin))
        assert reponse.status_code == 422, reponse.text
        [erreur] = reponse.json()["erreurs"]
        assert erreur["champ"] == "siret_employeur" and erreur["regle"] == "employeur_de_la_periode"
        assert "cet employeur n'apparaît pas dans votre carrière pour cette période" in reponse.json()["detail"]
    # A supervisor filing for the agent meets the same rule.
    superviseur = await service.http("superviseur")
    reponse = await superviseur.post(
        "/rectifications", json=_demande(hopital.siret, "2005-01-01", "2005-12-31", nir=service.pop.affilie.nir)
    )
    assert reponse.status_code == 422 and reponse.json()["erreurs"][0]["regle"] == "employeur_de_la_periode"

    page = await navigateur(service, "camille")
    await page.get("/rectifications")
    formulaire = {k: str(v) for k, v in _demande(hopital.siret, "2005-01-01", "2005-12-31").items()}
    refus = await page.post("/rectifications", formulaire | {"regime": ""})
    assert refus.status_code == 422
    assert 'id="siret_employeur-erreur"' in refus.text
    assert "cet employeur n&#39;apparaît pas dans votre carrière pour cette période" in refus.text

    async with service.sessions() as session:
        assert (await session.exec(select(RectificationTable))).all() == []
        assert (await session.exec(select(Tache))).all() == []


async def test_un_ancien_employeur_de_la_carriere_est_admis(service: Service):
    camille, hopital = await service.http("camille"), service.pop.autre_employeur
    await ligne_chez(service.sessions, service.pop.affilie, hopital, date(1992, 1, 1), date(1992, 12, 31))
    # 1993 is missing from the CIR and the hospital employed the agent in 1992: the rule lets it through, the
    # engine (out of reach here) is next.
    reponse = await camille.post("/rectifications", json=_demande(hopital.siret))
    assert reponse.status_code == 503, reponse.text


@dataclass
class Taches:
    ancien: int  # the former employer's (the hospital's) task
    actuel: int  # the current employer's (the commune's) task


async def _rectification_en_cours(service: Service) -> Taches:
    """Camille disputes 1993, which the hospital declared in part; its task and the commune's, as the worker
    writes them."""
    pop = service.pop
    await ligne_chez(service.sessions, pop.affilie, pop.autre_employeur, date(1993, 1, 1), date(1993, 6, 30))
    maintenant = datetime.now(UTC)
    async with transaction(service.sessions) as session:
        rectification = RectificationTable(
            workflow_id="rectification-test-1",
            affilie_id=identifiant(pop.affilie),
            type_document="ris",
            annee_document=2026,
            periode_debut=DEBUT,
            periode_fin=FIN,
            motif="Contrat à l'hôpital mal repris",
            employeur_periode_siret=pop.autre_employeur.siret,
            employeur_periode_id=pop.autre_employeur.id,
            employeur_actuel_id=pop.employeur.id,
            routage="employeur_precedent",
            etat="transmission_ancien_employeur",
            en_attente_de="employeur",
            creee_le=maintenant,
            modifiee_le=maintenant,
        )
        session.add(rectification)
        await session.flush()
        ids = []
        for type, employeur in (
            ("transmission_donnees_rectification", pop.autre_employeur),
            ("obtention_donnees_rectification", pop.employeur),
        ):
            tache = await inserer_tache(
                session,
                f"rectification-test-1:{type}",
                type,
                rectification.workflow_id,
                employeur.id,
                pop.affilie.id,
                echeance=maintenant + timedelta(days=10),
                creee_le=maintenant,
                details={"rectification_id": rectification.id, "reclamation_eig": False},
            )
            ids.append(identifiant(tache))
    return Taches(*ids)


async def _nombre_de_lignes(service: Service) -> int:
    async with service.sessions() as session:
        requete = select(LigneCirTable).where(LigneCirTable.affilie_id == service.pop.affilie.id)
        return len((await session.exec(requete)).all())


async def test_l_ancien_employeur_ne_voit_que_la_periode_contestee(service: Service):
    taches = await _rectification_en_cours(service)
    nir = service.pop.affilie.nir
    drh = await service.http("drh")
    reponse = await drh.get(f"/taches/{taches.ancien}")
    assert reponse.status_code == 200
    tache = reponse.json()
    assert tache["perimetre"] == "periode_contestee"
    assert tache["periode_contestee"] == {"debut": "1993-01-01", "fin": "1993-12-31"}
    assert [(ligne["date_debut"], ligne["date_fin"]) for ligne in tache["agent"]["cir"]] == [
        ("1993-01-01", "1993-06-30")
    ]
    assert "nir" not in tache["agent"] and nir not in reponse.text
    assert tache["agent"]["nom"] == "Martin" and tache["agent"]["date_de_naissance"] == "1968-04-02"

    page = await navigateur(service, "drh")
    vue = await page.get(f"/taches/{taches.ancien}")
    assert vue.status_code == 200
    assert "Période contestée par l'agent" in vue.text and "vous voyez et corrigez cette seule période" in vue.text
    assert nir not in vue.text and "/cir/" not in vue.text
    assert "30 juin 1993" in vue.text and "2005" not in vue.text
    # Its CIR page and route show the lines it declared, never the rest of the career.
    cir_page = await page.get(f"/cir/{nir}")
    assert cir_page.status_code == 200 and "30 juin 1993" in cir_page.text and "2005" not in cir_page.text
    lignes = (await drh.get(f"/affilies/{nir}/cir")).json()
    assert [(ligne["date_debut"], ligne["date_fin"]) for ligne in lignes] == [("1993-01-01", "1993-06-30")]


async def test_l_ancien_employeur_ne_corrige_rien_hors_de_la_periode(service: Service):
    taches = await _rectification_en_cours(service)
    avant = await _nombre_de_lignes(service)
    drh = await service.http("drh")
    hors_periode = {"date_debut": "2005-01-01", "date_fin": "2005-12-31", "quotite": 50}
    debordante = {"date_debut": "1993-07-01", "date_fin": "1993-12-31"}
    for corrections in ([hors_periode], [debordante, hors_periode]):
        reponse = await drh.post(
            f"/taches/{taches.ancien}/completion", json={"carriere_verifiee": True, "corrections": corrections}
        )
        assert reponse.status_code == 422, reponse.text
        [erreur] = reponse.json()["erreurs"]
        assert erreur["regle"] == "periode_contestee" and erreur["champ"].startswith("corrections.")
        assert "sort de la période contestée par l'agent (du 01/01/1993 au 31/12/1993)" in reponse.json()["detail"]
        assert "Un ancien employeur ne corrige que cette période" in reponse.json()["detail"]

    page = await navigateur(service, "drh")
    await page.get(f"/taches/{taches.ancien}")
    refus = await page.post(
        f"/taches/{taches.ancien}",
        {"carriere_verifiee": "oui", "date_debut": "2005-01-01", "date_fin": "2005-12-31", "quotite": "50"},
    )
    assert refus.status_code == 422
    assert '<p id="date_fin-erreur" class="fr-error-text">la période du 01/01/2005' in refus.text
    assert await _nombre_de_lignes(service) == avant

    # Within the period, the answer goes on to the process (the engine, out of reach here).
    dans_la_periode = {"carriere_verifiee": True, "corrections": [debordante]}
    assert (await drh.post(f"/taches/{taches.ancien}/completion", json=dans_la_periode)).status_code == 503


async def test_l_employeur_actuel_et_le_superviseur_voient_toute_la_carriere(service: Service):
    taches = await _rectification_en_cours(service)
    toutes = await _nombre_de_lignes(service)
    nir = service.pop.affilie.nir
    rh = await service.http("rh-commune")
    tache = (await rh.get(f"/taches/{taches.actuel}")).json()
    assert tache["perimetre"] == "carriere" and tache["agent"]["nir"] == nir
    assert len(tache["agent"]["cir"]) == toutes
    assert tache["periode_contestee"] == {"debut": "1993-01-01", "fin": "1993-12-31"}
    page = await navigateur(service, "rh-commune")
    vue = await page.get(f"/taches/{taches.actuel}")
    assert f'href="/cir/{nir}"' in vue.text and "2005" in vue.text
    assert "vous voyez et corrigez cette seule période" not in vue.text
    # Its answer is not bound to the disputed period.
    reponse = await rh.post(
        f"/taches/{taches.actuel}/completion",
        json={"carriere_verifiee": True, "corrections": [{"date_debut": "2005-01-01", "date_fin": "2005-12-31"}]},
    )
    assert reponse.status_code == 503

    superviseur = await service.http("superviseur")
    for tache_id in (taches.ancien, taches.actuel):
        vue_superviseur = (await superviseur.get(f"/taches/{tache_id}")).json()
        assert vue_superviseur["perimetre"] == "carriere" and vue_superviseur["agent"]["nir"] == nir
        assert len(vue_superviseur["agent"]["cir"]) == toutes
