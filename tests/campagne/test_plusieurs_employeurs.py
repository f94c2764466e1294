"""Several employers, on Temporal's time-skipping server with the real activities: each employer of the agent in the
reference year (from the CIR) gets its own task and lists the agent in its mail; the « up to date » test asks each
one (a line of that employer with its index); an agent who changed employer between the selection (July N) and the
documents (autumn N+1) is the new employer's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from persistence.db import transaction
from persistence.models import Affilie, Document, LigneCirTable
from persistence.models_campagne import CibleCampagne
from services import campagnes
from tests.support.attente import attendre
from tests.support.campagne import (
    avancer_jusqua,
    campagne_et_worker,
    taches_de_campagne,
)
from tests.support.environnement import settings_de_test, texte
from workflows.campagne_client import demande_campagne, demarrer_campagne


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, url_base):
    settings = settings_de_test(tmp_path, url_base, boite_mail.port, campagne_taille_lot_employeurs=2)
    async with campagne_et_worker(env_temps_accelere, settings) as (sessions, pop):
        yield env_temps_accelere, settings, sessions, boite_mail, pop


def _ligne(affilie_id: int | None, employeur_id: int | None, debut: date, fin: date, indice: int | None):
    assert affilie_id is not None
    return LigneCirTable(
        affilie_id=affilie_id,
        employeur_id=employeur_id,
        annee=debut.year,
        date_debut=debut,
        date_fin=fin,
        indice_majore=indice,
        modifiee_le=datetime.now(UTC),
    )


async def test_chaque_employeur_de_l_annee_de_reference_a_sa_tache(banc):
    env, settings, sessions, boite, pop = banc
    annee_cir = pop.annee - 1
    commune, hopital = pop.employeurs["commune"], pop.employeurs["hopital"]
    alice, bruno = pop.agents["alice"], pop.agents["bruno"]
    async with transaction(sessions) as session:
        # Alice worked at the hospital until March, then at the commune: neither has set its index for the year.
        session.add(_ligne(alice.id, hopital.id, date(annee_cir, 1, 1), date(annee_cir, 3, 31), None))
        session.add(_ligne(alice.id, commune.id, date(annee_cir, 4, 1), date(annee_cir, 12, 31), None))
        # Bruno too; the commune has set its index, the hospital has not: he is not up to date for the hospital.
        ligne_commune = (
            await session.exec(
                select(LigneCirTable).where(LigneCirTable.affilie_id == bruno.id, LigneCirTable.annee == annee_cir)
            )
        ).one()
        ligne_commune.date_debut = date(annee_cir, 4, 1)
        session.add(ligne_commune)
        session.add(_ligne(bruno.id, hopital.id, date(annee_cir, 1, 1), date(annee_cir, 3, 31), None))

    demande = demande_campagne(settings, pop.annee)
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)
    await avancer_jusqua(env, demande.calendrier.lancement + timedelta(hours=1))
    await attendre(lambda: len(boite.pour(hopital.email)) == 1 and len(boite.pour(commune.email)) == 1)

    taches = await taches_de_campagne(sessions)
    par_agent: dict[int | None, set[int | None]] = {}
    for tache in taches:
        par_agent.setdefault(tache.affilie_id, set()).add(tache.employeur_id)
    assert par_agent[alice.id] == {commune.id, hopital.id}  # two employers in the year: two tasks
    assert par_agent[bruno.id] == {hopital.id}  # the commune's line is up to date, the hospital's is not
    # Each employer's mail lists the agent with its own task.
    for employeur, agents in ((hopital, (alice, bruno)), (commune, (alice,))):
        (mail,) = boite.pour(employeur.email)
        for agent in agents:
            assert f"{agent.prenom} {agent.nom}" in texte(mail)
            (tache,) = [t for t in taches if t.affilie_id == agent.id and t.employeur_id == employeur.id]
            assert f"tâche n° {tache.id}" in texte(mail)
    assert f"{bruno.prenom} {bruno.nom}" not in texte(boite.pour(commune.email)[0])
    # The hospital, a former employer of Bruno, sees him in its campaign page with its task.
    async with sessions() as session:
        _, _, agents = await campagnes.de_l_employeur(session, hopital.id, str(pop.annee))
    assert {(a["nom"], a["tache_etat"]) for a in agents} >= {(bruno.nom, "ouverte"), (alice.nom, "ouverte")}
    await handle.terminate()


async def test_un_changement_d_employeur_apres_la_selection_va_au_nouvel_employeur(banc):
    env, settings, sessions, boite, pop = banc
    commune, sdis = pop.employeurs["commune"], pop.employeurs["sdis"]
    chloe = pop.agents["chloe"]
    demande = demande_campagne(settings, pop.annee)
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)
    await avancer_jusqua(env, demande.calendrier.lancement + timedelta(hours=1))

    async def selectionnee() -> bool:
        async with sessions() as session:
            cible = (await session.exec(select(CibleCampagne).where(CibleCampagne.affilie_id == chloe.id))).first()
        return cible is not None and cible.employeur_id == sdis.id

    await attendre(selectionnee)
    # In the spring of N+1 Chloé moves from the SDIS to the commune.
    async with transaction(sessions) as session:
        agent = await session.get(Affilie, chloe.id)
        assert agent is not None
        agent.employeur_id = commune.id
        session.add(agent)

    await handle.result()
    async with sessions() as session:
        cible = (await session.exec(select(CibleCampagne).where(CibleCampagne.affilie_id == chloe.id))).one()
        documents = (await session.exec(select(Document).where(Document.affilie_id == chloe.id))).all()
        _, _, de_la_commune = await campagnes.de_l_employeur(session, commune.id, str(pop.annee))
        _, _, du_sdis = await campagnes.de_l_employeur(session, sdis.id, str(pop.annee))
    assert cible.employeur_id == commune.id and cible.etat == "document_annonce"
    assert len(documents) == 1 and documents[0].id == cible.document_id
    assert chloe.nom in {a["nom"] for a in de_la_commune}
    assert chloe.nom not in {a["nom"] for a in du_sdis}
    (mail,) = boite.pour(chloe.email)
    assert f"document n° {cible.document_id}" in texte(mail)
