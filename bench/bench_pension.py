"""Benchmark of the pension module against openfisca-france-pension 0.1.3: same cases, same number of processes,
throughput reported per core.

    python -m bench.bench_pension [--cas 300000] [--processus 2] [--graine 2026] [--sans-openfisca] [--contre REV]
    (or through make bench's machinery: python -m bench pension -- --cas 300000)

1. Generates ``--cas`` synthetic cases (JSONL, deterministic for a seed): sédentaires and actifs born
   1948–1970, services as trimestres, other regimes, bonifications, children, index 340–900, pensions
   taking effect 2012–2034.
2. Ours: ``cnracl pension simuler --lot FILE --processus N`` (one command, a pool of N processes), the full
   result (explanation included) written as JSON lines to /dev/null; wall time from the command's start, so
   our start-up is counted. Run twice, before and after openfisca, to see the machine's drift; the mean counts.
3. OpenFisca: ``bench/openfisca/calcul_openfisca.py`` in its own venv (``bench/openfisca/install.sh``, pinned
   lock file), N processes at once, one slice of the same file each, vectorised simulations grouped by
   liquidation year, seven output numbers a case (no explanation). Each process reports its model loading
   time and its reading + computing time: « with loading » is the wall time of the N processes, « without
   loading » sums each process's cases over its own reading + computing time.
4. Per core = throughput ÷ N. The ratio ours ÷ openfisca is computed on those figures of the same run.
5. With ``--contre REV``: our code against our code at the git revision REV, on the first 50,000 cases, one
   process each, in turns (REV, this tree, REV, …, 5 runs each after one to warm up), the medians of processor and
   wall time: what a change of ours gained or lost, measured side by side.
6. Agreement on the cases where both models apply the same rules (sédentaire, no bonification, pension
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
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))

from bench.rapport import ecrire_section  # noqa: E402

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


def _notre_passage(racine: Path, cas: Path) -> tuple[float, float]:
    """Wall and processor time of ``simuler --lot`` on one process, with the code of the tree ``racine``."""
    debut, debut_cpu = time.perf_counter(), _processeur_des_enfants()
    env = {**os.environ, "PYTHONPATH": str(racine)}
    commande = [sys.executable, "-c", CLI, "simuler", "--lot", str(cas), "--processus", "1", "--sortie", os.devnull]
    if subprocess.run(commande, cwd=racine, env=env, stderr=subprocess.DEVNULL, check=False).returncode:
        raise SystemExit(f"le calcul par lot a échoué dans {racine}")
    return time.perf_counter() - debut, _processeur_des_enfants() - debut_cpu


def contre_revision(revision: str, cas: Path, dossier: Path, tours: int = 5) -> str:
    """Our code against our code at ``revision``, in turns on one process: the paragraph of the report."""
    lignes = cas.read_text(encoding="utf-8").splitlines(keepends=True)[:50_000]
    extrait = dossier / "ab.jsonl"
    extrait.write_text("".join(lignes), encoding="utf-8")
    ancien = dossier / "revision"
    subprocess.run(["git", "worktree", "add", "--detach", str(ancien), revision], cwd=RACINE, check=True)
    # Both sides read their bytecode (make bytecode wrote this tree's), none compiles at each start.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-x", r"/\.", str(ancien)], capture_output=True, check=False
    )
    try:
        mesures: dict[Path, list[tuple[float, float]]] = {ancien: [], RACINE: []}
        for tour in range(tours + 1):
            for racine in (ancien, RACINE):
                mesure = _notre_passage(racine, extrait)
                if tour:  # the first turn warms the disk cache and the bytecode
                    mesures[racine].append(mesure)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(ancien)], cwd=RACINE, check=False)
    (mur_a, cpu_a), (mur_b, cpu_b) = (
        (statistics.median(m[0] for m in mesures[r]), statistics.median(m[1] for m in mesures[r]))
        for r in (ancien, RACINE)
    )
    court = subprocess.run(
        ["git", "rev-parse", "--short", revision], cwd=RACINE, capture_output=True, text=True, check=False
    ).stdout.strip()
    print(f"contre {court} : {cpu_a:.2f} s → {cpu_b:.2f} s de processeur ({cpu_a / cpu_b:.2f} ×)")
    return (
        f"Notre code contre lui-même à la révision {court} (`--contre {revision}`) : les {_n(len(lignes))} premiers "
        f"cas, `simuler --lot --processus 1`, démarrage compris, les deux versions en alternance ({tours} passages "
        f"chacune après un de mise en route, médianes) : {cpu_a:.2f} s de processeur ({mur_a:.2f} s à l'horloge) à "
        f"{court}, {cpu_b:.2f} s ({mur_b:.2f} s) ici, soit {1e6 * cpu_a / len(lignes):.0f} → "
        f"{1e6 * cpu_b / len(lignes):.0f} µs de processeur par cas : **{cpu_a / cpu_b:.2f} ×**.\n"
    )


def _processeur_des_enfants() -> float:
    """Processor seconds (user + system) of the finished child processes and their own children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def notre_debit(cas: Path, processus: int) -> tuple[float, float]:
    """Wall time and processor time of ``cnracl pension simuler --lot`` with ``processus`` processes, full
    results to /dev/null."""
    debut, debut_cpu = time.perf_counter(), _processeur_des_enfants()
    resultat = subprocess.run(
        [
            sys.executable,
            "-c",
            CLI,
            "simuler",
            "--lot",
            str(cas),
            "--processus",
            str(processus),
            "--sortie",
            os.devnull,
        ],
        cwd=RACINE,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    if resultat.returncode:
        raise SystemExit(f"le calcul par lot a échoué : code {resultat.returncode}")
    return time.perf_counter() - debut, _processeur_des_enfants() - debut_cpu


def comparable(cas: dict) -> bool:
    return (
        cas.get("categorie", "sedentaire") == "sedentaire"
        and not cas.get("trimestres_bonifications")
        and "2012-01-01" <= cas["date_de_liquidation"] < "2023-09-01"
    )


def nos_resultats(chemin: Path) -> dict[int, dict]:
    """Our results on the comparable cases, through the function the timed command runs, outside the timing."""
    import orjson

    from pension.lot import calculer_lot

    lignes = chemin.read_text(encoding="utf-8").splitlines()
    indices = [i for i, ligne in enumerate(lignes) if comparable(orjson.loads(ligne))]
    resultats = calculer_lot("simuler", (lignes[i] for i in indices), processus=os.cpu_count() or 1)
    return {i: orjson.loads(r) for i, r in zip(indices, resultats, strict=True)}


def openfisca(morceaux: list[Path], dossier: Path) -> tuple[float, list[dict[str, Any]], list[Path]]:
    """Wall time of one openfisca process per slice, all at once; each process's timings (wall and processor,
    model loading apart); their outputs."""
    if not (VENV_OPENFISCA / "bin" / "python").exists():
        subprocess.run(["bash", str(OPENFISCA / "install.sh")], check=True)
    sorties = [dossier / f"openfisca_{k}.jsonl" for k in range(len(morceaux))]
    debut = time.perf_counter()
    lances = [
        subprocess.Popen(
            [
                str(VENV_OPENFISCA / "bin" / "python"),
                "-W",
                "ignore",
                str(OPENFISCA / "calcul_openfisca.py"),
                str(morceau),
                str(sortie),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for morceau, sortie in zip(morceaux, sorties, strict=True)
    ]
    erreurs = [lance.communicate()[1] for lance in lances]
    duree = time.perf_counter() - debut
    if any(lance.returncode for lance in lances):
        raise SystemExit(f"openfisca a échoué :\n{''.join(erreurs)[-3000:]}")
    return duree, [json.loads(erreur.strip().splitlines()[-1]) for erreur in erreurs], sorties


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


def _accord(
    nous: dict[int, dict[str, Any]], eux: dict[int, dict[str, Any]]
) -> tuple[int, Counter[str], dict[str, Any], int]:
    accord, desaccords, exemples, erreurs = 0, Counter[str](), dict[str, Any](), 0
    for i, resultat in nous.items():
        if "erreurs" in resultat:
            erreurs += 1
            continue
        if i not in eux:
            continue
        base = resultat["pension_brute_annuelle"] - resultat["majoration_enfants"]
        if abs(base - eux[i]["pension_brute"]) <= TOLERANCE:
            accord += 1
        else:
            regle = expliquer(resultat, eux[i])
            desaccords[regle] += 1
            exemples.setdefault(regle, (i, round(base, 2), eux[i]["pension_brute"]))
    return accord, desaccords, exemples, erreurs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cas", type=int, default=300_000)
    parser.add_argument("--processus", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--graine", type=int, default=2026)
    parser.add_argument("--sans-openfisca", action="store_true")
    parser.add_argument("--contre", metavar="REV", help="also measure our code against our code at git revision REV")
    args = parser.parse_args(argv)
    processus = args.processus
    commande = f"python -m bench.bench_pension --cas {args.cas} --processus {processus} --graine {args.graine}"
    commande += f" --contre {args.contre}" if args.contre else ""

    with tempfile.TemporaryDirectory(prefix="bench-pension-") as temp:
        dossier = Path(temp)
        cas = dossier / "cas.jsonl"
        generer(args.cas, args.graine, cas)
        print(f"{args.cas} cas, {processus} processus pour chaque modèle")

        avant, avant_cpu = notre_debit(cas, processus)
        print(f"nous (simuler --lot --processus {processus}) : {avant:.1f} s, {avant_cpu:.1f} s de processeur")
        if args.sans_openfisca:
            ecrire_section(
                "bench_pension",
                f"""## Calcul des pensions (`{commande} --sans-openfisca`)

{_n(args.cas)} cas par `cnracl pension simuler --lot --processus {processus}` (résultat complet avec explication) :
{avant:.1f} s, {_n(args.cas / avant)} cas/s ; {_n(args.cas / avant_cpu)} cas par seconde de processeur.
Comparaison avec openfisca non demandée dans cette exécution.
""",
            )
            return 0

        morceaux = decouper(cas, processus, dossier)
        duree_of, temps, sorties = openfisca(morceaux, dossier)
        apres, apres_cpu = notre_debit(cas, processus)
        print(f"openfisca ({processus} processus) : {duree_of:.1f} s ; nous de nouveau : {apres:.1f} s")

        cas_of = sum(t["cas"] for t in temps)
        duree, duree_cpu = (avant + apres) / 2, (avant_cpu + apres_cpu) / 2
        # Per core, by the wall clock: throughput ÷ processes (what N dedicated cores would give)
        nous_mur = args.cas / duree / processus
        of_mur = cas_of / duree_of / processus
        of_mur_sans = sum(t["cas"] / (t["lecture_s"] + t["calcul_et_ecriture_s"]) for t in temps) / processus
        # Per core, by the processor time the processes used (what a shared machine's load does not skew)
        nous_cpu = args.cas / duree_cpu
        of_cpu = cas_of / sum(t["chargement_cpu_s"] + t["lecture_calcul_cpu_s"] for t in temps)
        of_cpu_sans = cas_of / sum(t["lecture_calcul_cpu_s"] for t in temps)
        chargement = max(t["chargement_s"] for t in temps)
        print(
            f"par cœur (horloge) : nous {_n(nous_mur)}, openfisca {_n(of_mur)} avec chargement, {_n(of_mur_sans)} sans"
            f" ; par seconde de processeur : nous {_n(nous_cpu)}, openfisca {_n(of_cpu)} / {_n(of_cpu_sans)}"
        )

        nous = nos_resultats(cas)
        taille = -(-args.cas // processus)  # decouper's slice size: openfisca numbers lines within its slice
        eux = {}
        for k, sortie in enumerate(sorties):
            with open(sortie, encoding="utf-8") as fichier:
                for ligne in fichier:
                    resultat = json.loads(ligne)
                    if resultat["i"] + k * taille in nous:
                        eux[resultat["i"] + k * taille] = resultat
        accord, desaccords, exemples, erreurs = _accord(nous, eux)
        total = accord + sum(desaccords.values())
        print(f"cas comparables : {total} ({erreurs} refusés par nous), accord {accord}")
        for regle, nombre in desaccords.most_common():
            i, chez_nous, chez_eux = exemples[regle]
            print(f"  désaccord — {regle} : {nombre}, ex. cas {i} : nous {chez_nous} €, openfisca {chez_eux} €")
        lignes = "\n".join(
            f"| {regle} | {_n(n)} ({n / total:.1%}) | {CAUSES[regle]} |" for regle, n in desaccords.most_common()
        )
        ab = contre_revision(args.contre, cas, dossier) if args.contre else ""
        objectif = "atteint" if min(nous_mur / of_mur_sans, nous_cpu / of_cpu_sans) >= 2 else "non atteint"
        ecrire_section(
            "bench_pension",
            f"""## Calcul des pensions contre openfisca-france-pension, par cœur (`{commande}`)

{_n(args.cas)} cas tirés au hasard (graine {args.graine}), les mêmes pour les deux modèles, {processus} processus pour
chacun, l'un après l'autre dans la même exécution (nous, openfisca, nous de nouveau : la moyenne de nos deux passages
compte). Par cœur, deux mesures : à l'horloge (débit ÷ {processus}, ce que donneraient {processus} cœurs dédiés) et par
seconde de processeur consommée par les processus du modèle (user + system, ce que la charge des autres occupants
d'une machine partagée ne fausse pas).

| | durée | processeur | par cœur (horloge) | par seconde de processeur |
|---|---|---|---|---|
| nous : `cnracl pension simuler --lot --processus {processus}`, résultat complet avec explication (avant / après openfisca : {avant:.1f} s / {apres:.1f} s) | {duree:.1f} s | {duree_cpu:.1f} s | **{_n(nous_mur)} cas/s** | **{_n(nous_cpu)} cas/s** |
| openfisca-france-pension 0.1.3, {processus} processus, de bout en bout (chargement du modèle : {chargement:.1f} s) | {duree_of:.1f} s | {sum(t["chargement_cpu_s"] + t["lecture_calcul_cpu_s"] for t in temps):.1f} s | {_n(of_mur)} cas/s | {_n(of_cpu)} cas/s |
| openfisca, hors chargement du modèle (lecture + calcul de chaque processus) | — | {sum(t["lecture_calcul_cpu_s"] for t in temps):.1f} s | **{_n(of_mur_sans)} cas/s** | **{_n(of_cpu_sans)} cas/s** |

Rapport nous / openfisca par cœur, **hors chargement du modèle openfisca : {nous_mur / of_mur_sans:.2f} à l'horloge,
{nous_cpu / of_cpu_sans:.2f} par seconde de processeur** (objectif de l'issue 21 : au moins 2) ; chargement compris :
{nous_mur / of_mur:.2f} et {nous_cpu / of_cpu:.2f}. Objectif {objectif}.

Ce qui nous limite : chaque cas passe seul par la validation du cas (pydantic), les règles en arithmétique décimale
et l'explication (15 à 20 règles en français avec leur référence, ~6,5 Ko de JSON par cas, écrits) ; openfisca calcule
sept nombres par cas, en vecteurs numpy par année de liquidation, sans explication. Chaque règle n'est écrite qu'une
fois (`pension/calcul.py`, les mêmes fonctions pour `simuler`, `estimer` et `--lot`) ; la vitesse vient de la
mémoïsation (date → époque des paramètres, paramètres par nom et époque, règles par génération et par époque de
leurs paramètres, fragments d'explication par valeur distincte gardés déjà écrits en JSON) et d'un groupe de
processus. Atteindre 2 × demanderait d'écrire les règles comme fonctions de tableaux sur un lot (un cas = un
lot de un), la validation et l'explication par colonnes, le JSON assemblé par gabarits : une réécriture de tout le
module, non faite ici.

{ab}
Accord sur les {_n(total)} cas où les deux modèles appliquent les mêmes règles : {_n(accord)} ({accord / max(total, 1):.1%}).

| règle du premier écart | cas | cause |
|---|---|---|
{lignes}
""",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
