"""Frozen outputs of the pension module: the legal cases in full, 100,000 random cases as SHA-256 per block.

    .venv/bin/python -m tests.pension.figer                     # compare with the reference, list the blocks that differ
    .venv/bin/python -m tests.pension.figer --comparer REV      # and, case by case, what differs from revision REV
    .venv/bin/python -m tests.pension.figer --ecrire            # rewrite the reference (after a legal change)

The random lines come from a seeded generator (``lignes_du_bloc``): every shape ``simuler``, ``estimer`` and
``--lot`` accept (services as trimestres, days or periods of every nature; children as a count or a list;
carrière longue; services actifs; traitement as index or amount; invalidité, handicap; date de situation; rachat
d'études, activity income for the cumul, surcotisation of part time) and
invalid lines (bad JSON, bad UTF-8, unknown or mistyped fields, impossible dates, departures before the legal
age, …) that must answer with their French errors. Lines are answered by the CLI's batch function
(``pension.lot.calculer_lot``), exactly what ``cnracl pension simuler|estimer --lot`` writes: one block of
1,000 lines in ten goes through ``estimer``, the others through ``simuler``. ``make test`` checks a
deterministic tenth of the blocks (``BLOCS_RAPIDES``); this command checks all of them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, get_args

import yaml

from pension.modeles import Periode

RACINE = Path(__file__).resolve().parents[2]
DOSSIER = Path(__file__).resolve().parent
CAS_LEGAUX = DOSSIER / "cas"
REFERENCE_LEGAUX = DOSSIER / "figes" / "cas_legaux.jsonl"
REFERENCE_ALEATOIRES = DOSSIER / "figes" / "aleatoires.json"

GRAINE = 2126
NOMBRE_BLOCS = 100
TAILLE_BLOC = 1_000
BLOCS_RAPIDES = tuple(range(0, NOMBRE_BLOCS, 10))  # blocks 0, 10, … 90: 10,000 cases, one estimer block


def fonction_du_bloc(bloc: int) -> str:
    return "estimer" if bloc % 10 == 9 or bloc == 0 else "simuler"


# ---------------------------------------------------------------------------------------------------------------
# The generator


def _jour(rng: random.Random, debut: int, fin: int) -> date:
    return date(rng.randint(debut, fin), rng.randint(1, 12), rng.choice([1, 1, 15, 28, 29, 30, 31]))


def _jour_sur(rng: random.Random, debut: int, fin: int) -> date:
    while True:
        try:
            return _jour(rng, debut, fin)
        except ValueError:
            continue


NATURES = ("titulaire", "titulaire", *get_args(Periode.model_fields["nature"].annotation))


def _periodes(rng: random.Random, naissance: date, fin_max: date) -> list[dict[str, Any]]:
    debut = naissance + timedelta(days=rng.randint(17 * 365, 30 * 365))
    periodes = []
    for _ in range(rng.randint(1, 6)):
        if debut >= fin_max:
            break
        fin = min(debut + timedelta(days=rng.randint(20, 15 * 365)), fin_max)
        periode: dict[str, Any] = {"debut": debut.isoformat(), "fin": fin.isoformat()}
        if rng.random() < 0.4:
            periode["quotite"] = rng.choice([50, 60, 70, 80, 90, 100, 85.5])
            if rng.random() < 0.3:
                periode["surcotisation"] = rng.random() < 0.8
        if rng.random() < 0.4:
            periode["nature"] = rng.choice(NATURES)
        periodes.append(periode)
        debut = fin + timedelta(days=rng.choice([1, 1, 1, 2, 30, 400]))
    return periodes


def _enfants(rng: random.Random, naissance: date) -> list[dict[str, Any]]:
    enfants = []
    for _ in range(rng.randint(1, 4)):
        enfant: dict[str, Any] = {
            "date_de_naissance": (naissance + timedelta(days=rng.randint(18 * 365, 42 * 365))).isoformat()
        }
        if rng.random() < 0.5:
            enfant["interruption_activite"] = rng.random() < 0.7
        if rng.random() < 0.4:
            enfant["interruption_mois"] = rng.choice([0, 2, 6, 12, 24, 36, 48])
        if rng.random() < 0.4:
            enfant["accouchement_apres_recrutement"] = rng.random() < 0.7
        if rng.random() < 0.1:
            enfant["mois_education_handicap"] = rng.randint(0, 200)
        if rng.random() < 0.2:
            enfant["eleve"] = rng.random() < 0.7
        enfants.append(enfant)
    return enfants


def cas_valide(rng: random.Random) -> dict[str, Any]:
    """A case of any accepted shape, departing mostly around the legal ages (some before: errors or invalidité)."""
    naissance = _jour_sur(rng, 1944, 1975)
    categorie = rng.choice(["sedentaire", "sedentaire", "sedentaire", "active", None])
    age_mois = rng.randint(62 * 12, 69 * 12) if rng.random() < 0.8 else rng.randint(45 * 12, 72 * 12)
    liquidation = naissance + timedelta(days=age_mois * 30 + rng.randint(0, 40))
    cas: dict[str, Any] = {"date_de_naissance": naissance.isoformat()}
    if rng.random() < 0.97:
        cas["date_de_liquidation"] = liquidation.isoformat()
    if categorie is not None:
        cas["categorie"] = categorie
    forme = rng.random()
    if forme < 0.45:
        cas["trimestres_services"] = rng.choice([rng.randint(0, 200), rng.randint(60, 176), rng.randint(8, 70)])
    elif forme < 0.6:
        cas["duree_services_jours"] = rng.randint(0, 18_000)
    else:
        cas["periodes"] = _periodes(rng, naissance, liquidation - timedelta(days=rng.choice([1, 1, 1, 200, 2000])))
    if categorie == "active" and rng.random() < 0.5:
        cas["trimestres_services_actifs"] = rng.randint(0, 160)
    if rng.random() < 0.85:
        cas["indice_majore"] = rng.randint(200, 1200)
    if "indice_majore" not in cas or rng.random() < 0.05:
        cas["traitement_indiciaire_brut_annuel"] = rng.choice(
            [round(rng.uniform(15_000, 90_000), rng.choice([0, 1, 2, 3])), rng.randint(15_000, 90_000)]
        )
    for champ, chance, bornes in (
        ("trimestres_bonifications", 0.15, (0, 24)),
        ("duree_assurance_autres_regimes", 0.4, (0, 80)),
        ("duree_assurance_tous_regimes", 0.08, (0, 220)),
    ):
        if rng.random() < chance:
            cas[champ] = rng.randint(*bornes)
    enfants = rng.random()
    if enfants < 0.3:
        cas["nombre_enfants"] = rng.choice([0, 1, 2, 3, 3, 4, 6])
    elif enfants < 0.45:
        cas["enfants"] = _enfants(rng, naissance)
        if rng.random() < 0.3:
            cas["nombre_enfants"] = len(cas["enfants"]) + rng.randint(0, 2)
    if rng.random() < 0.07:
        cas["invalidite"] = True
    if rng.random() < 0.05:
        cas["handicap"] = rng.random() < 0.7
    if rng.random() < 0.06:
        cas["carriere_longue"] = {
            "trimestres_fin_annee": {str(age): rng.randint(0, 8) for age in rng.sample([16, 17, 18, 20, 21], 2)},
            "duree_cotisee": rng.randint(150, 190),
        }
    if rng.random() < 0.5:
        cas["date_de_situation"] = (liquidation - timedelta(days=rng.randint(-400, 12 * 365))).isoformat()
    if rng.random() < 0.06:
        cas["rachat_etudes"] = {"trimestres": rng.randint(1, 12), "option": rng.choice([1, 2, 3])}
        if rng.random() < 0.6:
            demande = naissance + timedelta(days=rng.randint(19 * 365, 68 * 365))
            cas["rachat_etudes"]["date_de_demande"] = demande.isoformat()
            if rng.random() < 0.5:
                fin = demande - timedelta(days=rng.randint(-100, 15 * 365))
                cas["rachat_etudes"]["fin_des_etudes"] = fin.isoformat()
    if rng.random() < 0.1:
        cas["revenus_activite_annuels"] = rng.choice([0, rng.randint(1_000, 60_000), round(rng.uniform(0, 9e4), 2)])
    return _regles_completes(cas)


def _regles_completes(cas: dict[str, Any]) -> dict[str, Any]:
    """Invalidity rate, art. 15 bonifications, FPH actives, the 2011 protection, periods réputées cotisées: drawn
    from a generator seeded by the case itself, so that the lines drawn before these fields existed stay the same."""
    rng = random.Random(json.dumps(cas, sort_keys=True))
    if cas.get("invalidite") and rng.random() < 0.6:
        cas["taux_invalidite"] = rng.choice([20, 50, 59.5, 60, 80, 100])
    if rng.random() < 0.12:
        cas["bonifications"] = [
            {"type": genre, "services_trimestres": rng.randint(0, 140)}
            | ({"campagne": rng.choice(["demi", "simple", "simple_et_demie", "double"])} if genre[0] == "c" else {})
            for genre in rng.sample(["hors_europe", "sapeurs_pompiers", "campagnes_militaires"], rng.randint(1, 2))
        ]
        if rng.random() < 0.3:
            cas["bonifications"].append({"type": "autre", "trimestres": rng.randint(0, 12)})
    if cas.get("categorie") == "active" and rng.random() < 0.3:
        cas["fonction_publique"] = "hospitaliere"
    if rng.random() < 0.03:
        cas["trimestres_services_actifs_avant_2011"] = rng.randint(40, 90)
    if "carriere_longue" in cas and rng.random() < 0.4:
        cas["carriere_longue"]["periodes_reputees_cotisees"] = {
            nature: rng.randint(0, 8)
            for nature in rng.sample(["maladie", "chomage", "service_national", "maternite"], 2)
        }
    return cas


FAUTES: tuple[Callable[[random.Random, dict[str, Any]], Any], ...] = (
    lambda rng, cas: cas | {"trimestres_services": -rng.randint(1, 9)},
    lambda rng, cas: cas | {"trimestres_services": "cent", "periodes": None},
    lambda rng, cas: cas | {"indice_majore": 0},
    lambda rng, cas: cas | {"categorie": rng.choice(["militaire", "Sedentaire", ""])},
    lambda rng, cas: cas | {"date_de_liquidation": rng.choice(["2024-02-30", "10/06/2024", "2024-6-1", 2024])},
    lambda rng, cas: cas | {"date_de_liquidation": "1930-01-01"},
    lambda rng, cas: cas | {"age": 64},
    lambda rng, cas: {k: v for k, v in cas.items() if k not in ("indice_majore", "traitement_indiciaire_brut_annuel")},
    lambda rng, cas: {
        k: v for k, v in cas.items() if k not in ("periodes", "trimestres_services", "duree_services_jours")
    },
    lambda rng, cas: cas | {"trimestres_services": 10, "duree_services_jours": 900},
    lambda rng, cas: cas | {"invalidite": "oui"},
    lambda rng, cas: cas | {"traitement_indiciaire_brut_annuel": -5.0},
    lambda rng, cas: cas | {"nombre_enfants": 0, "enfants": [{"date_de_naissance": "2000-01-01"}]},
    lambda rng, cas: cas | {"enfants": [{"date_de_naissance": "1900-01-01"}]},
    lambda rng, cas: cas | {"periodes": [{"debut": "2010-01-01", "fin": "2000-01-01"}]},
    lambda rng, cas: cas | {"periodes": [{"debut": "2000-01-01", "fin": "2010-01-01", "quotite": 120}]},
    lambda rng, cas: cas | {"carriere_longue": {"trimestres_fin_annee": {"16": -1}, "duree_cotisee": 170}},
    lambda rng, cas: cas | {"trimestres_bonifications": None},
    lambda rng, cas: cas | {"date_de_naissance": "1960-03-10T00:00:00"},
    lambda rng, cas: cas | {"trimestres_services": 150.0},
    lambda rng, cas: cas | {"indice_majore": "520"},
    lambda rng, cas: cas | {"trimestres_services": True},
    lambda rng, cas: cas | {"rachat_etudes": {"trimestres": rng.choice([0, 13]), "option": 1}},
    lambda rng, cas: cas | {"rachat_etudes": {"trimestres": 4, "option": rng.choice([0, 4, "1"])}},
    lambda rng, cas: cas | {"rachat_etudes": {"trimestres": 4, "option": 2, "date_de_demande": "1990-02-30"}},
    lambda rng, cas: cas | {"revenus_activite_annuels": -rng.randint(1, 9)},
    lambda rng, cas: [cas],
    lambda rng, cas: None,
    lambda rng, cas: "texte",
)

LIGNES_BRUTES = (
    b"{pas du json",
    b'{"date_de_naissance": "1960-03-10", "x": NaN}',
    b'{"categorie": "s\xe9dentaire"}',
    b"   ",
    b"",
    b'{"date_de_naissance": "1960-03-10",}',
)


def ligne_aleatoire(rng: random.Random) -> bytes:
    """One input line as bytes, as the CLI reads the file."""
    tirage = rng.random()
    if tirage < 0.01:
        return rng.choice(LIGNES_BRUTES)
    cas = cas_valide(rng)
    if tirage < 0.08:
        return json.dumps(rng.choice(FAUTES)(rng, cas)).encode()
    return json.dumps(cas, ensure_ascii=rng.random() < 0.5).encode()


def lignes_du_bloc(bloc: int) -> list[bytes]:
    rng = random.Random(f"{GRAINE}-{bloc}")
    return [ligne_aleatoire(rng) for _ in range(TAILLE_BLOC)]


# ---------------------------------------------------------------------------------------------------------------
# Outputs


def reponses_du_bloc(bloc: int) -> list[bytes]:
    """What ``cnracl pension simuler|estimer --lot`` writes for the block's lines (one answer per non-blank line)."""
    from pension.lot import calculer_lot

    return list(calculer_lot("estimer" if fonction_du_bloc(bloc) == "estimer" else "simuler", lignes_du_bloc(bloc)))


