"""A supervisor's reminder of an open task, on the time-skipping server with a real worker, SMTP and SQLite:
mailed at once, under a key of its own; it moves neither the automatic reminder's day nor the escalation's; it
is refused when nobody is waited for, and a double press (the same state read) mails once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from temporalio.client import WorkflowUpdateFailedError

from domain.processus import ActionSuperviseur
from persistence.models import Mail
from tests.support.attente import attendre, au_repos
from tests.support.banc_eir import Banc, banc_eir
from tests.support.fabriques import EMPLOYEUR, SUPERVISEURS
from workflows.processus import UPDATE_RELANCE

RELANCE = "Relance : vérification de carrière"


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite):
    async with banc_eir(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite) as banc:
        yield banc


async def _refus(banc: Banc, action: ActionSuperviseur) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as refus:
        await banc.handle.execute_update(UPDATE_RELANCE, action)
    return str(getattr(refus.value.cause, "message", refus.value.cause))


async def test_la_relance_d_un_superviseur_ne_deplace_pas_celles_du_processus(banc: Banc):
    boite, env = banc.boite, banc.env
    await banc.demarrer()
    await attendre(lambda: len(boite.messages) == 2)
    # Before the employer's task: nobody to remind.
    assert "n'attend la réponse d'aucune tâche" in await _refus(banc, ActionSuperviseur(compte_id=7))

    await env.sleep(timedelta(days=5, minutes=10))
    await attendre(lambda: len(boite.pour(EMPLOYEUR)) == 1)
    lue = (await banc.demande()).sequence

    # Day 8: the supervisor's reminder, mailed at once and noted on the task.
    await env.sleep(timedelta(days=3))
    await banc.handle.execute_update(UPDATE_RELANCE, ActionSuperviseur(compte_id=7, motif="urgent", sequence=lue))
    await attendre(lambda: len(boite.pour(EMPLOYEUR)) == 2)
    assert boite.sujets(EMPLOYEUR)[1].startswith(RELANCE)
    assert (await banc.tache_ouverte()).relancee_le is not None
    # The same state read, pressed again: refused, no mail.
    assert "Une relance vient d'être envoyée" in await _refus(banc, ActionSuperviseur(compte_id=7, sequence=lue))

    # The process's own reminder still comes on day 15, and the escalation on day 25.
    await env.sleep(timedelta(days=7) - timedelta(minutes=20))
    await au_repos(banc.handle)
    assert len(boite.pour(EMPLOYEUR)) == 2
    await env.sleep(timedelta(minutes=20))
    await attendre(lambda: len(boite.pour(EMPLOYEUR)) == 3)
    await env.sleep(timedelta(days=10))
    await attendre(lambda: len(boite.pour(SUPERVISEURS)) == 1)

    # After the escalation a reminder still goes, under a key of its own.
    await banc.handle.execute_update(UPDATE_RELANCE, ActionSuperviseur(compte_id=7))
    await attendre(lambda: len(boite.pour(EMPLOYEUR)) == 4)
    async with banc.sessions() as session:
        cles = [m.cle for m in (await session.exec(select(Mail).where(Mail.evenement == "relance_employeur"))).all()]
    assert len(cles) == 3 and len(set(cles)) == 3

    # Answered: nobody to remind any more.
    await banc.completer(indice_fin_de_carriere=600)
    assert "n'attend la réponse d'aucune tâche" in await _refus(banc, ActionSuperviseur(compte_id=7))
    assert len(boite.pour(EMPLOYEUR)) == 4
