"""Property (issue 22): whatever the sequence of CIR writes and whatever their entry — PUT, a correction naming the
line it replaces, DELETE, a campaign task's corrections (HTTP), a process task's corrections written as its
activity does — no agent ever has two overlapping lines or a line out of its bounds, and every refusal is a French
4xx naming the field and the rule. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from api.pages.libelles import champ_fr
from domain.cir import LigneCir
from domain.erreurs import Refus
from domain.etats import TypeTache
from domain.taches import ReponseTache
from persistence import depots
from persistence.db import transaction
from persistence.fabrique import creer_affilie
from persistence.models import Affilie, Tache
from tests.support.cir import infractions_du_cir, ouvrir_tache
from tests.support.environnement import settings_de_test
from tests.support.service import Service, assembler

NAISSANCE = date(1968, 4, 2)  # admitted to work from 02/04/1984
AUJOURD_HUI = date.today()
ANNEES = [1800, 1983, 1984, 1985, 2020, 2021, AUJOURD_HUI.year - 1, AUJOURD_HUI.year, 2090]
ACCENTS = set("àâçéèêëîïôûùÀÉ«»")
_numeros = itertools.count(100)
_CLIENTS: dict[int, dict] = {}


@pytest.fixture
async def service(tmp_path, url_base):
    settings_ = settings_de_test(tmp_path, url_base, 1, temporal_address="127.0.0.1:1")
    async with AsyncExitStack() as pile:
        yield await assembler(settings_, pile)


@st.composite
def periodes(draw) -> dict:
    """Mostly periods that fit the agent's career (so that writes succeed and later ones meet them), now and then
    one that breaks a rule (1800, 2090, before 16, across two years, backwards, quotité or indice out of bounds)."""
    bornes = draw(st.integers(0, 4)) == 0
    annee = draw(st.sampled_from(ANNEES if bornes else [2020, 2021, AUJOURD_HUI.year - 1]))
    debut = date(annee, draw(st.integers(1, 12)), draw(st.integers(1, 28)))
    reste = (date(annee, 12, 31) - debut).days
    fin = date.fromordinal(debut.toordinal() + draw(st.integers(0, reste)))
    if bornes and draw(st.booleans()):
        fin = date(annee + draw(st.sampled_from([-1, 1])), fin.month, fin.day)
    ligne = {"date_debut": debut.isoformat(), "date_fin": fin.isoformat()}
    if draw(st.booleans()):
        ligne["quotite"] = draw(st.sampled_from([0, 101] if bornes else [50, 80, 100]))
    if draw(st.booleans()):
        ligne["indice_majore"] = draw(st.sampled_from([99, 1501] if bornes else [350, 612, 1500]))
    return ligne


operations = st.one_of(
    st.tuples(st.just("put"), periodes(), st.sampled_from(["rh-commune", "superviseur"])),
    st.tuples(st.just("corriger"), periodes(), st.integers(0, 20)),
    st.tuples(st.just("supprimer"), st.integers(0, 20), st.booleans()),
    st.tuples(st.just("campagne"), st.lists(periodes(), min_size=1, max_size=2), st.integers(0, 20)),
    st.tuples(st.just("processus"), st.lists(periodes(), min_size=1, max_size=2), st.integers(0, 20)),
)


def _refus_francais_nommant_la_regle(reponse) -> None:
    assert 400 <= reponse.status_code < 500, reponse.text
    corps = reponse.json()
    assert any(c in ACCENTS for c in corps["detail"]), corps  # a sentence in French, not a code
    if reponse.status_code in (403, 409, 422):
        assert corps["erreurs"], corps
        for erreur in corps["erreurs"]:
            assert erreur["champ"] and erreur["regle"] and erreur["message"], corps
            # the sentence names the field by its label, never by its code
            assert champ_fr(erreur["champ"]) in corps["detail"] or erreur["champ"] == "corps", corps


async def _nouvel_agent(service: Service) -> Affilie:
    async with transaction(service.sessions) as session:
        return await creer_affilie(
            session,
            nom="Propriete",
            prenom="Agent",
            naissance=NAISSANCE,
            email="agent.propriete@exemple.fr",
            employeur=service.pop.employeur,
            debut_carriere=date(AUJOURD_HUI.year - 1, 1, 1),  # one full-year line; 2020 and 2021 free
            ordre=next(_numeros),
        )


async def _debuts(service: Service, affilie: Affilie) -> list[date]:
    async with service.sessions() as session:
        return [ligne.date_debut for ligne in await depots.lignes_cir(session, affilie.id)]  # type: ignore[arg-type]


async def _appliquer(service: Service, clients: dict, affilie: Affilie, operation: tuple) -> None:
    nature, *arguments = operation
    existantes = await _debuts(service, affilie)
    rh = clients["rh-commune"]
    if nature in ("put", "corriger"):
        ligne, qui = arguments
        annee = date.fromisoformat(ligne["date_debut"]).year
        if nature == "corriger" and existantes:
            ligne = {**ligne, "remplace": existantes[qui % len(existantes)].isoformat(), "motif": "correction"}
            client = rh
        else:
            client = clients[qui] if isinstance(qui, str) else rh
        reponse = await client.put(f"/affilies/{affilie.nir}/cir/{annee}", json=ligne)
        event(f"{nature} → {reponse.status_code}")
        if reponse.status_code == 200:
            assert date.fromisoformat(ligne["date_debut"]) in await _debuts(service, affilie)
            if "remplace" in ligne and ligne["remplace"] != ligne["date_debut"]:
                assert date.fromisoformat(ligne["remplace"]) not in await _debuts(service, affilie)
        else:
            _refus_francais_nommant_la_regle(reponse)
    elif nature == "supprimer":
        qui, avec_motif = arguments
        debut = existantes[qui % len(existantes)] if existantes and qui < 15 else date(2021, 7, 14)
        reponse = await rh.delete(
            f"/affilies/{affilie.nir}/cir/{debut.year}/{debut.isoformat()}",
            params={"motif": "doublon"} if avec_motif else {},
        )
        event(f"supprimer → {reponse.status_code}")
        if reponse.status_code == 204:
            assert debut not in await _debuts(service, affilie)
        else:
            _refus_francais_nommant_la_regle(reponse)
    elif nature == "campagne":
        lignes, qui = arguments
        if existantes and qui < 10:
            lignes = [{**lignes[0], "remplace": existantes[qui % len(existantes)].isoformat()}, *lignes[1:]]
        tache_id = await ouvrir_tache(
            service.sessions, affilie, service.pop.employeur.id, TypeTache.maj_cir_campagne, "campagne-dai-2026"
        )
        reponse = await rh.post(
            f"/taches/{tache_id}/completion", json={"carriere_verifiee": True, "corrections": lignes}
        )
        event(f"campagne → {reponse.status_code}")
        if reponse.status_code != 200:
            _refus_francais_nommant_la_regle(reponse)
    else:  # a process task's corrections, written as the activity writes them
        lignes, qui = arguments
        if existantes and qui < 10:
            lignes = [{**lignes[0], "remplace": existantes[qui % len(existantes)].isoformat()}, *lignes[1:]]
        try:
            corrections = [LigneCir.model_validate(ligne) for ligne in lignes]
        except ValueError:
            event("processus → modèle refusé")
            return  # refused by the completion's body already (a 422 of the model, tested through HTTP above)
        tache_id = await ouvrir_tache(
            service.sessions, affilie, service.pop.employeur.id, TypeTache.consolidation_eir, f"eir-{affilie.cle}-1"
        )
        reponse = ReponseTache(tache_id=tache_id, compte_id=0, carriere_verifiee=True, corrections=corrections)
        try:
            async with transaction(service.sessions) as session:
                tache = await session.get(Tache, tache_id)
                assert tache is not None
                await depots.terminer_tache(session, tache, reponse, datetime.now(UTC))
            event("processus → écrite")
        except Refus as refus:
            event("processus → refusée")
            assert refus.erreurs and all(e.champ.startswith("corrections.") and e.regle for e in refus.erreurs)
            assert any(c in ACCENTS for c in refus.message)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suite=st.lists(operations, min_size=1, max_size=8))
async def test_aucune_suite_d_ecritures_ne_casse_le_cir(service: Service, suite: list[tuple]):
    if id(service) not in _CLIENTS:  # one login per account for all the examples
        _CLIENTS[id(service)] = {c: await service.http(c) for c in ("rh-commune", "superviseur")}
    clients = _CLIENTS[id(service)]
    affilie = await _nouvel_agent(service)
    for operation in suite:
        await _appliquer(service, clients, affilie, operation)
        assert await infractions_du_cir(service.sessions) == [], operation
