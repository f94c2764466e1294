"""The CIR lines the service writes without the CIR's use case — the demo data set (`cnracl donnees demo`) and the
synthetic population (`cnracl donnees synthetiques`), inserted in bulk — keep the CIR's invariants too: one
calendar year, not before the agent could work nor after today, bounds, no overlap."""

from __future__ import annotations

from pathlib import Path

from pension.parametres import valeurs_datees
from persistence.db import creer_moteur, fabrique_sessions
from persistence.demo import charger_demo
from persistence.synthetique import generer
from tests.support.cir import infractions_du_cir


async def test_donnees_de_demo_et_population_synthetique_respectent_les_invariants(url_sqlite: str, tmp_path: Path):
    moteur = creer_moteur(url_sqlite)
    try:
        sessions = fabrique_sessions(moteur)
        await charger_demo(sessions, tmp_path / "demo.json", valeurs_datees("point_indice"))
        await generer(moteur, 300, 6, annees_cir=45, valeurs_du_point=valeurs_datees("point_indice"))
        assert await infractions_du_cir(sessions) == []
    finally:
        await moteur.dispose()
