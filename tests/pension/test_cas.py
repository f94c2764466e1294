"""Legal cases (tests/pension/cas/*.yaml) run through simuler / estimer.

Each file is a list of cases: ``nom``, ``source`` (public example, or the rule and its parameter file when
the case is built from the rule), ``entree`` (the CasPension, or for ``fonction: rachat`` the DemandeRachat), ``attendu`` (a subset of the result: numbers
within ``marge`` euros or exactly for counts, ages as {ans, mois}, ``regles``: ids that must appear in
``explication``; for ``fonction: estimer``, ``points``: the expected points in order), optional ``marge``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import pension

DOSSIER = Path(__file__).parent / "cas"


def _cas() -> list[Any]:
    cas = []
    for fichier in sorted(DOSSIER.glob("*.yaml")):
        for c in yaml.safe_load(fichier.read_text(encoding="utf-8")):
            cas.append(pytest.param(c, id=f"{fichier.stem}:{c['nom']}"))
    return cas


CAS = _cas()


def _comparer(obtenu: Any, attendu: Any, marge: float, chemin: str) -> None:
    if isinstance(attendu, dict):
        assert isinstance(obtenu, dict), f"{chemin} : {obtenu!r} au lieu de {attendu!r}"
        for cle, valeur in attendu.items():
            assert cle in obtenu, f"{chemin}.{cle} absent du résultat"
            _comparer(obtenu[cle], valeur, marge, f"{chemin}.{cle}")
    elif isinstance(attendu, list):
        assert len(obtenu) == len(attendu), f"{chemin} : {len(obtenu)} éléments au lieu de {len(attendu)}"
        for i, (o, a) in enumerate(zip(obtenu, attendu, strict=False)):
            _comparer(o, a, marge, f"{chemin}[{i}]")
    elif isinstance(attendu, float) and not isinstance(attendu, bool):
        assert obtenu is not None and abs(obtenu - attendu) <= marge + 1e-9, f"{chemin} : {obtenu} au lieu de {attendu}"
    else:
        assert obtenu == attendu, f"{chemin} : {obtenu!r} au lieu de {attendu!r}"


def test_au_moins_quatre_vingts_cas_sources():
    assert len(CAS) >= 80
    for p in CAS:
        c = p.values[0]
        assert c.get("source"), c["nom"]
        assert c.get("attendu"), c["nom"]


@pytest.mark.parametrize("cas", CAS)
def test_cas_legal(cas):
    attendu = dict(cas["attendu"])
    regles = attendu.pop("regles", [])
    if cas.get("fonction") == "estimer":
        obtenu = pension.estimer(cas["entree"]).model_dump(mode="json")
    elif cas.get("fonction") == "rachat":
        obtenu = pension.coter_rachat(cas["entree"]).model_dump(mode="json")
    else:
        resultat = pension.simuler(cas["entree"])
        obtenu = resultat.model_dump(mode="json")
        ids = [e.regle for e in resultat.explication]
        for regle in regles:
            assert regle in ids, f"règle {regle} absente de l'explication {ids}"
        assert all(e.reference.url.startswith("http") and e.reference.titre for e in resultat.explication)
    _comparer(obtenu, attendu, float(cas.get("marge", 0.01)), "resultat")
