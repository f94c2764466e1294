"""Benchmark (not a test): the campaign's print batch, the same letters laid out one PDF per letter (as the agent's
download is) and all in one PDF (as the print batch is, ``api.documents_pdf.rendre_lettres``), in turns, in one
process. Measured: the processor time per letter (user + system of this process, which the other occupants of a
shared machine disturb less than the clock), median of the rounds.

    python -m bench.bench_impression                 # 80 letters (a packet of 1,000 agents, 8 % on paper), 5 rounds
    python -m bench.bench_impression --lettres 200
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _processeur() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _lettres(nombre: int, graine: int) -> list[tuple[str, dict[str, Any], datetime, str, list[str]]]:
    """RIS of 1 to 15 periods (the campaign's cohorts), named agents with accents, and their address blocks."""
    hasard = random.Random(graine)
    prenoms = ["Émilie", "François", "Hélène", "Jérôme", "Loïc", "Noémie", "Zoé"]
    lettres = []
    for rang in range(nombre):
        periodes = [
            {
                "date_debut": date(1990 + 2 * i, 1, 1).isoformat(),
                "date_fin": date(1991 + 2 * i, 12, 31).isoformat(),
                "quotite": hasard.choice([50, 80, 100]),
                "employeur": f"Commune de Saint-Étienne-{i}",
                "indice_majore": 350 + 10 * i,
            }
            for i in range(hasard.randint(1, 15))
        ]
        contenu = {
            "trimestres": 8 * len(periodes),
            "nb_periodes": len(periodes),
            "periodes": periodes,
            "campagne": {"annee": 2026, "annee_envoi": 2027},
        }
        agent = f"{hasard.choice(prenoms)} Agent{rang}"
        adresse = [agent, f"{rang + 1} rue des Écoles", "Bâtiment B", "42000 SAINT-ÉTIENNE"]
        lettres.append(("ris", contenu, datetime(2027, 9, 6, tzinfo=UTC), agent, adresse))
    return lettres


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark des lots d'impression de la campagne")
    parser.add_argument("--lettres", type=int, default=80)
    parser.add_argument("--tours", type=int, default=5)
    parser.add_argument("--graine", type=int, default=2026)
    args = parser.parse_args(argv)

    from api.documents_pdf import PROVENANCE_COURRIER, rendre_lettres, rendre_pdf

    lettres = _lettres(args.lettres, args.graine)
    rendre_lettres(lettres[:2])  # fonts and modules loaded before the first measure
    seules: list[float] = []
    ensemble: list[float] = []
    tailles = {"seules": 0, "ensemble": 0}
    for _ in range(args.tours):
        debut = _processeur()
        tailles["seules"] = sum(
            len(rendre_pdf(type_, contenu, cree_le, agent, provenance=PROVENANCE_COURRIER))
            for type_, contenu, cree_le, agent, _adresse in lettres
        )
        seules.append((_processeur() - debut) / len(lettres))
        debut = _processeur()
        pdf, _pages = rendre_lettres(lettres)
        tailles["ensemble"] = len(pdf)
        ensemble.append((_processeur() - debut) / len(lettres))
    une, toutes = statistics.median(seules), statistics.median(ensemble)
    print(
        f"par courrier seul : {une * 1000:.1f} ms ; dans un fichier : {toutes * 1000:.1f} ms ; rapport {une / toutes:.1f}"
    )
    from bench.rapport import ecrire_section

    ecrire_section(
        "bench_impression",
        f"""## Lots d'impression de la campagne (`python -m bench.bench_impression --lettres {args.lettres}`)

Les mêmes {args.lettres} relevés (1 à 15 périodes, graine {args.graine}) mis en page en PDF dans un processus, tour à tour
{args.tours} fois : un fichier par courrier (comme le document que l'agent télécharge), puis tous dans un fichier (le
lot d'impression d'un paquet, `rendre_lettres` : la police intégrée une fois, chaque courrier sur ses pages,
numérotées une fois le courrier mis en page). Temps de processeur de ce processus (utilisateur + système),
médiane des tours.

| mise en page | processeur par courrier | taille pour {args.lettres} courriers |
|---|---|---|
| un PDF par courrier | {une * 1000:.1f} ms | {tailles["seules"] // 1024} Kio |
| un PDF pour le paquet | {toutes * 1000:.1f} ms | {tailles["ensemble"] // 1024} Kio |

Rapport, mesuré côte à côte dans cette exécution : **{une / toutes:.1f} × moins de processeur par courrier** dans un
fichier par paquet.
""",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
