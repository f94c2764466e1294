"""``cnracl donnees synthetiques --affilies N``: a realistic synthetic population for benchmarks."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from settings import get_settings


def synthetiques(
    affilies: Annotated[int, typer.Option(min=1, max=5_000_000, help="Nombre d'agents à créer")],
    employeurs: Annotated[
        int | None, typer.Option(min=1, help="Nombre d'employeurs (par défaut : un pour 55 agents)")
    ] = None,
    annees_cir: Annotated[int, typer.Option(min=1, max=45, help="Années de CIR par agent (les dernières)")] = 3,
) -> None:
    """Créer des employeurs de tailles réalistes et leurs agents (âges, carrières, CIR), par insertions groupées."""
    from services.donnees import mettre_a_jour_la_base, population_synthetique

    settings = get_settings()
    mettre_a_jour_la_base(settings)

    def avancer(faits: int, total: int) -> None:
        if faits == total or faits % 200_000 < 20_000:
            typer.echo(f"  {faits} / {total} agents")

    bilan = asyncio.run(population_synthetique(settings, affilies, employeurs, annees_cir, avancer))
    typer.echo(
        f"{bilan.affilies} agents, {bilan.employeurs} employeurs, {bilan.lignes_cir} lignes de CIR "
        f"créés en {bilan.secondes:.1f} s."
    )
