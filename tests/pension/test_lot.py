"""The batch path (``pension.lot``, behind ``cnracl pension simuler --lot``) answers every line exactly as the
scalar ``simuler`` does: legal cases, bench cases, edge cases around the regime transitions, bad lines (same
errors, same line numbers, same order) and the cases it hands back to the scalar path."""

from __future__ import annotations

import calendar
import json
import logging
import random
from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest
import yaml

import pension
from bench.bench_pension import generer
from cli.pension import _calculer_ligne, calculer_lot
from pension import lot

CAS_LEGAUX = Path(__file__).parent / "cas"


def scalaire(lignes: list[str]) -> list[str]:
    """The per-line path the CLI had before the batch: ``simuler`` then ``model_dump_json``, or the errors."""
    return [
        _calculer_ligne(pension.simuler, numero, ligne) for numero, ligne in enumerate(lignes, start=1) if ligne.strip()
    ]


def par_lot(lignes: list[str], taille: int = 5_000) -> tuple[list[str], set[int]]:
    """The batch answers, and the indices of the lines it handed back to the scalar path."""
    replis = set()

    def repli(i: int) -> str:
        replis.add(i)
        return _calculer_ligne(pension.simuler, i + 1, lignes[i])

    sorties = []
    for debut in range(0, len(lignes), taille):
        sorties += lot.simuler_lot(lignes[debut : debut + taille], lambda i: repli(debut + i))
    return sorties, replis


def erreurs(sorties: list[str]) -> set[int]:
    return {i for i, s in enumerate(sorties) if s.startswith('{"ligne":')}


def comparer(lignes: list[str], obtenu: list[str], attendu: list[str]) -> None:
    assert len(obtenu) == len(attendu)
    for ligne, o, a in zip(lignes, obtenu, attendu, strict=False):
        assert orjson.loads(o) == orjson.loads(a), f"cas {ligne}"


def test_cas_legaux_couverts_egaux_au_calcul_unitaire():
    lignes = []
    for fichier in sorted(CAS_LEGAUX.glob("*.yaml")):
        for c in yaml.safe_load(fichier.read_text(encoding="utf-8")):
            if c.get("fonction") != "estimer":
                lignes.append(json.dumps(c["entree"], default=str))
    obtenu, replis = par_lot(lignes)
    comparer(lignes, obtenu, scalaire(lignes))
    assert len(lignes) - len(replis) >= 40, f"le lot ne couvre que {len(lignes) - len(replis)} cas sur {len(lignes)}"


def test_cas_du_benchmark_identiques_octet_pour_octet(tmp_path):
    lignes = []
    for graine in (1, 7, 2026):
        chemin = tmp_path / f"cas_{graine}.jsonl"
        generer(4_000, graine, chemin)
        lignes += chemin.read_text(encoding="utf-8").splitlines()
    obtenu, replis = par_lot(lignes)
    assert obtenu == scalaire(lignes)
    assert replis == erreurs(obtenu)  # the bench cases are the batch's own: only errors go back


def _jour(rng: random.Random, autour: list[date]) -> date:
    return (
        rng.choice(autour) + timedelta(days=rng.randint(-400, 400))
        if rng.random() < 0.6
        else date(rng.randint(2004, 2040), rng.randint(1, 12), rng.randint(1, 28))
    )


TRANSITIONS = [
    date(2003, 12, 31),
    date(2004, 1, 1),
    date(2009, 1, 1),
    date(2010, 7, 1),
    date(2010, 11, 11),
    date(2011, 1, 1),
    date(2011, 7, 1),
    date(2023, 9, 1),
    date(2026, 9, 1),
]


