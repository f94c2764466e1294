"""Runs in bench/.venv-openfisca: the pension brute of the bench cases through openfisca-france-pension 0.1.3.

Input: the bench JSONL (one CasPension a line). Output: one JSON line per case,
``{"i": n, "pension_brute": x, "pension_avant_minimum": x, "decote_trimestres": x, "surcote_trimestres": x,
"coefficient_de_proratisation": x, "salaire_de_reference": x, "minimum_garanti": x}`` and, on stderr, a JSON
line of timings (wall and processor time, model loading apart). Cases are grouped by liquidation year (an OpenFisca simulation computes one period) and
each group is one vectorised simulation. Career variables that openfisca builds year by year are given
directly for the liquidation year (services, durée d'assurance, last index), so both models read the same
totals. Only cases openfisca can take (services as trimestres, index, no carrière longue) are sent.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict

import numpy as np

SORTIES = {
    "pension_brute": "cnracl_pension_brute",
    "pension_avant_minimum": "cnracl_pension_avant_minimum_et_plafonnement",
    "decote_trimestres": "cnracl_decote_trimestres",
    "surcote_trimestres": "cnracl_surcote_trimestres",
    "coefficient_de_proratisation": "cnracl_coefficient_de_proratisation",
    "salaire_de_reference": "cnracl_salaire_de_reference",
    "minimum_garanti": "cnracl_minimum_garanti",
}


def lire(chemin: str) -> dict[int, list[tuple[int, dict]]]:
    groupes: dict[int, list[tuple[int, dict]]] = defaultdict(list)
    with open(chemin, encoding="utf-8") as f:
        for i, ligne in enumerate(f):
            cas = json.loads(ligne)
            if "trimestres_services" not in cas or "indice_majore" not in cas or "date_de_liquidation" not in cas:
                continue
            groupes[int(cas["date_de_liquidation"][:4])].append((i, cas))
    return groupes


def simuler_groupe(tbs, annee: int, cas: list[tuple[int, dict]]) -> dict[str, np.ndarray]:
    from openfisca_core.simulation_builder import SimulationBuilder

    n = len(cas)
    sim = SimulationBuilder().build_default_simulation(tbs, n)
    periode = str(annee)
    naissance = np.array([c["date_de_naissance"] for _, c in cas], dtype="datetime64[D]")
    liquidation = np.array([c["date_de_liquidation"] for _, c in cas], dtype="datetime64[D]")
    services = np.array([float(c["trimestres_services"]) for _, c in cas])
    assurance = np.array(
        [
            c["trimestres_services"] + c.get("trimestres_bonifications", 0) + c.get("duree_assurance_autres_regimes", 0)
            for _, c in cas
        ]
    )
    sim.set_input("date_de_naissance", "eternity", naissance)
    sim.set_input("cnracl_liquidation_date", "eternity", liquidation)
    sim.set_input("fonction_publique_liquidation_date", "eternity", liquidation)
    sim.set_input("regime_general_cnav_liquidation_date", "eternity", np.full(n, "2250-12-31", dtype="datetime64[D]"))
    sim.set_input("nombre_enfants", "eternity", np.array([c.get("nombre_enfants", 0) for _, c in cas]))
    sim.set_input("cnracl_depart_anticipe_trois_enfants", "eternity", np.zeros(n, dtype=bool))
    entrees = {
        "cnracl_duree_de_service_effective": services,
        "fonction_publique_duree_de_service_effective": services,  # read by openfisca's minimum garanti
        "duree_assurance_tous_regimes": assurance,
        "cnracl_dernier_indice_atteint": np.array([float(c["indice_majore"]) for _, c in cas]),
        "cnracl_actif_a_la_liquidation": np.array([c.get("categorie") == "active" for _, c in cas]),
        "cnracl_carriere_longue": np.zeros(n, dtype=bool),
        "cnracl_bonification_cpcm": np.array([float(c.get("trimestres_bonifications", 0)) for _, c in cas]),
    }
    for nom, valeurs in entrees.items():
        sim.set_input(nom, periode, valeurs)
    return {cle: sim.calculate(variable, periode) for cle, variable in SORTIES.items()}


def main() -> None:
    entree, sortie = sys.argv[1], sys.argv[2]
    debut, debut_cpu = time.perf_counter(), time.process_time()
    from openfisca_france_pension import CountryTaxBenefitSystem

    tbs = CountryTaxBenefitSystem()
    charge, charge_cpu = time.perf_counter(), time.process_time()
    groupes = lire(entree)
    lu = time.perf_counter()
    n = 0
    with open(sortie, "w", encoding="utf-8") as f:
        for annee in sorted(groupes):
            cas = groupes[annee]
            resultats = simuler_groupe(tbs, annee, cas)
            colonnes = {
                cle: valeurs.astype(float).round(6 if cle == "coefficient_de_proratisation" else 2).tolist()
                for cle, valeurs in resultats.items()
            }
            for k, (i, _) in enumerate(cas):
                f.write(json.dumps({"i": i, **{cle: colonnes[cle][k] for cle in colonnes}}) + "\n")
            n += len(cas)
    fin, fin_cpu = time.perf_counter(), time.process_time()
    print(
        json.dumps(
            {
                "cas": n,
                "chargement_s": round(charge - debut, 3),
                "lecture_s": round(lu - charge, 3),
                "calcul_et_ecriture_s": round(fin - lu, 3),
                "total_s": round(fin - debut, 3),
                "chargement_cpu_s": round(charge_cpu - debut_cpu, 3),
                "lecture_calcul_cpu_s": round(fin_cpu - charge_cpu, 3),
            }
        ),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