def empreinte(reponses: list[bytes]) -> str:
    return hashlib.sha256(b"\n".join(reponses)).hexdigest()


def cas_legaux() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(id, function, input) of every legal case, in file order."""
    for fichier in sorted(CAS_LEGAUX.glob("*.yaml")):
        for cas in yaml.safe_load(fichier.read_text(encoding="utf-8")):
            yield f"{fichier.stem}:{cas['nom']}", cas.get("fonction", "simuler"), cas["entree"]


def sortie_legale(fonction: str, entree: dict[str, Any]) -> str:
    import pension

    calcul = {"estimer": pension.estimer, "rachat": pension.coter_rachat}.get(fonction, pension.simuler)
    try:
        return calcul(json.loads(json.dumps(entree, default=str))).model_dump_json()
    except pension.ErreurCas as erreur:
        return json.dumps({"erreurs": erreur.erreurs}, ensure_ascii=False)


def sorties_legales() -> dict[str, str]:
    return {identifiant: sortie_legale(fonction, entree) for identifiant, fonction, entree in cas_legaux()}


def lire_reference_legale() -> dict[str, str]:
    sorties = {}
    for ligne in REFERENCE_LEGAUX.read_text(encoding="utf-8").splitlines():
        enregistrement = json.loads(ligne)
        sorties[enregistrement["cas"]] = enregistrement["sortie"]
    return sorties


def lire_reference_aleatoire() -> dict[str, Any]:
    reference: dict[str, Any] = json.loads(REFERENCE_ALEATOIRES.read_text(encoding="utf-8"))
    return reference


# ---------------------------------------------------------------------------------------------------------------
# The command


def _differences(avant: dict[str, Any], apres: dict[str, Any]) -> list[str]:
    """The top-level fields that differ, and the explanation's rules that differ (by id)."""
    champs = [c for c in sorted(set(avant) | set(apres)) if c != "explication" and avant.get(c) != apres.get(c)]
    regles_avant = {r["regle"]: r for r in avant.get("explication", [])}
    regles_apres = {r["regle"]: r for r in apres.get("explication", [])}
    regles = [
        f"explication.{r}"
        for r in sorted(set(regles_avant) | set(regles_apres))
        if regles_avant.get(r) != regles_apres.get(r)
    ]
    return [f"{c}: {avant.get(c)!r} → {apres.get(c)!r}" for c in champs] + regles


