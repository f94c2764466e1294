"""The ``cnracl`` command as an operator uses it (a real process, configured by the environment)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.support.environnement import BIN


def cnracl(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CNRACL_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run(
        [str(BIN / "cnracl"), *arguments], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_donnees_demo_puis_creation_de_compte(tmp_path):
    demo = cnracl(tmp_path, "donnees", "demo")
    assert demo.returncode == 0, demo.stderr
    comptes = json.loads((tmp_path / "var" / "demo.json").read_text())
    assert {c["role"] for c in comptes} == {"affilie", "employeur", "superviseur"}
    assert all(c["code"] and c["identifiant"] for c in comptes)
    employeur = next(c for c in comptes if c["role"] == "employeur")
    assert employeur["siret"] in demo.stdout

    def creer_compte(role: str, identifiant: str, *cible: str) -> subprocess.CompletedProcess[str]:
        return cnracl(
            tmp_path,
            "comptes",
            "creer",
            "--role",
            role,
            "--identifiant",
            identifiant,
            "--code",
            "un-code-solide",
            *cible,
        )

    cree = creer_compte("employeur", "gestionnaire.rh", "--siret", employeur["siret"])
    assert cree.returncode == 0 and "créé" in cree.stdout
    refuse = creer_compte("employeur", "autre", "--siret", "21330063000175")
    assert refuse.returncode == 2 and "clé du SIRET" in refuse.stderr and "Traceback" not in refuse.stderr
    doublon = creer_compte("superviseur", "gestionnaire.rh")
    assert doublon.returncode == 2 and "déjà pris" in doublon.stderr


CAS = {
    "date_de_naissance": "1968-04-02",
    "date_de_liquidation": "2032-04-02",
    "indice_majore": 612,
    "periodes": [{"debut": "1994-09-01", "fin": "2032-04-01"}],
}


def test_pension_simuler_un_cas_et_un_lot(tmp_path):
    fichier = tmp_path / "cas.json"
    fichier.write_text(json.dumps(CAS))
    un = cnracl(tmp_path, "pension", "simuler", str(fichier))
    assert un.returncode == 0, un.stderr
    assert json.loads(un.stdout)["trimestres_requis"] == 172

    lot = tmp_path / "cas.jsonl"
    mauvais = dict(CAS, categorie="militaire")
    lot.write_text("\n".join(json.dumps(c) for c in (CAS, mauvais, CAS)) + "\n")
    resultat = cnracl(tmp_path, "pension", "simuler", "--lot", str(lot))
    lignes = [json.loads(ligne) for ligne in resultat.stdout.splitlines()]
    assert resultat.returncode == 0 and len(lignes) == 3
    assert lignes[1]["ligne"] == 2 and lignes[1]["erreurs"][0]["champ"] == "categorie"
    assert lignes[0]["pension_brute_mensuelle"] == lignes[2]["pension_brute_mensuelle"] > 0


def test_pension_estimer_depuis_l_entree_standard_et_erreur_claire(tmp_path):
    env = {**os.environ, "CNRACL_VAR_DIR": str(tmp_path / "var")}
    # The career known today (to the end of last year); estimer projects it to each key age.
    cas = {k: v for k, v in CAS.items() if k != "date_de_liquidation"} | {
        "periodes": [{"debut": "1994-09-01", "fin": "2025-12-31"}]
    }
    estimation = subprocess.run(
        [str(BIN / "cnracl"), "pension", "estimer", "-"],
        input=json.dumps(cas),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert estimation.returncode == 0, estimation.stderr
    assert json.loads(estimation.stdout)["points"][0]["libelle"].startswith("À l'âge légal")
    erreur = subprocess.run(
        [str(BIN / "cnracl"), "pension", "simuler", "-"],
        input="{pas du json",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert erreur.returncode == 2 and "JSON invalide" in erreur.stderr and "Traceback" not in erreur.stderr


def test_worker_une_part_inconnue_est_refusee_avant_de_se_connecter(tmp_path):
    refuse = cnracl(tmp_path, "worker", "--part", "mails")
    assert refuse.returncode == 2 and "--part" in refuse.stderr and "workflows" in refuse.stderr
    assert "Traceback" not in refuse.stderr


def test_des_reglages_incoherents_arretent_la_commande_en_les_nommant(tmp_path):
    secret = "secret-a-ne-pas-ecrire-" + "s" * 20
    certificat = tmp_path / "client.pem"
    certificat.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    env = {
        **os.environ,
        "CNRACL_VAR_DIR": str(tmp_path / "var"),
        "CNRACL_SECRET_KEY": secret,
        "CNRACL_TEMPORAL_ADDRESS": "temporal.interne:7233",
        "CNRACL_TEMPORAL_TLS_CERT": str(certificat),
    }
    refuse = subprocess.run(
        [str(BIN / "cnracl"), "worker"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert refuse.returncode == 2 and "Traceback" not in refuse.stderr
    assert "CNRACL_TEMPORAL_TLS_CERT et CNRACL_TEMPORAL_TLS_CLE vont ensemble" in refuse.stderr
    assert secret not in refuse.stderr + refuse.stdout


def test_campagne_verifier_export(tmp_path):
    from activities.campagne_collecteur import CollecteurFichiers, LotATransmettre, fichiers_du_lot
    from settings import Settings

    cle = Settings(var_dir=tmp_path / "var").cle_collecteur()  # the demo key the command reads too
    lot = LotATransmettre(
        "campagne-dai-2030",
        2030,
        2031,
        0,
        [
            {
                "nir": "1700533063001",
                "nom": "Exemple",
                "prenom": "Anne",
                "cohorte": "ris",
                "statut": "affilie",
                "periodes": [{"annee": 2029, "date_debut": "2029-01-01", "date_fin": "2029-12-31"}],
                "enfants": [],
            }
        ],
    )
    CollecteurFichiers(tmp_path / "exports", cle)._ecrire(lot)
    chiffre, manifeste = (tmp_path / "exports" / "campagne-dai-2030" / nom for nom in fichiers_du_lot(0))

    conforme = cnracl(tmp_path, "campagne", "verifier-export", str(manifeste))
    assert conforme.returncode == 0, conforme.stderr
    assert "conforme à son manifeste (1 agent, 1 période, 0 enfant ; format cnracl-dai-collecteur/2)" in conforme.stdout

    chiffre.write_bytes(chiffre.read_bytes()[:-1])
    altere = cnracl(tmp_path, "campagne", "verifier-export", str(manifeste))
    assert altere.returncode == 1 and "ne se vérifie pas" in altere.stderr and "SHA-256" in altere.stderr
    assert "Traceback" not in altere.stderr
    absent = cnracl(tmp_path, "campagne", "verifier-export", str(tmp_path / "absent.manifest.json"))
    assert absent.returncode == 1 and "introuvable" in absent.stderr
