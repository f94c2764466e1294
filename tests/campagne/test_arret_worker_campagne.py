"""The worker process is killed (SIGKILL) three times in the middle of a campaign (calendar compressed
to a minute and a half on the dev server) and restarted: each export, document and mail exists exactly once."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from activities.campagne_collecteur import fichiers_du_lot, lire_lot
from domain.campagne import Calendrier, DemandeCampagne, ReglagesCampagne
from persistence import depots
from persistence.db import creer_moteur, fabrique_sessions
from persistence.models import Document, Mail
from persistence.models_campagne import CampagneTable, ExportCampagne
from tests.support.attente import attendre
from tests.support.campagne import AVEC_EIG, completer_taches, population_campagne, taches_de_campagne
from tests.support.environnement import settings_de_test
from tests.support.processus_externes import WorkerExterne
from workflows.campagne_client import demarrer_campagne

pytestmark = pytest.mark.e2e


async def test_worker_tue_trois_fois_pendant_la_campagne(env_dev, tmp_path, boite_mail, url_sqlite):
    settings = settings_de_test(
        tmp_path, url_sqlite, boite_mail.port, temporal_address=env_dev.client.service_client.config.target_host
    )
    moteur = creer_moteur(url_sqlite)
    sessions = fabrique_sessions(moteur)
    annee = datetime.now(UTC).year + 1
    pop = await population_campagne(sessions, annee, avec_eig=AVEC_EIG)
    t0 = datetime.now(UTC)
    s = lambda n: t0 + timedelta(seconds=n)  # noqa: E731
    # Room for a restart (a killed worker's workflow tasks wait for its sticky queue to time out).
    cal = Calendrier(
        lancement=s(3),
        rappels=[s(20)],
        date_limite=s(60),
        transmission=s(63),
        debut_envoi=s(68),
        fin_envoi=s(80),
        intervalle_envoi=timedelta(seconds=6),
        fin_legale=s(3600),  # a restarted worker may take the last tranches past ``fin_envoi``: still allowed
    )
    demande = DemandeCampagne(
        annee, cal, ReglagesCampagne(taille_lot_employeurs=2, lots_en_parallele=2, taille_paquet=1)
    )
    worker = WorkerExterne(settings, tmp_path / "worker.log")
    wid = f"campagne-dai-{annee}"

    async def evenement(type_: str) -> bool:
        async with sessions() as session:
            return type_ in [e.type for e in await depots.historique(session, wid)]

    async with AsyncExitStack() as pile:
        pile.push_async_callback(moteur.dispose)
        pile.callback(worker.arreter)
        worker.demarrer()
        handle = await demarrer_campagne(env_dev.client, settings.task_queue, demande)
        await attendre(lambda: len(boite_mail.messages) == 2, delai=60)  # the launch mails
        await completer_taches(
            sessions, [t for t in await taches_de_campagne(sessions) if t.employeur_id == pop.employeurs["commune"].id]
        )
        worker.tuer()  # while the campaign waits for the reminder
        worker.demarrer()
        await attendre(lambda: evenement("rappel-0_termine"), delai=90)
        worker.tuer()  # while it waits for the cut-off
        worker.demarrer()
        await attendre(lambda: evenement("documents-0_termine"), delai=120)
        worker.tuer()  # between two tranches of documents
        worker.demarrer()
        vue = await handle.result()
        assert vue.etape == "terminee"

    moteur = creer_moteur(url_sqlite)
    try:
        async with fabrique_sessions(moteur)() as session:
            documents = (await session.exec(select(Document))).all()
            mails = (await session.exec(select(Mail))).all()
            exports = (await session.exec(select(ExportCampagne))).all()
            campagne = (await session.exec(select(CampagneTable).where(CampagneTable.workflow_id == wid))).one()
    finally:
        await moteur.dispose()
    attendus = 2 + 1 + 1 + len(pop.attendus)  # launches, one reminder (hospital), late list, documents
    assert len(mails) == attendus and {m.etat for m in mails} == {"envoye"}
    assert len(boite_mail.messages) == attendus
    assert len({m["Message-ID"] for m in boite_mail.messages}) == attendus
    assert sorted(d.affilie_id for d in documents) == sorted(pop.agents[c].id for c in pop.attendus)
    assert len(exports) == 3  # two batches of employers, the former affiliates
    dossier = Path(settings.var_dir) / "exports" / wid
    assert sorted(p.name for p in dossier.iterdir()) == sorted(n for e in exports for n in fichiers_du_lot(e.lot))
    for e in exports:
        assert lire_lot(dossier / fichiers_du_lot(e.lot)[1], settings.cle_collecteur())[0]["sha256_chiffre"] == e.sha256
    assert campagne.compteurs["documents"] == campagne.compteurs["mails_agents"] == len(pop.attendus)
    assert campagne.compteurs["exports"] == 3 and campagne.compteurs["rappels"] == 1
