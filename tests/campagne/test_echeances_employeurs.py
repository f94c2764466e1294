"""The employers' deadlines on Temporal's time-skipping server (issue 24, §8): a manager extends the hospital's
deadline; at the campaign's cut-off the commune is late and its task closed, the hospital is neither; the hospital
gets its own reminder before its own date (held while the campaign is suspended) and is closed at it; each late
employer gets one reminder after its deadline, before the transmission."""

from __future__ import annotations

import contextlib
from datetime import datetime, time, timedelta

import pytest
from temporalio.api.enums.v1 import EventType

from domain.campagne import PARIS, decaler
from domain.campagne_echeances import id_workflow_delai
from notifications.rendu import date_fr
from persistence import depots, depots_campagne
from persistence.comptes import creer_compte, hacher
from persistence.db import creer_moteur, fabrique_sessions, transaction
from services import campagnes
from services.campagne_echeances import Prolongation, prolonger_delai
from services.moteur import Moteur
from tests.support.attente import attendre, au_repos
from tests.support.campagne import annee_de_campagne, avancer_jusqua, population_campagne, taches_de_campagne
from tests.support.environnement import settings_de_test, texte
from tests.support.fabriques import SUPERVISEURS
from worker import creer_worker
from workflows.campagne_client import demande_campagne, demarrer_campagne


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, url_sqlite):
    env = env_temps_accelere
    settings = settings_de_test(
        tmp_path, url_sqlite, boite_mail.port, temporal_address=env.client.service_client.config.target_host
    )
    moteur = creer_moteur(url_sqlite)
    sessions = fabrique_sessions(moteur)
    pop = await population_campagne(sessions, await annee_de_campagne(env), avec_eig=False)
    async with transaction(sessions) as session:
        superviseur = await creer_compte(
            session, role="superviseur", identifiant="superviseur", code_hash=hacher("code-de-test-123")
        )
    try:
        async with creer_worker(env.client, settings, sessions):
            yield env, settings, sessions, boite_mail, pop, superviseur
    finally:
        await moteur.dispose()


async def _etats(sessions) -> dict[int | None, str]:
    return {t.employeur_id: t.etat for t in await taches_de_campagne(sessions)}