def cas_limites(n: int, graine: int) -> list[dict]:
    """Cases around the transitions and rules the bench draws rarely: actifs, invalidité, handicap, 3+ children,
    the décote cap, long surcotes, low services (minimum garanti), the durée given, the traitement given."""
    rng = random.Random(graine)
    cas = []
    for _ in range(n):
        liquidation = _jour(rng, TRANSITIONS)
        active = rng.random() < 0.3
        invalidite = rng.random() < 0.1
        age = rng.randint((50 if invalidite else 57 if active else 60) * 12, 71 * 12)
        mois = liquidation.year * 12 + liquidation.month - 1 - age
        dernier = calendar.monthrange(mois // 12, mois % 12 + 1)[1]  # ends of month: ages reached on a clipped day
        naissance = date(mois // 12, mois % 12 + 1, rng.choice([1, 15, 28, dernier, dernier]))
        c: dict = {"date_de_naissance": naissance.isoformat(), "date_de_liquidation": liquidation.isoformat()}
        if active or rng.random() < 0.5:
            c["categorie"] = "active" if active else "sedentaire"
        if rng.random() < 0.8:
            c["trimestres_services"] = rng.choice([rng.randint(0, 200), rng.randint(8, 70), rng.randint(150, 180)])
        else:
            c["duree_services_jours"] = rng.randint(0, 18_000)
        if rng.random() < 0.85:
            c["indice_majore"] = rng.randint(200, 1500)
        if "indice_majore" not in c or rng.random() < 0.05:
            c["traitement_indiciaire_brut_annuel"] = round(rng.uniform(15_000, 90_000), rng.choice([0, 1, 2, 3]))
        for champ, chance, bornes in (
            ("trimestres_bonifications", 0.2, (0, 24)),
            ("duree_assurance_autres_regimes", 0.5, (0, 80)),
            ("duree_assurance_tous_regimes", 0.1, (0, 220)),
            ("nombre_enfants", 0.5, (0, 8)),
        ):
            if rng.random() < chance:
                c[champ] = rng.randint(*bornes)
        if invalidite or rng.random() < 0.05:
            c["invalidite"] = invalidite
        if rng.random() < 0.08:
            c["handicap"] = rng.random() < 0.7
        cas.append(c)
    return cas


def test_cas_limites_egaux_au_calcul_unitaire():
    lignes = [json.dumps(c) for c in cas_limites(6_000, 3)]
    obtenu, replis = par_lot(lignes, taille=1_500)
    comparer(lignes, obtenu, scalaire(lignes))
    assert replis == erreurs(obtenu)  # simple shapes: the batch answers every valid one
    assert len(replis) < len(lignes) // 3  # departures before the legal age, services under the minimum
    resultats = [orjson.loads(o) for o in obtenu]
    regles = {e["regle"] for r in resultats for e in r.get("explication", ())}
    assert {
        "decote_trimestres",
        "surcote",
        "surcote_plafond",
        "majoration_enfants",
        "plafond_pension",
        "trimestres_requis_active",
        "cumul_emploi_retraite",
        "bonifications",
    } <= regles
    assert any(r.get("minimum_garanti_applique") for r in resultats)
    assert any(r.get("depart_anticipe") == "invalidite" for r in resultats)
    assert any(r.get("decote_trimestres") == 20 for r in resultats)


BASE = {
    "date_de_naissance": "1960-03-10",
    "date_de_liquidation": "2024-06-10",
    "trimestres_services": 150,
    "indice_majore": 520,
}

MAUVAISES = [
    "{pas du json",
    "[1, 2]",
    '"texte"',
    "null",
    '{"date_de_naissance": "1960-03-10", "x": NaN}',
    json.dumps(BASE | {"trimestres_services": -1}),
    json.dumps(BASE | {"trimestres_services": "cent"}),
    json.dumps(BASE | {"indice_majore": 0}),
    json.dumps(BASE | {"categorie": "militaire"}),
    json.dumps(BASE | {"date_de_liquidation": "2024-02-30"}),
    json.dumps(BASE | {"date_de_liquidation": "10/06/2024"}),
    json.dumps(BASE | {"date_de_liquidation": "1950-01-01"}),
    json.dumps(BASE | {"date_de_liquidation": "2019-01-01"}),
    json.dumps(BASE | {"trimestres_services": 3}),
    json.dumps(BASE | {"trimestres_bonifications": None}),
    json.dumps(BASE | {"duree_services_jours": 100}),
    json.dumps(BASE | {"age": 64}),
    json.dumps({k: v for k, v in BASE.items() if k != "indice_majore"}),
    json.dumps(BASE | {"date_de_naissance": "1940-01-01", "date_de_liquidation": "2003-06-01"}),
    json.dumps(BASE | {"invalidite": "oui"}),
    json.dumps(BASE | {"traitement_indiciaire_brut_annuel": -5.0}),
]

REPLIS = [  # valid cases of another shape: the scalar path computes them
    BASE | {"trimestres_services": None, "periodes": [{"debut": "1990-01-01", "fin": "2024-06-09", "quotite": 80}]},
    BASE | {"enfants": [{"date_de_naissance": "1990-05-01", "interruption_activite": True}], "nombre_enfants": 3},
    BASE | {"enfants": [{"date_de_naissance": "2005-05-01", "interruption_mois": 12}]},
    BASE
    | {
        "carriere_longue": {"trimestres_fin_annee": {"20": 8}, "duree_cotisee": 175},
        "date_de_liquidation": "2022-06-10",
    },
    BASE | {"categorie": "active", "trimestres_services_actifs": 60},
    BASE | {"date_de_situation": "2020-01-01"},
    BASE | {"trimestres_services": 150.0},
    BASE | {"indice_majore": "520"},
    BASE | {"trimestres_services": True},
    BASE | {"traitement_indiciaire_brut_annuel": 40000},
    BASE | {"date_de_naissance": "1960-03-10T00:00:00"},
]


def test_lignes_mauvaises_melees_gardent_leur_numero_et_leur_ordre():
    rng = random.Random(5)
    bonnes = [json.dumps(c) for c in cas_limites(300, 11)]
    lignes = bonnes + MAUVAISES + [json.dumps(c) for c in REPLIS] + ["", "   "]
    rng.shuffle(lignes)
    obtenu = list(calculer_lot(pension.simuler, [l + "\n" for l in lignes], taille=64))
    attendu = scalaire(lignes)
    comparer([l for l in lignes if l.strip()], obtenu, attendu)
    numeros = [orjson.loads(o)["ligne"] for o in obtenu if o.startswith('{"ligne":')]
    vrais = [k for k, l in enumerate(lignes, start=1) if l.strip() and l in MAUVAISES]
    assert set(vrais) <= set(numeros) and numeros == sorted(numeros)


def test_cas_repris_par_le_calcul_unitaire_egaux():
    lignes = [json.dumps(c) for c in REPLIS] + MAUVAISES
    obtenu, replis = par_lot(lignes)
    assert len(replis) == len(lignes)
    comparer(lignes, obtenu, scalaire(lignes))


def test_un_ecart_avec_le_calcul_unitaire_reprend_le_morceau(monkeypatch, caplog):
    """A drift between the two paths is caught on the chunk's first case: the chunk is redone by the scalar path
    and the difference logged."""
    lignes = [json.dumps(c) for c in cas_limites(200, 13)]
    monkeypatch.setattr(lot, "_fr_c", lambda centimes: b"faux")
    with caplog.at_level(logging.ERROR, logger="pension.lot"):
        obtenu, replis = par_lot(lignes)
    assert len(replis) == len(lignes)
    comparer(lignes, obtenu, scalaire(lignes))
    assert "différent du calcul unitaire" in caplog.text


@pytest.mark.parametrize("centimes", [0, 1, 10, 99, 100, 105, 999_99, 1_000_00, 123_456_78, 98_765_432_10])
def test_formats_des_montants(centimes):
    from pension.calcul import _fr_euros

    assert lot._json_c(centimes).decode() == repr(centimes / 100)
    assert lot._fr_c(centimes).decode() == _fr_euros(centimes / 100)


def test_lecture_en_octets_comme_un_fichier_texte():
    """The CLI reads the file as bytes (the batch parses and writes UTF-8): lines end as a text file's do (\\n,
    \\r\\n, \\r), blank lines (Unicode blanks included) are skipped, numbers and errors stay those of the text
    reading, the batch's bytes are simuler's JSON in UTF-8."""
    import io

    from cli.pension import _lignes_octets, calculer_lot_octets

    bonnes = [json.dumps(c, ensure_ascii=False) for c in cas_limites(40, 17)]
    contenu = (
        "\r\n".join(bonnes[:10])
        + "\r"
        + "\r".join(bonnes[10:20])
        + "\n\u00a0\n\x1c\n  \n"
        + "\n".join(bonnes[20:])
        + "\n{pas du json\r\n"
        + json.dumps(BASE | {"nom": "Zoé"}, ensure_ascii=False)
    )
    texte = io.TextIOWrapper(io.BytesIO(contenu.encode()), encoding="utf-8")
    attendu = [a.encode() for a in scalaire(list(texte))]
    obtenu = list(calculer_lot_octets(pension.simuler, _lignes_octets(io.BytesIO(contenu.encode())), taille=16))
    assert obtenu == attendu
    assert sum(o.startswith(b'{"ligne":') for o in obtenu) >= 2
