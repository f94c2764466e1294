"""docs/deploiement.md names only settings that exist: each in settings.py and in the README's table."""

from __future__ import annotations

import re
from pathlib import Path

from settings import Settings

RACINE = Path(__file__).resolve().parent.parent
REGLAGE = re.compile(r"CNRACL_[A-Z0-9_]+")


def test_chaque_reglage_du_deploiement_existe_et_est_decrit():
    nommes = set(REGLAGE.findall((RACINE / "docs" / "deploiement.md").read_text()))
    readme = set(REGLAGE.findall((RACINE / "README.md").read_text()))
    champs = {f"CNRACL_{nom.upper()}" for nom in Settings.model_fields}
    assert len(nommes) > 30
    assert nommes - champs == set(), "réglages inconnus de settings.py"
    assert nommes - readme == set(), "réglages absents du README"