async def test_delai_prolonge_rappel_propre_cloture_et_relance_unique(banc):
    env, settings, sessions, boite, pop, superviseur = banc
    annee = pop.annee
    commune, hopital = pop.employeurs["commune"], pop.employeurs["hopital"]
    demande = demande_campagne(settings, annee)
    cal = demande.calendrier
    assert cal.relance_retardataires is not None
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)
    try:
        await avancer_jusqua(env, cal.lancement + timedelta(hours=1))
        await attendre(lambda: len(boite.messages) == 2)  # one task each: the commune's and the hospital's

        # The manager gives the hospital ten more days: its own date, at 08:00 in Paris like the campaign's.
        jour = cal.date_limite.astimezone(PARIS).date() + timedelta(days=10)
        async with sessions() as session:
            delai = await prolonger_delai(
                session,
                Moteur(settings),
                superviseur,
                annee,
                hopital.id,
                Prolongation(date_limite=jour, motif="Fusion des services des ressources humaines"),
            )
        assert delai.date_limite == datetime.combine(jour, time(8, 0), tzinfo=PARIS) and delai.taches == 1
        assert delai.rappel == decaler(delai.date_limite, -min(settings.campagne_rappels))
        assert delai.relance is not None and delai.relance < cal.transmission
        echeances = {t.employeur_id: t.echeance for t in await taches_de_campagne(sessions)}
        assert echeances == {commune.id: cal.date_limite, hopital.id: delai.date_limite}

        # The campaign's cut-off: the commune is late and its task closed (kept); the hospital is neither.
        await avancer_jusqua(env, cal.date_limite + timedelta(hours=1))
        await attendre(lambda: len(boite.pour(SUPERVISEURS)) == 1)
        alerte = texte(boite.pour(SUPERVISEURS)[0])
        assert "Saint-Exemple" in alerte and "Lautreville" not in alerte
        assert await _etats(sessions) == {commune.id: "close_date_limite", hopital.id: "ouverte"}

        # The campaign's reminders went to the commune only; the hospital's own reminder, before its own date,
        # names that date.
        assert len(boite.pour(commune.email)) == 1 + len(cal.rappels) and len(boite.pour(hopital.email)) == 1
        assert delai.rappel is not None and cal.date_limite < delai.rappel < delai.date_limite

        # The campaign suspended by a supervisor: the hospital's own reminder, due meanwhile, waits for the
        # resumption (its timer fired, nothing sent), then goes.
        async with sessions() as session:
            assert (await campagnes.suspendre(session, Moteur(settings), superviseur, annee)).en_pause
        await avancer_jusqua(env, delai.rappel + timedelta(hours=1))
        calendrier_hopital = env.client.get_workflow_handle(id_workflow_delai(annee, hopital.id))

        async def rappel_echu() -> bool:
            evenements = [e.event_type async for e in calendrier_hopital.fetch_history_events()]
            return EventType.EVENT_TYPE_TIMER_FIRED in evenements

        await attendre(rappel_echu)
        await au_repos(calendrier_hopital)
        assert len(boite.pour(hopital.email)) == 1
        async with sessions() as session:
            assert not (await campagnes.reprendre(session, Moteur(settings), superviseur, annee)).en_pause
        await attendre(lambda: len(boite.pour(hopital.email)) == 2)
        rappel = boite.pour(hopital.email)[-1]
        assert rappel["Subject"].startswith("Rappel 1 :")
        assert rappel["Subject"].endswith(f"avant le {date_fr(delai.date_limite)}")

        # Its own date: its task is closed in turn.
        await avancer_jusqua(env, delai.date_limite + timedelta(hours=1))

        async def hopital_close() -> bool:
            return (await _etats(sessions))[hopital.id] == "close_date_limite"

        await attendre(hopital_close)

        # After the cut-off the commune gets its one reminder; the hospital waits for its own, after its own date.
        await avancer_jusqua(env, cal.relance_retardataires + timedelta(hours=1))
        await attendre(lambda: len(boite.pour(commune.email)) == 2 + len(cal.rappels))
        relance = boite.pour(commune.email)[-1]
        assert "date limite passée" in relance["Subject"]
        assert "closes à cette date" in texte(relance) and date_fr(cal.transmission) in texte(relance)
        assert len(boite.pour(hopital.email)) == 2
        await avancer_jusqua(env, delai.relance + timedelta(hours=1))
        await attendre(lambda: len(boite.pour(hopital.email)) == 3)
        assert date_fr(delai.date_limite) in texte(boite.pour(hopital.email)[-1])

        # Once each, up to the transmission.
        await avancer_jusqua(env, cal.transmission - timedelta(hours=1))
        assert len(boite.pour(commune.email)) == 2 + len(cal.rappels)
        assert len(boite.pour(hopital.email)) == 3
        async with sessions() as session:
            campagne = await depots_campagne.campagne_par_annee(session, annee)
            assert campagne is not None
            progression = await depots_campagne.progression(session, campagne)
            historique = await depots.historique(session, handle.id)
        assert progression["employeurs"]["relances_apres_limite"] == 2
        assert progression["employeurs"]["delai_prolonge"] == 1 and progression["employeurs"]["en_retard"] == 2
        assert progression["taches"] == {"close_date_limite": 2}
        prolonge = next(e for e in historique if e.type == "delai_employeur_prolonge")
        assert prolonge.acteur == "superviseur" and prolonge.compte_id == superviseur.id
        assert prolonge.details["motif"] == "Fusion des services des ressources humaines"
        assert [e.details.get("employeur_id") for e in historique if e.type == "taches_closes_date_limite"] == [
            None,
            hopital.id,
        ]
    finally:
        await handle.terminate()
        with contextlib.suppress(Exception):  # already ended after its reminder
            await env.client.get_workflow_handle(id_workflow_delai(annee, hopital.id)).terminate()


async def test_un_delai_donne_apres_la_date_limite_rouvre_les_taches_closes(banc):
    env, settings, sessions, boite, pop, superviseur = banc
    annee, commune = pop.annee, pop.employeurs["commune"]
    demande = demande_campagne(settings, annee)
    cal = demande.calendrier
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)
    try:
        await avancer_jusqua(env, cal.date_limite + timedelta(hours=1))
        await attendre(lambda: len(boite.pour(SUPERVISEURS)) == 1)
        assert (await _etats(sessions))[commune.id] == "close_date_limite"

        # Given after the cut-off (before the reminder after it), the extension opens the commune's task again.
        jour = cal.date_limite.astimezone(PARIS).date() + timedelta(days=5)
        async with sessions() as session:
            delai = await prolonger_delai(
                session, Moteur(settings), superviseur, annee, commune.id, Prolongation(date_limite=jour, motif="Panne")
            )
        (tache,) = [t for t in await taches_de_campagne(sessions) if t.employeur_id == commune.id]
        assert (tache.etat, tache.echeance, tache.terminee_le) == ("ouverte", delai.date_limite, None)
        async with sessions() as session:
            campagne = await depots_campagne.campagne_par_annee(session, annee)
            assert campagne is not None
            retard = await depots_campagne.retardataires(session, campagne.id or 0, handle.id)
        assert commune.id not in {e["employeur_id"] for e in retard}

        # Closed again at its own date.
        await avancer_jusqua(env, delai.date_limite + timedelta(hours=1))

        async def close_a_nouveau() -> bool:
            return (await _etats(sessions))[commune.id] == "close_date_limite"

        await attendre(close_a_nouveau)
    finally:
        await handle.terminate()
        with contextlib.suppress(Exception):
            await env.client.get_workflow_handle(id_workflow_delai(annee, commune.id)).terminate()
