"""``cnracl pension`` through a subprocess: one case, stdin, --lot with a bad line, French errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[2]
CAS = {
    "date_de_naissance": "1958-01-01",
    "date_de_liquidation": "2025-01-01",
    "trimestres_services": 167,
    "indice_majore": 500,
    "nombre_enfants": 3,
}


def cli(*args: str, entree: str | None = None) -> subprocess.CompletedProcess:
    code = "import sys; from cli.pension import app; sys.argv = ['pension', *sys.argv[1:]]; app()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        input=entree,
        capture_output=True,
        text=True,
        cwd=RACINE,
        timeout=60,
        check=False,
    )


def test_simuler_un_fichier(tmp_path):
    chemin = tmp_path / "cas.json"
    chemin.write_text(json.dumps(CAS), encoding="utf-8")
    r = cli("simuler", str(chemin))
    assert r.returncode == 0, r.stderr
    resultat = json.loads(r.stdout)
    assert resultat["pension_brute_annuelle"] == 24367.78 and resultat["majoration_enfants"] == 2215.25
    assert resultat["explication"][0]["regle"] == "age_ouverture_droits"


def test_simuler_depuis_l_entree_standard_et_estimer():
    r = cli("simuler", "-", entree=json.dumps(CAS))
    assert r.returncode == 0 and json.loads(r.stdout)["pension_brute_mensuelle"] == 2030.65
    cas = {
        "date_de_naissance": "1970-03-10",
        "indice_majore": 550,
        "periodes": [{"debut": "1995-01-01", "fin": "2025-12-31", "quotite": 80}],
    }
    r = cli("estimer", "-", entree=json.dumps(cas))
    assert r.returncode == 0, r.stderr
    points = json.loads(r.stdout)["points"]
    assert [p["age"]["ans"] for p in points] == [64, 65, 66, 67]


@pytest.mark.parametrize(
    "entree, champ",
    [
        ("{pas du json", "cas"),
        (json.dumps(CAS | {"trimestres_services": -1}), "trimestres_services"),
        (json.dumps(CAS | {"date_de_liquidation": "2019-01-01"}), "date_de_liquidation"),
    ],
)
def test_erreur_en_francais_sur_stderr_code_2(entree, champ):
    r = cli("simuler", "-", entree=entree)
    assert r.returncode == 2 and r.stdout == ""
    assert "Traceback" not in r.stderr
    erreurs = json.loads(r.stderr)["erreurs"]
    assert erreurs[0]["champ"] == champ and erreurs[0]["message"]


def test_fichier_absent():
    r = cli("simuler", "/nexiste/pas.json")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert json.loads(r.stderr)["erreurs"][0]["regle"] == "fichier_lisible"


def test_lot_avec_une_ligne_fausse(tmp_path):
    lot = tmp_path / "lot.jsonl"
    lignes = [
        json.dumps(CAS),
        "{faux",
        "",
        json.dumps(CAS | {"categorie": "militaire"}),
        json.dumps(CAS | {"nombre_enfants": 5}),
    ]
    lot.write_text("\n".join(lignes) + "\n", encoding="utf-8")
    sortie = tmp_path / "sortie.jsonl"
    r = cli("simuler", "--lot", str(lot), "--sortie", str(sortie))
    assert r.returncode == 0 and "2 cas invalide(s)" in r.stderr
    resultats = [json.loads(ligne) for ligne in sortie.read_text(encoding="utf-8").splitlines()]
    assert len(resultats) == 4
    assert resultats[0]["pension_brute_annuelle"] == 24367.78
    assert resultats[1]["ligne"] == 2 and resultats[1]["erreurs"][0]["regle"] == "json"
    assert resultats[2]["ligne"] == 4 and resultats[2]["erreurs"][0]["champ"] == "categorie"
    assert resultats[3]["pension_brute_annuelle"] == 26583.03


def test_lot_une_ligne_qui_n_est_pas_en_utf8(tmp_path):
    """A line saved in Latin-1 (« sédentaire ») is refused on its own, by its number; the others are computed."""
    lot = tmp_path / "lot.jsonl"
    bon = json.dumps(CAS).encode()
    lot.write_bytes(bon + b"\n" + b'{"categorie": "s\xe9dentaire"}\r\n' + bon + b"\r\n")
    sortie = tmp_path / "sortie.jsonl"
    r = cli("simuler", "--lot", str(lot), "--sortie", str(sortie))
    assert r.returncode == 0 and "1 cas invalide(s)" in r.stderr and "Traceback" not in r.stderr
    resultats = [json.loads(ligne) for ligne in sortie.read_text(encoding="utf-8").splitlines()]
    assert [r.get("pension_brute_annuelle") for r in resultats] == [24367.78, None, 24367.78]
    assert resultats[1]["ligne"] == 2 and resultats[1]["erreurs"][0]["regle"] == "encodage"
    assert "UTF-8" in resultats[1]["erreurs"][0]["message"]


def test_lot_sur_la_sortie_standard(tmp_path):
    lot = tmp_path / "lot.jsonl"
    lot.write_text(json.dumps(CAS) + "\n" + json.dumps(CAS) + "\n", encoding="utf-8")
    r = cli("simuler", "--lot", str(lot))
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 2


def test_l_application_se_monte_sous_cnracl_pension():
    import typer
    from typer.testing import CliRunner

    from cli import pension as commandes

    principale = typer.Typer()
    principale.add_typer(commandes.app, name="pension")
    r = CliRunner().invoke(principale, ["pension", "simuler", "-"], input=json.dumps(CAS))
    assert r.exit_code == 0 and json.loads(r.stdout)["pension_brute_annuelle"] == 24367.78


def test_lot_avec_plusieurs_processus(tmp_path):
    """More than one chunk (2,000 lines): computed by 2 processes, the same lines in the same order as by 1."""
    lot = tmp_path / "lot.jsonl"
    lignes = [json.dumps(CAS | {"trimestres_services": 100 + i % 60, "indice_majore": 400 + i}) for i in range(2_100)]
    lot.write_text("\n".join(lignes) + "\n", encoding="utf-8")
    un, deux = tmp_path / "un.jsonl", tmp_path / "deux.jsonl"
    assert cli("simuler", "--lot", str(lot), "--processus", "1", "--sortie", str(un)).returncode == 0
    assert cli("simuler", "--lot", str(lot), "--processus", "2", "--sortie", str(deux)).returncode == 0
    assert un.read_bytes() == deux.read_bytes()
    assert len(un.read_bytes().splitlines()) == 2_100


def test_processus_invalide():
    r = cli("simuler", "--lot", "-", "--processus", "0", entree=json.dumps(CAS))
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--processus" in r.stderr


def test_devis_de_rachat_d_etudes(tmp_path):
    demande = {
        "date_de_naissance": "1960-03-01",
        "date_de_demande": "2019-06-01",
        "trimestres": 4,
        "option": 1,
        "traitement_indiciaire_brut_annuel": 30000,
    }
    chemin = tmp_path / "rachat.json"
    chemin.write_text(json.dumps(demande), encoding="utf-8")
    r = cli("rachat", str(chemin))
    assert r.returncode == 0, r.stderr
    devis = json.loads(r.stdout)
    assert devis["age"] == 59 and devis["cout_par_trimestre"] == 2940.0 and devis["cout_rachat_etudes"] == 11760.0
    assert devis["explication"][0]["regle"] == "cout_rachat_etudes"


@pytest.mark.parametrize(
    "modification, champ, mot",
    [
        ({"trimestres": 13}, "trimestres", "1 à 12"),
        ({"option": 4}, "option", "option du rachat"),
        ({"date_de_demande": "2019-13-01"}, "date_de_demande", "AAAA-MM-JJ"),
        ({"date_de_naissance": "1950-03-01"}, "date_de_demande", "jusqu'à 59 ans"),
    ],
)
def test_devis_de_rachat_refuse_en_francais(modification, champ, mot):
    demande = {
        "date_de_naissance": "1960-03-01",
        "date_de_demande": "2019-06-01",
        "trimestres": 4,
        "option": 1,
        "indice_majore": 500,
    } | modification
    r = cli("rachat", "-", entree=json.dumps(demande))
    assert r.returncode == 2 and r.stdout == ""
    erreur = json.loads(r.stderr)["erreurs"][0]
    assert erreur["champ"] == champ and mot in erreur["message"], erreur
    assert "Traceback" not in r.stderr