def _reponses_a_la_revision(revision: str, blocs: list[int]) -> dict[int, list[bytes]]:
    """The answers of the code at ``revision`` (a temporary git worktree) to the same lines."""
    reponses = {}
    with tempfile.TemporaryDirectory(prefix="figer-") as temp:
        arbre = Path(temp) / "arbre"
        subprocess.run(["git", "worktree", "add", "--detach", str(arbre), revision], cwd=RACINE, check=True)
        try:
            for bloc in blocs:
                entree = Path(temp) / f"bloc_{bloc}.jsonl"
                entree.write_bytes(b"\n".join(lignes_du_bloc(bloc)) + b"\n")
                code = "import sys; from cli.pension import app; sys.argv = ['pension', *sys.argv[1:]]; app()"
                resultat = subprocess.run(
                    [sys.executable, "-c", code, fonction_du_bloc(bloc), "--lot", str(entree)],
                    cwd=arbre,
                    capture_output=True,
                    check=False,
                )
                reponses[bloc] = resultat.stdout.splitlines()
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(arbre)], cwd=RACINE, check=False)
    return reponses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ecrire", action="store_true", help="réécrire la référence")
    parser.add_argument("--comparer", metavar="REV", help="expliquer cas par cas les blocs qui diffèrent de REV")
    parser.add_argument("--blocs", type=int, nargs="*", help="seulement ces blocs (défaut : tous)")
    args = parser.parse_args(argv)
    blocs = args.blocs if args.blocs else list(range(NOMBRE_BLOCS))

    legaux = sorties_legales()
    reponses = {bloc: reponses_du_bloc(bloc) for bloc in blocs}
    empreintes = {str(bloc): empreinte(r) for bloc, r in reponses.items()}
    if args.ecrire:
        REFERENCE_LEGAUX.parent.mkdir(exist_ok=True)
        REFERENCE_LEGAUX.write_text(
            "".join(json.dumps({"cas": c, "sortie": s}, ensure_ascii=False) + "\n" for c, s in legaux.items()),
            encoding="utf-8",
        )
        precedentes = lire_reference_aleatoire()["blocs"] if REFERENCE_ALEATOIRES.exists() else {}
        contenu = {
            "graine": GRAINE,
            "taille_bloc": TAILLE_BLOC,
            "commande": "python -m tests.pension.figer --ecrire",
            "blocs": {**precedentes, **empreintes},
        }
        REFERENCE_ALEATOIRES.write_text(json.dumps(contenu, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"référence écrite : {len(legaux)} cas légaux, {len(empreintes)} blocs de {TAILLE_BLOC} cas")
        return 0

    code = 0
    reference_legale = lire_reference_legale()
    for cas, sortie in legaux.items():
        if reference_legale.get(cas) != sortie:
            code = 1
            avant = json.loads(reference_legale.get(cas, "{}"))
            print(f"cas légal {cas} :\n  " + "\n  ".join(_differences(avant, json.loads(sortie))))
    attendues = lire_reference_aleatoire()["blocs"]
    differents = [bloc for bloc in blocs if attendues.get(str(bloc)) != empreintes[str(bloc)]]
    print(f"{len(blocs) - len(differents)} blocs identiques sur {len(blocs)} ; différents : {differents}")
    if differents:
        code = 1
    if differents and args.comparer:
        anciennes = _reponses_a_la_revision(args.comparer, differents)
        for bloc in differents:
            for numero, (avant, apres) in enumerate(zip(anciennes[bloc], reponses[bloc], strict=True)):
                if avant != apres:
                    print(f"bloc {bloc}, réponse {numero} ({fonction_du_bloc(bloc)}) :")
                    print("  " + "\n  ".join(_differences(json.loads(avant), json.loads(apres))))
    return code


if __name__ == "__main__":
    sys.exit(main())
