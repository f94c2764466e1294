"""Benchmark of the pension module against openfisca-france-pension 0.1.3, on the same cases.

    python -m bench.bench_pension [--cas 1000000] [--processus 2] [--graine 2026] [--sans-openfisca]

1. Generates ``--cas`` synthetic cases (JSONL, deterministic for a seed): sédentaires and actifs born
   1948–1970, services as trimestres, other regimes, bonifications, children, index 340–900, pensions
   taking effect 2012–2034.
2. Ours: the ``cnracl pension simuler --lot`` path, one CLI process per core on a slice of the file, the
   full result (explanation included) written as JSON lines (to /dev/null: 1,000,000 full results are ~6 GB).
   ``--lot`` runs the batch path (``pension/lot.py``, ``cli.pension.TAILLE_LOT`` lines at a time, results built
   as UTF-8 bytes): the same JSON as ``simuler`` case by case (``tests/pension/test_lot.py``), the bench cases
   all computed by it.
3. OpenFisca: ``bench/openfisca/calcul_openfisca.py`` in its own venv (``bench/openfisca/install.sh``, pinned
   lock file), vectorised simulations grouped by liquidation year.
4. Agreement on the cases where both models apply the same rules (sédentaire, no bonification, pension
   taking effect from 2012 to 31/08/2023: openfisca 0.1.3 does not model the 2023 reform nor the 2026
   suspension): ours ``pension_brute_annuelle − majoration_enfants`` vs openfisca ``cnracl_pension_brute``
   within 0.05 € (openfisca computes in float32). Each disagreement is attributed to the first rule whose
   intermediate value differs (traitement, taux, décote, surcote, minimum garanti).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))

from bench.rapport import ecrire_section  # noqa: E402
from pension.lot import TAILLE_MORCEAU  # noqa: E402

OPENFISCA = RACINE / "bench" / "openfisca"
VENV_OPENFISCA = RACINE / "bench" / ".venv-openfisca"
CLI = "import sys; from cli.pension import app; sys.argv = ['pension', *sys.argv[1:]]; app()"
TOLERANCE = 0.05


def generer(n: int, graine: int, chemin: Path) -> None:
    """Synthetic cases departing at or after the legal age (62, or 64 from the 1961 generation; 58 ans 6 mois
    for actifs) and up to 4 years later."""
    rng = random.Random(graine)
    with open(chemin, "w", encoding="utf-8") as f:
        for _ in range(n):
            naissance = date(rng.randint(1948, 1970), rng.randint(1, 12), rng.randint(1, 28))
            active = rng.random() < 0.2
            age = (58 * 12 + 6 if active else (64 if naissance.year >= 1961 else 62) * 12) + rng.randint(0, 48)
            mois = naissance.month - 1 + age
            liquidation = date(naissance.year + mois // 12, mois % 12 + 1, naissance.day)
            cas = {
                "date_de_naissance": naissance.isoformat(),
                "date_de_liquidation": liquidation.isoformat(),
                "categorie": "active" if active else "sedentaire",
                "trimestres_services": rng.randint(60, 176),
                "indice_majore": rng.randint(340, 900),
            }
            if rng.random() < 0.5:
                cas["duree_assurance_autres_regimes"] = rng.randint(0, 40)
            if rng.random() < 0.15:
                cas["trimestres_bonifications"] = rng.randint(1, 16)
            if rng.random() < 0.4:
                cas["nombre_enfants"] = rng.choice([0, 1, 2, 2, 3, 3, 4, 5])
            f.write(json.dumps(cas) + "\n")


def decouper(chemin: Path, parts: int, dossier: Path) -> list[Path]:
    lignes = chemin.read_text(encoding="utf-8").splitlines(keepends=True)
    taille = -(-len(lignes) // parts)
    morceaux = []
    for k in range(parts):
        morceau = dossier / f"lot_{k}.jsonl"
        morceau.write_text("".join(lignes[k * taille : (k + 1) * taille]), encoding="utf-8")
        morceaux.append(morceau)
    return morceaux


def notre_debit(morceaux: list[Path]) -> float:
    """Wall time of the --lot CLI path, one process per slice, full results written to /dev/null."""
    debut = time.perf_counter()
    processus = [
        subprocess.Popen(
            [sys.executable, "-c", CLI, "simuler", "--lot", str(m), "--sortie", os.devnull],
            cwd=RACINE,
            stderr=subprocess.DEVNULL,
        )
        for m in morceaux
    ]
    codes = [p.wait() for p in processus]
    if any(codes):
        raise SystemExit(f"le calcul par lot a échoué : codes {codes}")
    return time.perf_counter() - debut


def comparable(cas: dict) -> bool:
    return (
        cas.get("categorie", "sedentaire") == "sedentaire"
        and not cas.get("trimestres_bonifications")
        and "2012-01-01" <= cas["date_de_liquidation"] < "2023-09-01"
    )


def nos_resultats(chemin: Path) -> dict[int, dict]:
    """Our results on the comparable cases: the CLI's batch function (``calculer_lot`` with ``simuler``, the
    batch path of the timed run), outside the timed run."""
    import orjson

    import pension
    from cli.pension import calculer_lot

    lignes = chemin.read_text(encoding="utf-8").splitlines()
    indices = [i for i, l in enumerate(lignes) if comparable(orjson.loads(l))]
    resultats = calculer_lot(pension.simuler, (lignes[i] for i in indices))
    return {i: orjson.loads(r) for i, r in zip(indices, resultats, strict=False)}


def openfisca(chemin: Path, sortie: Path) -> tuple[float, dict]:
    if not (VENV_OPENFISCA / "bin" / "python").exists():
        subprocess.run(["bash", str(OPENFISCA / "install.sh")], check=True)
    debut = time.perf_counter()
    r = subprocess.run(
        [
            str(VENV_OPENFISCA / "bin" / "python"),
            "-W",
            "ignore",
            str(OPENFISCA / "calcul_openfisca.py"),
            str(chemin),
            str(sortie),
        ],
        capture_output=True,
        text=True,
    )
    duree = time.perf_counter() - debut
    if r.returncode:
        raise SystemExit(f"openfisca a échoué :\n{r.stderr[-3000:]}")
    return duree, json.loads(r.stderr.strip().splitlines()[-1])


CAUSES = {
    "traitement (valeur du point d'indice)": "openfisca lit le point d'indice au 1er janvier de l'année de liquidation, nous à la date d'effet",
    "taux de liquidation (trimestres requis)": "tables de trimestres requis différentes pour certaines générations (openfisca trimtp par génération, "
    "nous : année des 60 ans puis loi 2014, versions datées)",
    "décote (trimestres manquants)": "décompte des mois jusqu'à l'âge d'annulation (openfisca : écart de dates numpy en mois ; nous : mois "
    "entiers + mois entamé, arrondi au trimestre supérieur)",
    "surcote (trimestres supplémentaires)": "avant 2009 nous comptons les trimestres commencés, période par période ; openfisca arrondit le total "
    "selon l'année de liquidation",
    "coefficient de décote/surcote (taux par trimestre)": "nous appliquons 0,75 % aux trimestres de surcote accomplis avant 2009 et 1,25 % après (openfisca : le "
    "taux de l'année de liquidation à tous) ; décote 2010 : 0,625 % (openfisca 0,65 %, coquille)",
    "minimum garanti (montant ou conditions)": "nous : MG100 revalorisé comme les pensions (chaîne datée) et conditions de durée d'assurance ou d'âge "
    "d'annulation ; openfisca : indice 227 × point d'indice courant, conditions sur les services",
    "autre": "arrondis",
}


def expliquer(nous: dict, eux: dict) -> str:
    """The first rule whose intermediate value differs."""
    if abs(nous["traitement_de_reference_annuel"] - eux["salaire_de_reference"]) > TOLERANCE:
        return "traitement (valeur du point d'indice)"
    if abs(nous["taux_de_liquidation"] / 0.75 - eux["coefficient_de_proratisation"]) > 1e-4:
        return "taux de liquidation (trimestres requis)"
    if nous["decote_trimestres"] != round(eux["decote_trimestres"]):
        return "décote (trimestres manquants)"
    if nous["surcote_trimestres"] != round(eux["surcote_trimestres"]):
        return "surcote (trimestres supplémentaires)"
    if nous["minimum_garanti_applique"] or eux["minimum_garanti"] > eux["pension_avant_minimum"] + TOLERANCE:
        return "minimum garanti (montant ou conditions)"
    if abs(nous["pension_avant_minimum"] - eux["pension_avant_minimum"]) > TOLERANCE:
        return "coefficient de décote/surcote (taux par trimestre)"
    return "autre"


def _n(x: float) -> str:
    return f"{x:_.0f}".replace("_", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cas", type=int, default=1_000_000)
    parser.add_argument("--processus", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--graine", type=int, default=2026)
    parser.add_argument("--sans-openfisca", action="store_true")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-pension-") as temp:
        dossier = Path(temp)
        cas = dossier / "cas.jsonl"
        generer(args.cas, args.graine, cas)
        morceaux = decouper(cas, args.processus, dossier)
        print(f"{args.cas} cas, {args.processus} processus")

        duree = notre_debit(morceaux)
        print(
            f"nous (cnracl pension simuler --lot, résultat complet avec explication) : {duree:.1f} s, "
            f"{_n(args.cas / duree)} cas/s"
        )
        if args.sans_openfisca:
            ecrire_section(
                "bench_pension",
                f"""## Calcul des pensions (`python -m bench.bench_pension --sans-openfisca`)

