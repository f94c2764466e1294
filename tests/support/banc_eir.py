"""One EIR under test on the time-skipping server (its worker, database and mailbox), driven to a named point."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.eir import ActionAffilie, DemandeConsolidation, PeriodeASignaler, VueEir
from domain.etats import EtatEir, EtatTache
from domain.taches import ReponseTache
from domain.task_queues import id_workflow_eir
from persistence import depots
from persistence.db import SessionFactory, transaction
from persistence.fabrique import identifiant
from persistence.models import DemandeEirTable, Tache
from settings import Settings
from tests.support.attente import attendre
from tests.support.environnement import BoiteMail, settings_de_test
from tests.support.fabriques import AGENT, population
from worker import creer_worker
from workflows.client import delais_eir, demarrer_eir
from workflows.eir import EirWorkflow


class Banc:
    """One EIR under test: its worker, its database, its mailbox."""

    def __init__(self, env, settings: Settings, sessions, boite: BoiteMail, pop) -> None:
        self.env, self.settings, self.sessions, self.boite, self.pop = env, settings, sessions, boite, pop
        self._handle: WorkflowHandle[EirWorkflow, VueEir] | None = None

    @property
    def handle(self) -> WorkflowHandle[EirWorkflow, VueEir]:
        assert self._handle is not None, "EIR pas encore démarré"
        return self._handle

    async def demarrer(self) -> None:
        async with transaction(self.sessions) as session:
            demande = await depots.creer_demande_eir(
                session, self.pop.affilie, date(2026, 3, 2), "en_ligne", datetime.now(UTC), id_workflow_eir
            )
        self.demande_id = identifiant(demande)
        self._handle = await demarrer_eir(
            self.env.client,
            self.settings.task_queue,
            self.demande_id,
            demande.workflow_id,
            demande.date_demande,
            delais_eir(self.settings),
        )

    async def demande(self) -> DemandeEirTable:
        async with self.sessions() as session:
            return await session.get(DemandeEirTable, self.demande_id)

    async def taches(self) -> list[Tache]:
        async with self.sessions() as session:
            return list((await session.exec(select(Tache).order_by(col(Tache.id)))).all())

    async def etat(self) -> str:
        return (await self.demande()).etat

    async def en_etat(self, etat: EtatEir) -> None:
        async def verifier():
            return await self.etat() == etat.value

        await attendre(verifier)

    async def tache_ouverte(self) -> Tache:
        taches = [t for t in await self.taches() if t.etat == EtatTache.ouverte.value]
        assert len(taches) == 1
        return taches[0]

    async def completer(self, **reponse) -> None:
        tache = await self.tache_ouverte()
        await self.handle.execute_update(
            EirWorkflow.completer_tache, ReponseTache(tache_id=tache.id, carriere_verifiee=True, **reponse)
        )


@asynccontextmanager
async def banc_eir(
    env: WorkflowEnvironment, tmp_path: Path, boite: BoiteMail, sessions: SessionFactory, url: str
) -> AsyncIterator[Banc]:
    """The test population and a worker with the default delays on ``env`` (the time-skipping server), ready for
    an EIR."""
    settings = settings_de_test(tmp_path, url, boite.port)
    pop = await population(sessions)
    async with creer_worker(env.client, settings, sessions):
        yield Banc(env, settings, sessions, boite, pop)


async def jusqua(banc: Banc, etape: str) -> None:
    """Drive an EIR to the named point before withdrawing."""
    await banc.demarrer()
    await attendre(lambda: len(banc.boite.messages) == 2)
    if etape == "attente_notification":
        return
    await banc.env.sleep(timedelta(days=5, minutes=1))
    await banc.en_etat(EtatEir.verification_employeur)
    if etape == "verification_employeur":
        return
    await banc.completer(indice_fin_de_carriere=600)
    await banc.en_etat(EtatEir.ris_disponible)
    if etape == "ris_disponible":
        return
    if etape == "consolidation_employeur":
        await banc.handle.execute_update(
            EirWorkflow.demander_consolidation,
            DemandeConsolidation(periodes=[PeriodeASignaler(annee=2001, commentaire="Temps partiel")]),
        )
        return
    await banc.handle.execute_update(EirWorkflow.valider_ris, ActionAffilie())
    await banc.en_etat(EtatEir.bilan_disponible)
    await attendre(lambda: any("bilan" in s for s in banc.boite.sujets(AGENT)))  # the step's own mail
