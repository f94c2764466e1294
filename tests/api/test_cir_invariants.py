"""The CIR's invariants at every entry (issue 22): a line for 1800 or 2090 and a period over another one are
refused at the PUT, on the page and in a task's corrections, with a French 4xx naming the field and the rule; the
employer of a period corrects it (``remplace``) or deletes it (``DELETE …?motif=``), each change in the CIR's
history with who and why."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, date, datetime

import pytest

from domain.cir import LigneCir
from domain.erreurs import Refus
from domain.etats import TypeTache
from domain.taches import ReponseTache
from persistence import depots
from persistence.db import transaction
from persistence.models import Tache
from tests.support.cir import declaree_par, infractions_du_cir, ouvrir_tache
from tests.support.environnement import settings_de_test
from tests.support.navigateur import navigateur
from tests.support.service import Service, assembler

ANNEE_PLEINE_2025 = {"date_debut": "2025-01-01", "date_fin": "2025-12-31", "quotite": 100, "indice_majore": 560}
FIN_2025 = {"date_debut": "2025-09-01", "date_fin": "2025-12-31", "quotite": 100, "indice_majore": 580}


@pytest.fixture
async def service(tmp_path, url_base):
    # Temporal is deliberately unreachable: a refused completion never reaches the process.
    settings = settings_de_test(tmp_path, url_base, 1, temporal_address="127.0.0.1:1")
    async with AsyncExitStack() as pile:
        yield await assembler(settings, pile)


async def _cir(client, nir: str, annee: int) -> list[dict]:
    return [ligne for ligne in (await client.get(f"/affilies/{nir}/cir")).json() if ligne["annee"] == annee]


async def _historique(service: Service) -> list:
    async with service.sessions() as session:
        return list(await depots.historique(session, f"cir-{service.pop.affilie.cle}"))


def _regles(reponse) -> set[str]:
    return {e["regle"] for e in reponse.json().get("erreurs", [])}


async def test_1800_et_2090_refuses_au_put_en_nommant_la_regle(service: Service):
    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    ancienne = await rh.put(f"/affilies/{nir}/cir/1800", json={"date_debut": "1800-01-01", "date_fin": "1800-12-31"})
    assert ancienne.status_code == 422
    assert _regles(ancienne) == {"age_minimum_travail"}
    assert "âge minimum d'admission au travail (16 ans : code du travail, art. L4153-1)" in ancienne.json()["detail"]
    future = await rh.put(f"/affilies/{nir}/cir/2090", json={"date_debut": "2090-01-01", "date_fin": "2090-12-31"})
    assert future.status_code == 422 and _regles(future) == {"periode_future"}
    assert future.json()["detail"].startswith("Dernier jour : la période se termine le 31/12/2090, après aujourd'hui")
    assert await _cir(rh, nir, 1800) == [] and await _cir(rh, nir, 2090) == []


async def test_periode_sur_une_annee_pleine_refusee_puis_acceptee_en_correction(service: Service):
    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    assert [(ligne["date_debut"], ligne["date_fin"]) for ligne in await _cir(rh, nir, 2025)] == [
        ("2025-01-01", "2025-12-31")
    ]
    dessus = await rh.put(f"/affilies/{nir}/cir/2025", json=FIN_2025)
    assert dessus.status_code == 422 and _regles(dessus) == {"chevauchement"}
    assert "chevauche celle du 01/01/2025 au 31/12/2025" in dessus.json()["detail"]
    correction = await rh.put(
        f"/affilies/{nir}/cir/2025", json={**FIN_2025, "remplace": "2025-01-01", "motif": "entrée au 1er septembre"}
    )
    assert correction.status_code == 200, correction.text
    assert [(ligne["date_debut"], ligne["indice_majore"]) for ligne in await _cir(rh, nir, 2025)] == [
        ("2025-09-01", 580)
    ]
    dernier = (await _historique(service))[-1]
    assert dernier.type == "ligne_cir_remplacee" and dernier.acteur == "employeur"
    assert dernier.details["motif"] == "entrée au 1er septembre"
    assert dernier.details["avant"][0]["date_debut"] == "2025-01-01"
    assert dernier.details["apres"]["date_debut"] == "2025-09-01"
    assert await infractions_du_cir(service.sessions) == []


async def test_la_meme_ligne_renvoyee_repond_409(service: Service):
    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    ligne = {**ANNEE_PLEINE_2025, "indice_majore": 570}
    assert (await rh.put(f"/affilies/{nir}/cir/2025", json=ligne)).status_code == 200
    encore = await rh.put(f"/affilies/{nir}/cir/2025", json=ligne)
    assert encore.status_code == 409 and _regles(encore) == {"deja_enregistree"}
    assert "déjà au CIR, à l'identique" in encore.json()["detail"]


async def test_suppression_par_l_employeur_avec_motif_dans_l_historique(service: Service):
    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    sans_motif = await rh.delete(f"/affilies/{nir}/cir/2024/2024-01-01")
    assert sans_motif.status_code == 422 and _regles(sans_motif) == {"obligatoire"}
    assert sans_motif.json()["detail"].startswith("Motif : indiquez pourquoi vous supprimez cette période")
    absente = await rh.delete(f"/affilies/{nir}/cir/2024/2024-02-01", params={"motif": "doublon"})
    assert absente.status_code == 404 and "Aucune période du CIR" in absente.json()["detail"]
    supprimee = await rh.delete(f"/affilies/{nir}/cir/2024/2024-01-01", params={"motif": "période déclarée en double"})
    assert supprimee.status_code == 204
    assert await _cir(rh, nir, 2024) == []
    dernier = (await _historique(service))[-1]
    assert dernier.type == "ligne_cir_supprimee" and dernier.compte_id is not None
    assert dernier.details["motif"] == "période déclarée en double"
    assert dernier.details["avant"][0]["date_fin"] == "2024-12-31"
    again = await rh.delete(f"/affilies/{nir}/cir/2024/2024-01-01", params={"motif": "doublon"})
    assert again.status_code == 404


async def test_seul_l_employeur_de_la_periode_ou_un_superviseur_la_corrige(service: Service):
    rh = await service.http("rh-commune")
    superviseur = await service.http("superviseur")
    nir = service.pop.affilie.nir
    # the 2010 period was declared by another employer (the agent's previous one)
    await declaree_par(service.sessions, service.pop.affilie, 2010, service.pop.autre_employeur)
    page = await (await navigateur(service, "rh-commune")).get(f"/cir/{nir}", params={"annee": 2010})
    assert "Période déclarée par un autre employeur" in page.text and "/2010-01-01/suppression" not in page.text
    interdite = await rh.delete(f"/affilies/{nir}/cir/2010/2010-01-01", params={"motif": "erreur"})
    assert interdite.status_code == 403 and _regles(interdite) == {"employeur_de_la_periode"}
    assert "seul l'employeur de la période ou la CNRACL" in interdite.json()["detail"]
    corrigee = await rh.put(f"/affilies/{nir}/cir/2010", json={"date_debut": "2010-01-01", "date_fin": "2010-06-30"})
    assert corrigee.status_code == 403
    # the previous employer reaches only the lines it declared (tests/api/test_cir_ancien_employeur.py)
    drh = await service.http("drh")
    assert (await drh.delete(f"/affilies/{nir}/cir/2011/2011-01-01", params={"motif": "x"})).status_code == 404
    assert (
        await superviseur.delete(f"/affilies/{nir}/cir/2010/2010-01-01", params={"motif": "erreur"})
    ).status_code == 204
    evenement = (await _historique(service))[-1]
    assert evenement.acteur == "superviseur" and evenement.type == "ligne_cir_supprimee"


async def test_corrections_d_une_tache_refusees_avant_le_processus(service: Service):
    """1800, 2090 and a period over the full year 2025 in a task's corrections: 422 naming the line and the rule,
    before the process is asked (the engine is unreachable here: a 503 would show the corrections reached it)."""
    rh = await service.http("rh-commune")
    tache_id = await ouvrir_tache(
        service.sessions,
        service.pop.affilie,
        service.pop.employeur.id,
        TypeTache.verification_carriere_eir,
        f"eir-{service.pop.affilie.cle}-1",
    )
    corps = {"carriere_verifiee": True, "indice_fin_de_carriere": 612}
    for corrections, regle, champ in (
        ([{"date_debut": "1800-01-01", "date_fin": "1800-12-31"}], "age_minimum_travail", "corrections.0.date_debut"),
        ([{"date_debut": "2090-01-01", "date_fin": "2090-12-31"}], "periode_future", "corrections.0.date_fin"),
        ([ANNEE_PLEINE_2025, FIN_2025], "chevauchement", "corrections.1.date_debut"),
    ):
        reponse = await rh.post(f"/taches/{tache_id}/completion", json={**corps, "corrections": corrections})
        assert reponse.status_code == 422, reponse.text
        assert [(e["champ"], e["regle"]) for e in reponse.json()["erreurs"]] == [(champ, regle)]
    async with service.sessions() as session:
        tache = await session.get(Tache, tache_id)
        assert tache is not None and tache.etat == "ouverte"


async def test_le_processus_n_ecrit_pas_une_correction_devenue_invalide(service: Service):
    """The activity's write checks again, under the agent's lock: corrections that became invalid after the
    completion was accepted (or sent by another path) are refused, nothing written."""
    tache_id = await ouvrir_tache(
        service.sessions,
        service.pop.affilie,
        service.pop.employeur.id,
        TypeTache.verification_carriere_eir,
        f"eir-{service.pop.affilie.cle}-1",
    )
    reponse = ReponseTache(
        tache_id=tache_id,
        compte_id=0,
        carriere_verifiee=True,
        indice_fin_de_carriere=612,
        corrections=[LigneCir(date_debut=date(2025, 9, 1), date_fin=date(2025, 12, 31))],
    )
    with pytest.raises(Refus) as exc:
        async with transaction(service.sessions) as session:
            tache = await session.get(Tache, tache_id)
            assert tache is not None
            await depots.terminer_tache(session, tache, reponse, datetime.now(UTC))
    assert [e.regle for e in exc.value.erreurs] == ["chevauchement"]
    corrigee = reponse.model_copy(
        update={
            "corrections": [
                LigneCir(date_debut=date(2025, 9, 1), date_fin=date(2025, 12, 31), remplace=date(2025, 1, 1))
            ]
        }
    )
    async with transaction(service.sessions) as session:
        tache = await session.get(Tache, tache_id)
        assert tache is not None
        assert await depots.terminer_tache(session, tache, corrigee, datetime.now(UTC))
    assert await infractions_du_cir(service.sessions) == []
    dernier = (await _historique(service))[-1]
    assert dernier.type == "ligne_cir_remplacee" and dernier.details["tache_id"] == tache_id


async def test_correction_d_une_tache_de_campagne_ecrite_et_controlee(service: Service):
    rh = await service.http("rh-commune")
    nir = service.pop.affilie.nir
    tache_id = await ouvrir_tache(
        service.sessions, service.pop.affilie, service.pop.employeur.id, TypeTache.maj_cir_campagne, "campagne-dai-2026"
    )
    refusee = await rh.post(
        f"/taches/{tache_id}/completion", json={"carriere_verifiee": True, "corrections": [FIN_2025]}
    )
    assert refusee.status_code == 422 and _regles(refusee) == {"chevauchement"}
    # Written alone, the last four months leave the reference year (2025) uncovered: refused, saying what is missing.
    trouee = await rh.post(
        f"/taches/{tache_id}/completion",
        json={"carriere_verifiee": True, "corrections": [{**FIN_2025, "remplace": "2025-01-01"}]},
    )
    assert trouee.status_code == 422, trouee.text
    assert "il manque" in trouee.json()["detail"] and "du 1er janvier 2025 au 31 août 2025" in trouee.json()["detail"]
    assert [ligne["date_debut"] for ligne in await _cir(rh, nir, 2025)] == ["2025-01-01"]  # nothing written
    debut_2025 = {**FIN_2025, "date_debut": "2025-01-01", "date_fin": "2025-08-31"}
    acceptee = await rh.post(
        f"/taches/{tache_id}/completion", json={"carriere_verifiee": True, "corrections": [debut_2025, FIN_2025]}
    )
    assert acceptee.status_code == 200, acceptee.text
    assert [ligne["date_debut"] for ligne in await _cir(rh, nir, 2025)] == ["2025-01-01", "2025-09-01"]


async def test_page_corriger_puis_supprimer_avec_confirmation(service: Service):
    rh = await navigateur(service, "rh-commune")
    nir = service.pop.affilie.nir
    page = await rh.get(f"/cir/{nir}", params={"annee": 2025})
    assert "Corriger la période" in page.text and "Supprimer la période" in page.text
    formulaire = {"date_fin": "2025-12-31", "quotite": "100", "nature": "titulaire", "categorie": "sedentaire"}
    # a new period over the full year: refused on the page, named
    refus = await rh.post(f"/cir/{nir}/2025", {**formulaire, "date_debut": "2025-09-01"})
    assert refus.status_code == 422 and "chevauche celle du 01/01/2025 au 31/12/2025" in refus.text
    # « Corriger la période » with a new first day: the period shown is replaced
    corrigee = await rh.post(
        f"/cir/{nir}/2025", {**formulaire, "date_debut": "2025-09-01", "remplace": "2025-01-01", "motif": "entrée"}
    )
    assert corrigee.status_code == 303, corrigee.text
    # « Supprimer la période »: a confirmation page, the reason required
    confirmation = await rh.get(f"/cir/{nir}/2025/2025-09-01/suppression")
    assert confirmation.status_code == 200 and "Confirmer la suppression" in confirmation.text
    sans_motif = await rh.post(f"/cir/{nir}/2025/2025-09-01/suppression", {"motif": ""})
    assert sans_motif.status_code == 422 and "indiquez pourquoi vous supprimez cette période" in sans_motif.text
    supprimee = await rh.post(f"/cir/{nir}/2025/2025-09-01/suppression", {"motif": "doublon"})
    assert supprimee.status_code == 303
    page = await rh.get(supprimee.headers["location"])
    assert "La période est supprimée" in page.text and "Aucune période en 2025" in page.text


async def test_formulaire_de_tache_correction_sur_l_annee_pleine_refusee_sur_le_champ(service: Service):
    """The task form's « Correction d'une période »: 1 Sep–31 Dec 2025 over the full year 2025 is refused on the
    page, on the field, before the process is asked."""
    rh = await navigateur(service, "rh-commune")
    tache_id = await ouvrir_tache(
        service.sessions,
        service.pop.affilie,
        service.pop.employeur.id,
        TypeTache.verification_carriere_eir,
        f"eir-{service.pop.affilie.cle}-1",
    )
    assert (await rh.get(f"/taches/{tache_id}")).status_code == 200
    reponse = await rh.post(
        f"/taches/{tache_id}",
        {
            "carriere_verifiee": "oui",
            "indice_fin_de_carriere": "612",
            "date_debut": "2025-09-01",
            "date_fin": "2025-12-31",
            "quotite": "100",
            "nature": "titulaire",
            "categorie": "sedentaire",
        },
    )
    assert reponse.status_code == 422
    assert "chevauche celle du 01/01/2025 au 31/12/2025" in reponse.text and "fr-input--error" in reponse.text
