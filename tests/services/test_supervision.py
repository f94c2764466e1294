"""The supervisors' console, its pure parts: where the Temporal UI is (the setting, the demo's embedded server,
none), the NIR as the detail masks it, and how the search reads what was typed (a name without accents, a NIR
with spaces)."""

from __future__ import annotations

from pathlib import Path

from persistence.supervision import debut_de_nir, sans_accents
from services.supervision import lien_temporal, nir_masque
from settings import Mode, Settings


def _settings(tmp_path: Path, **autres) -> Settings:
    return Settings(var_dir=tmp_path, secret_key="x" * 40, **autres)


def test_l_adresse_de_l_interface_temporal(tmp_path):
    # The demo with its embedded engine: the dev server's UI, which ``make run`` starts on 8233.
    assert _settings(tmp_path).adresse_temporal_ui == "http://localhost:8233"
    # An engine of its own, not said where its UI is: no link rather than a wrong one.
    assert _settings(tmp_path, temporal_address="temporal.interne:7233").adresse_temporal_ui is None
    production = _settings(
        tmp_path,
        mode=Mode.production,
        database_url="postgresql+asyncpg://cnracl@db/cnracl",
        temporal_address="temporal.interne:7233",
        smtp_host="smtp.interne",
        campagne_collecteur_cle="A" * 43 + "=",
        codec_cles="2026:" + "A" * 43 + "=",
    )
    assert production.adresse_temporal_ui is None
    reglee = _settings(tmp_path, temporal_ui="https://temporal.interne/", temporal_namespace="cnracl prod")
    assert (
        lien_temporal(reglee, "eir-abc:1") == "https://temporal.interne/namespaces/cnracl%20prod/workflows/eir-abc%3A1"
    )
    assert lien_temporal(production, "eir-abc-1") is None


def test_le_nir_masque_ne_garde_que_sexe_annee_et_mois():
    assert nir_masque("268043306300158") == "2 68 04 •• ••• ••• ••"


def test_la_recherche_lit_un_nom_sans_accents_et_un_nir_avec_espaces():
    assert sans_accents("Léa ÉLODIE Bœuf Çağla") == "lea elodie boeuf cagla"
    assert debut_de_nir("2 68 04 33 063 001 58") == "268043306300158"
    assert debut_de_nir("2 68 04 2A 063") == "268042A063"
    assert debut_de_nir("26804") == "26804"
    for nom in ("Martin", "2680", "camille 2 68", ""):
        assert debut_de_nir(nom) is None, nom
