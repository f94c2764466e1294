"""``cnracl campagne lancer`` for a campaign whose dates have begun (last year's): refused without ``--confirmer``,
naming the option; ``--simulation`` says in French what the launch would do and starts nothing; ``--confirmer``
starts it. The real command, configured by the environment, on the test's engine and database."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from persistence import depots_campagne
from persistence.db import SessionFactory
from persistence.models import Tache
from settings import Settings
from tests.support.campagne import PopulationCampagne, population_campagne
from tests.support.environnement import BoiteMail, settings_sur
from tests.support.processus_externes import commande_cnracl
from worker import creer_worker

# Last year's campaign: its launch (July), cut-off and transmission are past on any day of this year.
ANNEE = datetime.now(UTC).year - 1

Banc = tuple[WorkflowEnvironment, Settings, SessionFactory, BoiteMail, PopulationCampagne]


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite) -> AsyncIterator[Banc]:
    env = env_temps_accelere
    settings = settings_sur(env, tmp_path, url_sqlite, boite_mail.port)
    pop = await population_campagne(sessions_sqlite, ANNEE, avec_eig=False)
    async with creer_worker(env.client, settings, sessions_sqlite):
        yield env, settings, sessions_sqlite, boite_mail, pop
        for identifiant in (f"campagne-dai-{ANNEE}", f"campagne-dai-{ANNEE}-simulation"):
            with contextlib.suppress(RPCError):  # not started, or already finished
                await env.client.get_workflow_handle(identifiant).terminate()


async def _rien_de_lance(env: WorkflowEnvironment, sessions: SessionFactory, boite: BoiteMail) -> None:
    """No campaign N: no workflow, no row, no task, no mail."""
    with pytest.raises(RPCError):
        await env.client.get_workflow_handle(f"campagne-dai-{ANNEE}").describe()
    async with sessions() as session:
        assert await depots_campagne.campagne_par_annee(session, ANNEE, False) is None
        assert (await session.exec(select(func.count()).select_from(Tache))).one() == 0
    assert boite.messages == []


async def test_sans_confirmation_le_lancement_est_refuse_en_nommant_l_option(banc: Banc):
    env, settings, sessions, boite, _ = banc
    code, sortie, erreurs = await commande_cnracl(settings, "campagne", "lancer", "--annee", str(ANNEE))
    assert code == 2, (sortie, erreurs)
    assert f"La campagne {ANNEE} a des étapes déjà passées" in erreurs
    assert (
        f"« Lancement : sélection des agents, tâches et courriels aux employeurs » (le 1er juillet {ANNEE})" in erreurs
    )
    assert f"pour confirmer : cnracl campagne lancer --annee {ANNEE} --confirmer" in erreurs
    assert f"Pour simuler : cnracl campagne lancer --annee {ANNEE} --simulation" in erreurs
    assert "Traceback" not in erreurs and '"confirmation"' not in erreurs  # the API's words stay in the API
    await _rien_de_lance(env, sessions, boite)


async def test_la_simulation_dit_ce_que_ferait_le_lancement_sans_rien_demarrer(banc: Banc):
    env, settings, sessions, boite, pop = banc
    code, sortie, erreurs = await commande_cnracl(settings, "campagne", "lancer", "--annee", str(ANNEE), "--simulation")
    assert code == 0, (sortie, erreurs)
    ris = sum(1 for document in pop.attendus.values() if document == "ris")
    assert f"Simulation de la campagne {ANNEE} (documents envoyés en {ANNEE + 1}) : rien n'a été envoyé" in sortie
    assert f"Agents qui recevraient un document : {len(pop.attendus)}" in sortie
    assert f"  - Relevé individuel de situation (RIS) : {ris}" in sortie
    assert "  - Information générale (nouveaux affiliés) : 1" in sortie
    assert "Employeurs : 3 employeurs dans la campagne ; " in sortie
    assert "Étapes déjà passées, qu'un lancement maintenant ferait aussitôt" in sortie
    assert f"  - « Date limite de mise à jour par les employeurs » (le 28 novembre {ANNEE})" in sortie
    # The calendar of tranches in Paris time: from 1 September N+1 at 08:00, weekly.
    assert "Envoi des documents, tranche par tranche (heure de Paris) :" in sortie
    assert f"  - le 1er septembre {ANNEE + 1} à 8 h 00 : " in sortie
    assert f"Pour lancer la campagne : cnracl campagne lancer --annee {ANNEE} --confirmer" in sortie
    assert "_" not in sortie.replace("cnracl campagne", "")  # no field code
    await _rien_de_lance(env, sessions, boite)


async def test_confirme_le_lancement_demarre_la_campagne(banc: Banc):
    env, settings, sessions, _, _ = banc
    code, sortie, erreurs = await commande_cnracl(settings, "campagne", "lancer", "--annee", str(ANNEE), "--confirmer")
    assert code == 0, (sortie, erreurs)
    assert f"Campagne {ANNEE} lancée (identifiant campagne-dai-{ANNEE})" in sortie
    await env.client.get_workflow_handle(f"campagne-dai-{ANNEE}").describe()
    async with sessions() as session:
        assert await depots_campagne.campagne_par_annee(session, ANNEE, False) is not None


async def test_simulation_et_confirmation_ensemble_sont_refusees(banc: Banc):
    env, settings, sessions, boite, _ = banc
    arguments = ("campagne", "lancer", "--annee", str(ANNEE), "--simulation", "--confirmer")
    code, _, erreurs = await commande_cnracl(settings, *arguments)
    assert code == 2 and "pas les deux" in erreurs
    await _rien_de_lance(env, sessions, boite)
