"""The benchmark report: each benchmark writes its own section, ``python -m bench`` gathers them into
``bench/RESULTS.md``.

A benchmark calls ``ecrire_section("bench_xxx", markdown)`` at the end of its ``main()``: the section
(a ``## title``, what was run, the figures and their ratios measured side by side in that run) lands in
``var/bench/bench_xxx.md``; the aggregator puts the sections in name order under a header giving the
machine, the versions and the date.
"""

from __future__ import annotations

from pathlib import Path

DOSSIER_SECTIONS = Path(__file__).resolve().parents[1] / "var" / "bench"


def ecrire_section(nom: str, markdown: str) -> Path:
    DOSSIER_SECTIONS.mkdir(parents=True, exist_ok=True)
    chemin = DOSSIER_SECTIONS / f"{nom}.md"
    chemin.write_text(markdown.rstrip() + "\n", encoding="utf-8")
    return chemin


def lire_sections(noms: list[str]) -> list[str]:
    return [(DOSSIER_SECTIONS / f"{nom}.md").read_text(encoding="utf-8")
            for nom in noms if (DOSSIER_SECTIONS / f"{nom}.md").exists()]