{_n(args.cas)} cas par `cnracl pension simuler --lot` ({args.processus} processus, résultat complet avec explication) :
{duree:.1f} s, {_n(args.cas / duree)} cas/s. Comparaison avec openfisca non demandée dans cette exécution.
""",
            )
            return 0

        sortie = dossier / "openfisca.jsonl"
        duree_of, temps = openfisca(cas, sortie)
        calcul_of = temps["lecture_s"] + temps["calcul_et_ecriture_s"]
        print(
            f"openfisca-france-pension 0.1.3 : {duree_of:.1f} s de bout en bout ({temps['cas']} cas, dont "
            f"{temps['chargement_s']:.1f} s de chargement du modèle), {_n(temps['cas'] / duree_of)} cas/s ; "
            f"hors chargement {_n(temps['cas'] / calcul_of)} cas/s"
        )
        print(
            f"rapport nous / openfisca : {(args.cas / duree) / (temps['cas'] / duree_of):.2f} (bout en bout), "
            f"{(args.cas / duree) / (temps['cas'] / calcul_of):.2f} (hors chargement du modèle)"
        )

        nous = nos_resultats(cas)
        eux = {}
        with open(sortie, encoding="utf-8") as f:
            for ligne in f:
                r = json.loads(ligne)
                if r["i"] in nous:
                    eux[r["i"]] = r
        accord, desaccords, exemples, erreurs = 0, Counter(), {}, 0
        for i, r in nous.items():
            if "erreurs" in r:
                erreurs += 1
                continue
            if i not in eux:
                continue
            base = r["pension_brute_annuelle"] - r["majoration_enfants"]
            if abs(base - eux[i]["pension_brute"]) <= TOLERANCE:
                accord += 1
            else:
                regle = expliquer(r, eux[i])
                desaccords[regle] += 1
                exemples.setdefault(regle, (i, round(base, 2), eux[i]["pension_brute"]))
        total = accord + sum(desaccords.values())
        print(
            f"cas comparables (sédentaire, sans bonification, effet 2012 → 31/08/2023) : {total} "
            f"({erreurs} refusés par nous : départ avant l'âge légal…)"
        )
        if total:
            print(f"accord à {TOLERANCE} € près : {accord} ({accord / total:.1%})")
        for regle, n in desaccords.most_common():
            i, a, b = exemples[regle]
            print(
                f"  désaccord — {regle} : {n} ({n / total:.1%}), ex. cas {i} : nous {a} €, openfisca {b} €\n"
                f"    cause : {CAUSES[regle]}"
            )
        debit, debit_of = args.cas / duree, temps["cas"] / duree_of
        lignes = "\n".join(
            f"| {regle} | {_n(n)} ({n / total:.1%}) | {CAUSES[regle]} |" for regle, n in desaccords.most_common()
        )
        ecrire_section(
            "bench_pension",
            f"""## Calcul des pensions contre openfisca-france-pension (`python -m bench.bench_pension`)

{_n(args.cas)} cas tirés au hasard (graine {args.graine}), les mêmes pour les deux modèles, dans la même exécution.

| | durée | débit |
|---|---|---|
| nous : `cnracl pension simuler --lot`, résultat complet avec explication, {args.processus} processus | {duree:.1f} s | {_n(debit)} cas/s |
| openfisca-france-pension 0.1.3, de bout en bout (dont {temps["chargement_s"]:.1f} s de chargement) | {duree_of:.1f} s | {_n(debit_of)} cas/s |

Rapport nous / openfisca : **{debit / debit_of:.2f}** (objectif de l'issue 3 : au moins 2) ; sans compter le chargement
du modèle openfisca ({_n(temps["cas"] / calcul_of)} cas/s) : {debit / (temps["cas"] / calcul_of):.2f}. Notre chemin `--lot` calcule
par lots de {_n(TAILLE_MORCEAU)} lignes (`pension/lot.py`), le même JSON que `simuler` cas par cas (`tests/pension/test_lot.py`).
Accord sur les {_n(total)} cas où les deux modèles appliquent les mêmes règles : {_n(accord)} ({accord / max(total, 1):.1%}).

| règle du premier écart | cas | cause |
|---|---|---|
{lignes}
""",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
