"""The history is hash-chained: ``cnracl audit verifier`` detects an altered or a removed event."""

from __future__ import annotations

import asyncio
import os
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from persistence import depots
from persistence.audit import verifier
from persistence.db import creer_moteur, fabrique_sessions, transaction
from tests.support.environnement import BIN


@pytest.fixture
async def historique(url_base):
    moteur = creer_moteur(url_base)
    sessions = fabrique_sessions(moteur)
    debut = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for i in range(6):
        async with transaction(sessions) as session:
            await depots.ajouter_evenement(
                session,
                f"eir-x-{i % 2}",
                "etape",
                "cnracl",
                debut + timedelta(hours=i),
                details={"rang": i, "montant": 1843.27},
            )
    yield url_base, sessions
    await moteur.dispose()


async def _verifier(sessions):
    async with sessions() as session:
        return await verifier(session)


async def test_historique_intact(historique):
    _, sessions = historique
    resultat = await _verifier(sessions)
    assert resultat.intacte and resultat.evenements == 6


async def test_evenement_modifie(historique):
    _, sessions = historique
    async with transaction(sessions) as session:
        await session.exec(text("UPDATE evenement SET acteur = 'superviseur' WHERE id = 3"))
    resultat = await _verifier(sessions)
    assert [a for a in resultat.anomalies if "n° 3" in a and "contenu modifié" in a]


async def test_evenement_supprime_au_milieu_et_a_la_fin(historique):
    _, sessions = historique
    async with transaction(sessions) as session:
        await session.exec(text("DELETE FROM evenement WHERE id = 4"))
    resultat = await _verifier(sessions)
    assert any("n° 5" in a and "rompue" in a for a in resultat.anomalies)
    async with transaction(sessions) as session:
        await session.exec(text("DELETE FROM evenement WHERE id = 6"))
    assert any("fin de l'historique" in a for a in (await _verifier(sessions)).anomalies)


async def test_la_commande_dit_ce_qui_est_altere(historique):
    url, sessions = historique
    env = {**os.environ, "CNRACL_DATABASE_URL": url}
    intact = await _cnracl_audit(env)
    assert intact.returncode == 0 and "6 événements" in intact.stdout
    async with transaction(sessions) as session:
        await session.exec(text("UPDATE evenement SET type = 'autre' WHERE id = 2"))
    altere = await _cnracl_audit(env)
    assert altere.returncode == 1 and "n° 2" in altere.stderr and "Traceback" not in altere.stderr


async def test_ajouts_concurrents_une_seule_chaine(historique):
    """Twenty transactions at once, three events each, and one rolled back: one unbroken chain, in id order,
    with every committed event and none of the cancelled one."""
    import asyncio

    _, sessions = historique
    debut = datetime(2026, 4, 1, 9, tzinfo=UTC)

    async def processus(rang: int) -> None:
        async with transaction(sessions) as session:
            for etape in range(3):
                await depots.ajouter_evenement(
                    session,
                    f"eir-c-{rang}",
                    f"etape-{etape}",
                    "cnracl",
                    debut + timedelta(minutes=rang),
                    details={"rang": rang},
                )
                await asyncio.sleep(0)

    async def annule() -> None:  # then, in the same session, a transaction that commits an event of its own
        async with sessions() as session:
            with pytest.raises(RuntimeError):
                async with session.begin():
                    await depots.ajouter_evenement(session, "eir-annule", "etape", "cnracl", debut)
                    raise RuntimeError("abandon")
            async with session.begin():
                await depots.ajouter_evenement(session, "eir-apres", "etape", "cnracl", debut)

    await asyncio.gather(*(processus(r) for r in range(20)), annule())
    resultat = await _verifier(sessions)
    assert resultat.intacte, resultat.anomalies
    assert resultat.evenements == 6 + 60 + 1
    async with sessions() as session:
        types = (
            await session.exec(
                text("SELECT processus_id, type FROM evenement WHERE processus_id LIKE 'eir-c-%' ORDER BY id")
            )
        ).all()
        assert not (await session.exec(text("SELECT count(*) FROM evenement WHERE processus_id = 'eir-annule'"))).one()[
            0
        ]
    # Each transaction's events stay together and in their order.
    par_processus: dict[str, list[str]] = {}
    for processus_id, type_ in types:
        par_processus.setdefault(processus_id, []).append(type_)
    assert all(v == ["etape-0", "etape-1", "etape-2"] for v in par_processus.values()) and len(par_processus) == 20


async def test_une_fois_dans_la_meme_transaction(historique):
    _, sessions = historique
    moment = datetime(2026, 5, 1, 9, tzinfo=UTC)
    async with transaction(sessions) as session:
        for _ in range(2):
            await depots.ajouter_evenement(session, "eir-u", "ris_disponible", "cnracl", moment, une_fois=True)
    async with transaction(sessions) as session:
        await depots.ajouter_evenement(session, "eir-u", "ris_disponible", "cnracl", moment, une_fois=True)
    async with sessions() as session:
        assert (await session.exec(text("SELECT count(*) FROM evenement WHERE processus_id = 'eir-u'"))).one()[0] == 1
    assert (await _verifier(sessions)).intacte


async def _cnracl_audit(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``cnracl audit verifier`` in a thread: the test's event loop keeps serving meanwhile."""
    return await asyncio.to_thread(
        subprocess.run,
        [str(BIN / "cnracl"), "audit", "verifier"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
