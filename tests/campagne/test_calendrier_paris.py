"""The campaign's timers on Temporal's time-skipping server: the cut-off (November, winter time) and a reminder fire
at 08:00 in Paris; after a pause past the legal end of the sending year (31 December N+1) no document goes out, and
the tranches left unsent and the agents they would have reached are counted in the campaign's history."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import func, select

from domain.campagne import PARIS, ActionSuperviseur
from persistence import depots, depots_campagne
from persistence.db import creer_moteur, fabrique_sessions
from persistence.models import Document
from tests.support.attente import attendre
from tests.support.campagne import annee_de_campagne, avancer_jusqua, population_campagne
from tests.support.environnement import settings_de_test
from worker import creer_worker
from workflows.campagne import CampagneDaiWorkflow
from workflows.campagne_client import demande_campagne, demarrer_campagne


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, url_sqlite):
    settings = settings_de_test(tmp_path, url_sqlite, boite_mail.port)
    moteur = creer_moteur(url_sqlite)
    sessions = fabrique_sessions(moteur)
    annee = await annee_de_campagne(env_temps_accelere)
    pop = await population_campagne(sessions, annee, avec_eig=False)
    try:
        async with creer_worker(env_temps_accelere.client, settings, sessions):
            yield env_temps_accelere, settings, sessions, boite_mail, pop
    finally:
        await moteur.dispose()


async def _evenements(sessions, annee: int) -> dict[str, tuple[datetime, dict]]:
    async with sessions() as session:
        lignes = await depots.historique(session, f"campagne-dai-{annee}")
    return {
        ligne.type: (
            ligne.horodatage if ligne.horodatage.tzinfo else ligne.horodatage.replace(tzinfo=UTC),
            ligne.details or {},
        )
        for ligne in lignes
    }


def _a_8_h_a_paris(instant: datetime, prevu: datetime) -> bool:
    # The time-skipping server fires the timer at its instant; the workflow task runs a moment later.
    return instant.astimezone(PARIS).time().replace(second=0, microsecond=0) == time(8, 0) and (
        timedelta(0) <= instant - prevu < timedelta(minutes=1)
    )


async def test_la_date_limite_et_un_rappel_partent_a_8_h_a_paris(banc):
    env, settings, sessions, _, pop = banc
    demande = demande_campagne(settings, pop.annee)
    cal = demande.calendrier
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)
    try:
        await avancer_jusqua(env, cal.date_limite + timedelta(hours=1))

        async def limite_atteinte() -> bool:
            return "retardataires_termine" in await _evenements(sessions, pop.annee)

        await attendre(limite_atteinte, 60)
        evenements = await _evenements(sessions, pop.annee)
        limite, _ = evenements["retardataires_commence"]
        assert cal.date_limite.astimezone(PARIS).month == 11  # after the October change: winter time
        assert _a_8_h_a_paris(limite, cal.date_limite), limite
        assert limite.astimezone(UTC).hour == 7  # 08:00 in Paris in winter, not 07:00
        rappel, _ = evenements["rappel-1_commence"]
        assert _a_8_h_a_paris(rappel, cal.rappels[1]), rappel
    finally:
        await handle.terminate()


async def test_apres_une_longue_pause_aucun_document_ne_part_apres_le_31_decembre_n_plus_1(banc):
    env, settings, sessions, boite, pop = banc
    demande = demande_campagne(settings, pop.annee)
    cal = demande.calendrier
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)

    async def ouverte() -> bool:
        async with sessions() as session:
            return await depots_campagne.campagne_par_annee(session, pop.annee) is not None

    await attendre(ouverte)
    await handle.execute_update(CampagneDaiWorkflow.suspendre, ActionSuperviseur(motif="contrôle"))
    assert cal.fin_envoi.astimezone(PARIS).date().isoformat() == f"{pop.annee + 1}-12-31"
    await avancer_jusqua(env, cal.limite_envoi() + timedelta(hours=1))  # 1 January N+2, 01:00 in Paris
    await handle.execute_update(CampagneDaiWorkflow.reprendre, ActionSuperviseur())

    async def terminee() -> bool:
        return "campagne_terminee" in await _evenements(sessions, pop.annee)

    await attendre(terminee, 60)
    evenements = await _evenements(sessions, pop.annee)
    tranches = len(cal.tranches())
    # Every agent of the campaign is left without a document, and counted.
    assert evenements["campagne_terminee"][1] == {
        "tranches_hors_delai": tranches,
        "agents_non_atteints": len(pop.attendus),
    }
    assert "documents-0_sans_objet" in evenements and "documents-0_commence" not in evenements
    async with sessions() as session:
        assert (await session.exec(select(func.count()).select_from(Document))).one() == 0
    destinataires = {m["To"] for m in boite.messages}
    assert destinataires & {e.email for e in pop.employeurs.values()}  # the employers were told, late
    assert not destinataires & {a.email for a in pop.agents.values()}  # no agent got a document mail
