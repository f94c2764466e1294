"""``cnracl donnees synthetiques --affilies N``: a realistic synthetic population for benchmarks."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from settings import get_settings


def synthetiques(
    affilies: Annotated[int, typer.Option(min=1, max=5_000_000, help="Nombre d'agents à créer")],
    employeurs: Annotated[
        int | None, typer.Option(min=1, help="Nombre d'employeurs (défaut : un pour 55 agents)")
    ] = None,
    annees_cir: Annotated[int, typer.Option(min=1, max=45, help="Années de CIR par agent (les dernières)")] = 3,
) -> None:
    """Generate employers of realistic sizes and agents (ages, careers, CIR) with bulk inserts."""
    from pension.parametres import valeurs_datees
    from persistence.db import creer_moteur
    from persistence.migrations import migrer
    from persistence.synthetique import generer

    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    migrer(settings.database_url)

    def avancer(faits: int, total: int) -> None:
        if faits == total or faits % 200_000 < 20_000:
            typer.echo(f"  {faits} / {total} agents")

    async def creer():
        moteur = creer_moteur(settings.database_url)
        try:
            return await generer(
                moteur,
                affilies,
                employeurs,
                annees_cir=annees_cir,
                progression=avancer,
                valeurs_du_point=valeurs_datees("point_indice"),
            )
        finally:
            await moteur.dispose()

    bilan = asyncio.run(creer())
    typer.echo(
        f"{bilan.affilies} agents, {bilan.employeurs} employeurs, {bilan.lignes_cir} lignes de CIR "
        f"créés en {bilan.secondes:.1f} s."
    )
