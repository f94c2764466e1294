"""The benchmark report: each benchmark writes its own section, ``python -m bench`` gathers them into
``bench/RESULTS.md``.

A benchmark calls ``ecrire_section("bench_xxx", markdown)`` at the end of its ``main()``: the section
(a ``## title``, what was run, the figures and their ratios measured side by side in that run) lands in
``bench/sections/bench_xxx.md`` with the date of the run; the aggregator puts the sections in name order
under a header giving the machine, the versions and the date. The sections are committed with the report:
a run of one benchmark on a fresh clone keeps the others' last figures.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

DOSSIER_SECTIONS = Path(__file__).resolve().parent / "sections"


def ecrire_section(nom: str, markdown: str) -> Path:
    DOSSIER_SECTIONS.mkdir(parents=True, exist_ok=True)
    chemin = DOSSIER_SECTIONS / f"{nom}.md"
    chemin.write_text(
        f"{markdown.rstrip()}\n\n_Mesuré le {datetime.now():%d/%m/%Y à %H:%M} sur {processeur()}, "
        f"{os.cpu_count()} cœurs, charge moyenne {os.getloadavg()[0]:.1f} à la fin de la mesure._\n",
        encoding="utf-8",
    )
    return chemin


def processeur() -> str:
    try:
        lignes = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return "processeur inconnu"
    return next(
        (ligne.split(":", 1)[1].strip() for ligne in lignes if ligne.startswith("model name")), "processeur inconnu"
    )


def lire_sections(noms: list[str]) -> list[str]:
    return [
        (DOSSIER_SECTIONS / f"{nom}.md").read_text(encoding="utf-8")
        for nom in noms
        if (DOSSIER_SECTIONS / f"{nom}.md").exists()
    ]
