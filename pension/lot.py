"""The batch path of ``cnracl pension simuler --lot``: many cases at once, the same JSON as ``simuler`` per case.

Why: ``simuler`` spends ~150 µs a case in pydantic, parameter lookups, Decimal arithmetic and f-strings; a
million cases must take seconds. The *simple* cases of a chunk (services as ``trimestres_services`` or
``duree_services_jours``, ``nombre_enfants`` without a list of ``enfants``, no ``periodes``, no
``carriere_longue``, no ``trimestres_services_actifs``, no ``date_de_situation``) are computed together:

* dates, ages and parameter lookups with numpy (each parameter read through ``pension.parametres`` and turned
  into arrays: versions by effect date, rows by generation or by year);
* what takes few distinct values in a chunk (rates, coefficients, labels, minimum garanti, traitement by index)
  once per distinct key, with the same Decimal expressions and formatters as ``pension.calcul``;
* the amounts (traitement × taux × coefficient, caps, minimum, majoration, rounding, cumul) per case in
  Decimal as the scalar path computes them, so every cent is the same;
* the JSON from pre-rendered fragments (references, constant text) with only the values filled in.

Every other line — another shape of case, a value pydantic would refuse or convert, a case on which a rule
raises (departure before the legal age, services below the minimum, a date no parameter covers) — goes
through ``repli``, the scalar path, so errors keep their messages and line numbers. A few batch answers of
each chunk are also recomputed by the scalar path: if they differ (a rule changed on one side only), the chunk
is redone by the scalar path and the difference logged. ``tests/pension/test_lot.py`` compares every case.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from itertools import repeat
from typing import Any

import numpy as np
import orjson

from pension.calcul import Explication, _fr, _fr_euros, _montant_minimum_garanti, _pct, simuler
from pension.parametres import Duree, Reference, Valeur, parametre, valeurs_datees

journal = logging.getLogger(__name__)

UN, ZERO = Decimal(1), Decimal(0)
BAS, HAUT = np.iinfo(np.int64).min, np.iinfo(np.int64).max
EPOQUE = date(1970, 1, 1).toordinal()
ENTIER_MAX = 10**6  # a larger count is an input error: the scalar path answers it
MEMOIRE_MAX = 200_000  # answers kept per key family
TEMOINS = 4  # batch answers of each chunk recomputed by the scalar path (first, last and between)

# Integer fields that may be absent or null, and those with a default (null refused by pydantic): minimum.
ENTIERS_OPTIONNELS = {
    "trimestres_services": 0,
    "duree_services_jours": 0,
    "duree_assurance_tous_regimes": 0,
    "indice_majore": 1,
    "nombre_enfants": 0,
}
ENTIERS_PAR_DEFAUT = {"trimestres_bonifications": 0, "duree_assurance_autres_regimes": 0}
BOOLEENS = ("invalidite", "handicap")
NULS = ("periodes", "carriere_longue", "trimestres_services_actifs", "date_de_situation")
CHAMPS_COUVERTS = frozenset(
    {
        "date_de_naissance",
        "date_de_liquidation",
        "categorie",
        "traitement_indiciaire_brut_annuel",
        "enfants",
        *ENTIERS_OPTIONNELS,
        *ENTIERS_PAR_DEFAUT,
        *BOOLEENS,
        *NULS,
    }
)


# --- parameters as arrays ------------------------------------------------------------------------------------


def _en_jours(valeurs: Sequence[date | None], vide: int) -> np.ndarray:
    return np.array([vide if v is None else v.toordinal() - EPOQUE for v in valeurs], dtype=np.int64)


def _date(jour: int) -> date:
    return date.fromordinal(EPOQUE + jour)


@cache
def _dates_versions(nom: str) -> np.ndarray:
    return _en_jours(parametre(nom).dates, 0)


@dataclass(frozen=True)
class Recherche:
    """One lookup for every row: ``codes`` index ``objets`` (the ``Valeur`` answered), −1 where not covered."""

    codes: np.ndarray
    objets: tuple[Valeur, ...]

    def champ(self, f: Callable[[Valeur], Any], dtype: Any = np.int64, defaut: Any = 0) -> np.ndarray:
        return np.array([f(o) for o in self.objets] + [defaut], dtype=dtype)[self.codes]  # −1 takes the default

    def references(self) -> list[str]:
        return [_reference(o.reference) for o in self.objets] + [""]

    def __getitem__(self, r: int) -> Valeur:
        return self.objets[self.codes[r]]


def par_date(nom: str, jours: np.ndarray) -> Recherche:
    """``valeur(nom, jour)`` for every row."""
    return Recherche(np.searchsorted(_dates_versions(nom), jours, side="right") - 1, tuple(parametre(nom).reponses))


@cache
def _table(nom: str) -> tuple[tuple[Valeur, ...], list[tuple[int, np.ndarray, np.ndarray]]]:
    """Every version's rows as (first code, lower bounds, upper bounds) sorted by lower bound (days or years)."""
    objets: list[Valeur] = []
    versions = []
    for lignes in parametre(nom).reponses:
        lignes = sorted(lignes, key=lambda l: (l[0] is not None, l[0] or 0))
        bornes = [b for l in lignes for b in l[:2] if b is not None]
        if bornes and isinstance(bornes[0], date):
            bas, haut = _en_jours([l[0] for l in lignes], BAS), _en_jours([l[1] for l in lignes], HAUT)
        else:
            bas = np.array([BAS if l[0] is None else l[0] for l in lignes], dtype=np.int64)
            haut = np.array([HAUT if l[1] is None else l[1] for l in lignes], dtype=np.int64)
        versions.append((len(objets), bas, haut))
        objets.extend(l[2] for l in lignes)
    return tuple(objets), versions


def par_ligne(nom: str, cles: np.ndarray, jours: np.ndarray) -> Recherche:
    """``par_generation(nom, naissance, jour)`` (birth dates in days) or ``par_annee(nom, annee, jour)``."""
    objets, versions = _table(nom)
    version = np.searchsorted(_dates_versions(nom), jours, side="right") - 1
    codes = np.full(len(cles), -1, dtype=np.int64)
    for v in np.unique(version[version >= 0]).tolist():
        premier, bas, haut = versions[v]
        ici = version == v
        k = np.searchsorted(bas, cles[ici], side="right") - 1
        trouve = (k >= 0) & (cles[ici] <= haut[np.maximum(k, 0)])
        codes[ici] = np.where(trouve, premier + k, -1)
    return Recherche(codes, objets)


# --- calendar, as pension.dates ------------------------------------------------------------------------------


def ajouter_mois(jours: np.ndarray, mois: np.ndarray) -> np.ndarray:
    """As ``pension.dates.ajouter_mois`` (days since 1970): the day clipped to the end of a shorter month."""
    j = jours.astype("M8[D]")
    debut = j.astype("M8[M]")
    quantieme = (j - debut.astype("M8[D]")).astype(np.int64)
    cible = debut + np.asarray(mois, dtype=np.int64)
    longueur = ((cible + 1).astype("M8[D]") - cible.astype("M8[D]")).astype(np.int64)
    return cible.astype("M8[D]").astype(np.int64) + np.minimum(quantieme, longueur - 1)


def mois_entiers(debut: np.ndarray, fin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """As ``pension.dates.mois_entiers``: (whole months, a started month remains); (0, False) if fin ≤ debut."""

    def en_mois(j: np.ndarray) -> np.ndarray:
        return j.astype("M8[D]").astype("M8[M]").astype(np.int64)

    mois = en_mois(fin) - en_mois(debut)
    mois = np.where(ajouter_mois(debut, mois) > fin, mois - 1, mois)
    positif = fin > debut
    return np.where(positif, mois, 0), positif & (ajouter_mois(debut, mois) < fin)


def annee(jours: np.ndarray) -> np.ndarray:
    return jours.astype("M8[D]").astype("M8[Y]").astype(np.int64) + 1970


@cache
def _textes_jours(premier: int, dernier: int) -> tuple[list[str], list[str]]:
    iso = np.datetime_as_string(np.arange(premier, dernier).astype("M8[D]")).tolist()
    return iso, [f"{s[8:10]}/{s[5:7]}/{s[:4]}" for s in iso]


class Jours:
    """ISO and dd/mm/yyyy texts of days, from one table by 40-year blocks (kept between chunks), grown on need."""

    BLOC = 40 * 365

    def __init__(self) -> None:
        self.premier, self.dernier = 0, 0
        self.iso: list[str] = []
        self.fr: list[str] = []

    def _couvrir(self, jours: np.ndarray) -> np.ndarray:
        bas, haut = int(jours.min()), int(jours.max())
        if bas < self.premier or haut >= self.dernier:
            self.premier = min(bas, self.premier if self.iso else bas) // self.BLOC * self.BLOC
            self.dernier = (max(haut, self.dernier - 1 if self.iso else haut) // self.BLOC + 1) * self.BLOC
            self.iso, self.fr = _textes_jours(self.premier, self.dernier)
        return jours - self.premier

    def en_iso(self, jours: np.ndarray) -> list[str]:
        iso = self.iso if len(jours) == 0 else (self._couvrir(jours), self.iso)[1]
        return [iso[j] for j in (jours - self.premier).tolist()]

    def en_fr(self, jours: np.ndarray) -> list[str]:
        fr = self.fr if len(jours) == 0 else (self._couvrir(jours), self.fr)[1]
        return [fr[j] for j in (jours - self.premier).tolist()]

    def en_iso_entete(self, jours: np.ndarray) -> list[bytes]:
        """``{"date_de_liquidation":"AAAA-MM-JJ`` (UTF-8), the start of a result."""
        if len(jours):
            self._couvrir(jours)
        entetes = _entetes_jours(self.premier, self.dernier)
        return [entetes[j] for j in (jours - self.premier).tolist()]


@cache
def _entetes_jours(premier: int, dernier: int) -> list[bytes]:
    return [b'{"date_de_liquidation":"' + s.encode() for s in _textes_jours(premier, dernier)[0]]


def _iso_jour(jour: int) -> str:
    return _date(jour).isoformat()


def _fr_jour(jour: int) -> str:
    s = _date(jour).isoformat()
    return f"{s[8:10]}/{s[5:7]}/{s[:4]}"


# --- fragments -----------------------------------------------------------------------------------------------

_MEMOIRES: dict[str, dict[bytes, Any]] = {}


def _cle(cles: Sequence[np.ndarray]) -> np.ndarray:
    """One integer per row for a combination of integer columns (mixed radix; ``np.unique`` rows otherwise)."""
    cle, base = np.zeros(len(cles[0]), dtype=np.int64), 1
    for c in cles:
        bas, haut = int(c.min()), int(c.max())
        base *= haut - bas + 1
        if base >= 2**62:
            return np.unique(np.stack(cles, axis=1), axis=0, return_inverse=True)[1].reshape(-1)
        cle = cle * (haut - bas + 1) + (c - bas)
    return cle


class RienACalculer(Exception):
    """No row of the chunk is left for the batch: the scalar path answers them all."""


def par_cle(nom: str, f: Callable[[int], Any], *cles: np.ndarray, ou: np.ndarray) -> list[Any]:
    """``f(row)`` once per distinct combination of ``cles`` among the rows ``ou`` (computed on its first row), for
    every row (the others, to be answered by the scalar path, take any row's answer). The keys are codes and
    counts whose meaning does not change between chunks, so the answers are kept (under ``nom``)."""
    lignes = np.flatnonzero(ou)
    if not len(lignes):
        raise RienACalculer
    memoire = _MEMOIRES.setdefault(nom, {})
    if len(memoire) > MEMOIRE_MAX:  # unusual inputs (thousands of distinct indices…): start again
        memoire.clear()
    cles = tuple(np.asarray(c, dtype=np.int64)[lignes] for c in cles)
    _, premiers, inverse = np.unique(_cle(cles), return_index=True, return_inverse=True)
    # each distinct key as the bytes of its integers (one C call for all: no tuple per key)
    distinctes = np.ascontiguousarray(np.stack(cles, axis=1)[premiers]).view(f"V{8 * len(cles)}").reshape(-1).tolist()
    valeurs = []
    for r, cle in zip(lignes[premiers].tolist(), distinctes, strict=False):
        v = memoire.get(cle)
        if v is None:
            v = memoire[cle] = f(r)
        valeurs.append(v)
    tableau = np.fromiter(valeurs, dtype=object, count=len(valeurs))
    if len(lignes) == len(ou):
        return tableau[inverse.reshape(-1)].tolist()
    sortie = np.fromiter(repeat(valeurs[0], len(ou)), dtype=object, count=len(ou))
    sortie[lignes] = tableau[inverse.reshape(-1)]
    return sortie.tolist()


@cache
def _reference(reference: Reference) -> str:
    return orjson.dumps({"titre": reference.titre, "url": reference.url}).decode()


def _json(v: Any) -> str:
    """A value as pydantic writes ``Regle.valeur``."""
    return repr(v) if type(v) is float else orjson.dumps(v).decode()


def regle(nom: str, libelle: str, valeur_json: str, reference_json: str) -> str:
    return (
        f',{{"regle":"{nom}","libelle":{orjson.dumps(libelle).decode()},"valeur":{valeur_json},'
        f'"reference":{reference_json}}}'
    )


def _age(mois: int) -> str:
    return f'{{"ans":{mois // 12},"mois":{mois % 12}}}'


@cache
def _pas(centimes: int) -> Decimal:
    return Decimal(1).scaleb(-centimes)


# --- reading -------------------------------------------------------------------------------------------------


def _colonne(cas: list[dict], nom: str, defaut: Any = None) -> list[Any]:
    return [d.get(nom, defaut) for d in cas]


def _entiers(valeurs: list[Any], ok: np.ndarray, minimum: int, nul_permis: bool) -> np.ndarray:
    """The integers (``None`` → −1 where allowed); a row pydantic would refuse or convert is marked not ok."""
    if set(map(type, valeurs)) <= {int} and minimum <= min(valeurs) and max(valeurs) <= ENTIER_MAX:
        return np.array(valeurs, dtype=np.int64)
    sortie = np.zeros(len(valeurs), dtype=np.int64)
    for k, v in enumerate(valeurs):
        if type(v) is int and minimum <= v <= ENTIER_MAX:
            sortie[k] = v
        elif v is None and nul_permis:
            sortie[k] = -1
        else:
            ok[k] = False
    return sortie


def _dates(valeurs: list[Any], ok: np.ndarray) -> np.ndarray:
    """Days since 1970 of strict ISO dates (AAAA-MM-JJ, 1900–2199); any other value marks its row not ok."""
    textes = [type(v) is str and len(v) == 10 for v in valeurs]
    propres = [v if t else "1970-01-01" for v, t in zip(valeurs, textes, strict=False)]
    try:
        jours = np.array(propres, dtype="M8[D]")
    except ValueError:
        jours = np.zeros(len(propres), dtype="M8[D]")
        for k, v in enumerate(propres):
            try:
                jours[k] = np.datetime64(v, "D")
            except ValueError:
                ok[k] = False
    # the text read back must be the text given (no "2024-02-30" → 2024-03-01), within 1900–2199
    ok &= (
        np.array(textes, dtype=bool)
        & (np.array(propres, dtype="U10") == np.datetime_as_string(jours))
        & (jours >= np.datetime64("1900-01-01"))
        & (jours <= np.datetime64("2199-12-31"))
    )
    return jours.astype(np.int64)


@dataclass
class Entrees:
    naissance: np.ndarray
    liq: np.ndarray
    active: np.ndarray
    entiers: dict[str, np.ndarray]
    invalidite: np.ndarray
    handicap: np.ndarray
    traitement_donne: list[Any]  # traitement_indiciaire_brut_annuel (float) or None

    def __getitem__(self, garder: np.ndarray) -> Entrees:
        return Entrees(
            self.naissance[garder],
            self.liq[garder],
            self.active[garder],
            {k: v[garder] for k, v in self.entiers.items()},
            self.invalidite[garder],
            self.handicap[garder],
            [self.traitement_donne[i] for i in garder.tolist()],
        )


def lire(cas: list[dict]) -> tuple[Entrees, np.ndarray]:
    """The columns of the cases, and which rows the batch covers (pydantic would accept them unchanged)."""
    ok = (
        np.array([v is None for nom in NULS for v in _colonne(cas, nom)], dtype=bool).reshape(len(NULS), -1).all(0)
        if cas
        else np.ones(0, dtype=bool)
    )
    ok &= np.array([d.get("enfants", []) == [] for d in cas], dtype=bool)
    naissance, liq = _dates(_colonne(cas, "date_de_naissance"), ok), _dates(_colonne(cas, "date_de_liquidation"), ok)
    ok &= liq > naissance
    categories = _colonne(cas, "categorie", "sedentaire")
    ok &= np.array([c in ("sedentaire", "active") for c in categories], dtype=bool)
    entiers = {nom: _entiers(_colonne(cas, nom), ok, m, True) for nom, m in ENTIERS_OPTIONNELS.items()}
    entiers |= {nom: _entiers(_colonne(cas, nom, 0), ok, m, False) for nom, m in ENTIERS_PAR_DEFAUT.items()}
    drapeaux = []
    for nom in BOOLEENS:
        valeurs = _colonne(cas, nom, False)
        ok &= np.array([type(v) is bool for v in valeurs], dtype=bool)
        drapeaux.append(np.array([v is True for v in valeurs], dtype=bool))
    traitement = _colonne(cas, "traitement_indiciaire_brut_annuel")
    ok &= np.array([t is None or (type(t) is float and t > 0) for t in traitement], dtype=bool)
    ok &= (entiers["indice_majore"] >= 1) | np.array([t is not None for t in traitement], dtype=bool)
    ok &= (entiers["trimestres_services"] >= 0) ^ (entiers["duree_services_jours"] >= 0)
    active = np.array([c == "active" for c in categories], dtype=bool)
    return Entrees(naissance, liq, active, entiers, drapeaux[0], drapeaux[1], traitement), ok


# --- the batch -----------------------------------------------------------------------------------------------


def simuler_lot(lignes: Sequence[str | bytes], repli: Callable[[int], str]) -> list[str]:
    """One JSON text per line, in order: ``simuler``'s result for the cases the batch covers, ``repli(i)`` (the
    scalar path, errors included) for line ``i`` otherwise."""
    return [t.decode() for t in simuler_lot_octets(lignes, repli)]


def simuler_lot_octets(lignes: Sequence[str | bytes], repli: Callable[[int], str]) -> list[bytes]:
    """As ``simuler_lot``, in UTF-8 (what the CLI writes): the batch's answers are built from UTF-8 pieces, only
    the scalar path's answers are encoded."""
    sorties: list[bytes | None] = [None] * len(lignes)
    indices, cas = [], []
    for i, ligne in enumerate(lignes):
        try:
            d = orjson.loads(ligne)
        except orjson.JSONDecodeError:
            continue
        if type(d) is dict and d.keys() <= CHAMPS_COUVERTS:
            indices.append(i)
            cas.append(d)
    if cas:
        entrees, ok = lire(cas)
        garder = np.flatnonzero(ok)
        if len(garder):
            try:
                textes, bons = calculer(entrees[garder])
            except RienACalculer:
                textes, bons = [], np.zeros(0, dtype=bool)
            indices = [indices[k] for k in garder.tolist()]
            calcules = np.flatnonzero(bons)
            for k in calcules[np.linspace(0, len(calcules) - 1, min(TEMOINS, len(calcules))).astype(int)].tolist():
                if not _conforme(lignes[indices[k]], textes[k]):
                    return [repli(i).encode() for i in range(len(lignes))]
            for i, texte, bon in zip(indices, textes, bons.tolist(), strict=False):
                if bon:
                    sorties[i] = texte
    return [s if s is not None else repli(i).encode() for i, s in enumerate(sorties)]


def _conforme(ligne: str | bytes, texte: bytes) -> bool:
    attendu = simuler(orjson.loads(ligne)).model_dump_json()
    if orjson.loads(attendu) == orjson.loads(texte):
        return True
    journal.error(
        "calcul par lot différent du calcul unitaire pour %s (lot repris au calcul unitaire) : attendu %s, obtenu %s",
        ligne if isinstance(ligne, str) else ligne.decode(errors="replace"),
        attendu,
        texte.decode(errors="replace"),
    )
    return False


def calculer(x: Entrees) -> tuple[list[bytes], np.ndarray]:
    """The result JSON of every row, and ``ok``: False where the scalar path raises (then it answers)."""
    naissance, liq, active = x.naissance, x.liq, x.active
    n = len(liq)
    ok = np.ones(n, dtype=bool)
    exempte = x.invalidite | x.handicap
    jours = Jours()
    colonnes: list[list[str]] = []  # one per rule, in the order of pension.calcul._simuler: a fragment or ""

    def couvert(r: Recherche, ou: np.ndarray | None = None) -> Recherche:
        ok[(r.codes < 0) if ou is None else (r.codes < 0) & ou] = False
        return r

    def v(nom: str) -> Recherche:
        return couvert(par_date(nom, liq))

    def par_categorie(prefixe: str) -> Recherche:
        s, a = par_ligne(f"{prefixe}_sedentaire", naissance, liq), par_ligne(f"{prefixe}_active", naissance, liq)
        codes = np.where(active, np.where(a.codes < 0, -1, a.codes + len(s.objets)), s.codes)
        return couvert(Recherche(codes, s.objets + a.objets))

    # âge d'ouverture des droits, limite d'âge
    aod = par_categorie("age_ouverture_droits")
    aod_mois = aod.champ(lambda o: o.valeur.en_mois)
    date_aod = ajouter_mois(naissance, aod_mois)
    la = par_categorie("limite_age")
    la_mois = la.champ(lambda o: o.valeur.en_mois)
    date_la = ajouter_mois(naissance, la_mois)

    # trimestres requis (actifs: the generation reaching the reference age on the opening date)
    generation = naissance
    codes_reference = np.full(n, -1, dtype=np.int64)
    reference = None
    if active.any():
        reference = couvert(par_date("trimestres_requis_active_age_reference", liq), ou=active)
        generation = np.where(active, ajouter_mois(date_aod, -reference.champ(lambda o: o.valeur.en_mois)), naissance)
        codes_reference = np.where(active, reference.codes, -1)
    requis_r = couvert(par_ligne("trimestres_requis", generation, liq))
    requis = requis_r.champ(lambda o: o.valeur, defaut=1)

    # services: no periods, no free periods for children
    jpt_r, jpm_r, seuil_r = v("jours_par_trimestre"), v("jours_par_mois"), v("trimestre_seuil_arrondi_jours")
    jpt, jpm = np.maximum(jpt_r.champ(lambda o: o.valeur), 1), jpm_r.champ(lambda o: o.valeur)
    e = x.entiers
    services_jours = np.where(e["trimestres_services"] >= 0, e["trimestres_services"] * jpt, e["duree_services_jours"])
    entiers, reste = np.divmod(services_jours, jpt)
    trimestres = entiers + (reste >= seuil_r.champ(lambda o: o.valeur))
    superieur = v("duree_assurance_arrondi").champ(lambda o: o.valeur == "superieur", dtype=bool, defaut=False)
    trimestres_assurance = np.where(superieur, -(-services_jours // jpt), services_jours // jpt)
    ok &= (services_jours >= v("duree_services_minimum").champ(lambda o: o.valeur.en_mois) * jpm) | x.invalidite
    services = par_cle(
        "services",
        lambda r: regle(
            "services",
            f"Services : {_fr(Decimal(int(services_jours[r])))} jours (mois de {jpm_r[r].valeur} jours, temps "
            f"partiel au prorata) soit {trimestres[r]} trimestres, fraction d'au moins {seuil_r[r].valeur} jours "
            "comptée pour un trimestre",
            str(trimestres[r]),
            _reference(seuil_r[r].reference),
        ).encode(),
        services_jours,
        jpt_r.codes,
        jpm_r.codes,
        seuil_r.codes,
        ou=ok,
    )

    # bonifications, taux de liquidation
    bonif = e["trimestres_bonifications"]
    pmax_r, pmaxb_r = v("pourcentage_maximum"), v("pourcentage_maximum_bonifications")
    avec_bonif = bonif > 0
    bonifications = (
        par_cle(
            "bonifications",
            lambda r: (
                f',{{"regle":"bonifications","libelle":"Bonifications (art. 15) : {bonif[r]} trimestres",'
                f'"valeur":{bonif[r]},"reference":{_reference(pmaxb_r[r].reference)}}}'.encode()
                if bonif[r]
                else b""
            ),
            bonif,
            np.where(avec_bonif, pmaxb_r.codes, -1),
            ou=ok,
        )
        if avec_bonif.any()
        else None
    )
    base_services = np.minimum(trimestres, requis)

    def taux_de_liquidation(r: int) -> tuple[Decimal, str, bytes, bytes, float, bytes]:
        pmax, pmaxb, b, base, q = pmax_r[r], pmaxb_r[r], int(bonif[r]), int(base_services[r]), int(requis[r])
        taux = Decimal(str(pmax.valeur)) * (base + b) / q
        plafond = Decimal(str(pmaxb.valeur)) if b else Decimal(str(pmax.valeur))
        taux = min(taux, plafond)
        affiche = _json(round(float(taux), 6))
        return (
            taux,
            _pct(taux),
            affiche.encode(),
            regle(
                "taux_de_liquidation",
                f"Taux de liquidation : {_pct(Decimal(str(pmax.valeur)))} × ({base} trimestres de "
                f"services retenus + {b} de bonifications) / {q} = {_pct(taux)} (services au-delà du nombre requis non "
                f"rémunérés ; plafond {_pct(plafond)})",
                affiche,
                _reference((pmaxb if b else pmax).reference),
            ).encode(),
            float(taux),
            _pct(taux).encode(),
        )

    taux = par_cle(
        "taux_de_liquidation", taux_de_liquidation, base_services, bonif, requis, pmax_r.codes, pmaxb_r.codes, ou=ok
    )

    # durée d'assurance
    donnee, autres = e["duree_assurance_tous_regimes"], e["duree_assurance_autres_regimes"]
    fournie = donnee >= 0
    duree_assurance = np.where(fournie, donnee, trimestres_assurance + bonif + autres)
    da_r = v("duree_assurance_trimestres_par_an")

    refs = [r.encode() for r in da_r.references()]  # many distinct values: a template filled per row
    durees = [
        _DUREE_FOURNIE % (d, d, refs[k]) if f else _DUREE % (d, ta, b, a, d, refs[k])
        for d, f, ta, b, a, k in zip(
            duree_assurance.tolist(),
            fournie.tolist(),
            trimestres_assurance.tolist(),
            bonif.tolist(),
            autres.tolist(),
            da_r.codes.tolist(),
            strict=False,
        )
    ]

    # opening of rights (no carrière longue): before it, only for invalidité
    date_ouverture = date_aod
    depart_anticipe = liq < date_ouverture
    ok &= ~depart_anticipe | x.invalidite

    # âge d'annulation, décote
    annee_ouverture = annee(date_aod)
    ecart_r = couvert(par_ligne("decote_ecart_age_annulation", annee_ouverture, liq))
    tt_r = couvert(par_ligne("decote_taux", annee_ouverture, liq))
    ecart = ecart_r.champ(lambda o: -1 if o.valeur is None else o.valeur)
    annulation_mois = np.where(ecart < 0, aod_mois, la_mois - 3 * ecart)
    date_annulation = ajouter_mois(naissance, annulation_mois)

    def bloc_naissance(r: int) -> tuple[bytes, bytes, bytes]:
        """What the birth date, the category and the versions in force decide: the header from
        ``categorie_retenue`` to ``trimestres_services``, the first rules, the âge d'annulation's rule."""
        a, am, lm, an, ec, q = (
            bool(active[r]),
            int(aod_mois[r]),
            int(la_mois[r]),
            int(annulation_mois[r]),
            int(ecart[r]),
            int(requis[r]),
        )
        ouverture, annulation = _iso_jour(int(date_aod[r])), _iso_jour(int(date_annulation[r]))
        entete = (
            f'","categorie_retenue":"{"active" if a else "sedentaire"}","date_ouverture_droits":"{ouverture}",'
            f'"age_ouverture_droits":{_age(am)},"depart_anticipe":{INVALIDITE if depart_anticipe[r] else "null"},'
            f'"age_annulation_decote":{_age(an)},"date_annulation_decote":"{annulation}","limite_age":{_age(lm)},'
            f'"trimestres_requis":{q},"trimestres_services":'
        )
        regles = (
            f'{{"regle":"age_ouverture_droits","libelle":"Âge d\'ouverture des droits '
            f"({'catégorie active' if a else 'sédentaire'}) : {Duree.depuis_mois(am)}, atteint le "
            f'{_fr_jour(int(date_aod[r]))}","valeur":{_age(am)},"reference":{_reference(aod[r].reference)}}}'
            f',{{"regle":"limite_age","libelle":"Limite d\'âge : {Duree.depuis_mois(lm)}, atteinte le '
            f'{_fr_jour(int(date_la[r]))}","valeur":{_age(lm)},"reference":{_reference(la[r].reference)}}}'
        )
        if a:
            ref = reference[r]
            regles += (
                f',{{"regle":"trimestres_requis_active","libelle":"Catégorie active : trimestres requis de la '
                f"génération qui atteint {ref.valeur} à l'ouverture des droits (née le "
                f'{_fr_jour(int(generation[r]))})","valeur":"{_iso_jour(int(generation[r]))}","reference":'
                f"{_reference(ref.reference)}}}"
            )
        o = requis_r[r]
        regles += regle(
            "trimestres_requis",
            f"Trimestres requis pour le taux maximum et le taux plein : {o.valeur}",
            str(o.valeur),
            _reference(o.reference),
        )
        texte_annulation = (
            f',{{"regle":"age_annulation_decote","libelle":"Droits ouverts en {annee_ouverture[r]} : '
            f"âge d'annulation de la décote "
            + (f"{Duree.depuis_mois(an)} (limite d'âge − {ec} trimestres)" if ec >= 0 else "sans objet (pas de décote)")
            + f', le {_fr_jour(int(date_annulation[r]))}","valeur":{_age(an)},"reference":'
            f"{_reference(ecart_r[r].reference)}}}"
        )
        return entete.encode(), regles.encode(), texte_annulation.encode()

    blocs = par_cle(
        "naissance",
        bloc_naissance,
        naissance,
        active,
        depart_anticipe,
        aod.codes,
        la.codes,
        codes_reference,
        requis_r.codes,
        ecart_r.codes,
        ou=ok,
    )

    plafond_decote_r = v("decote_plafond_trimestres")
    avec_decote = (
        ~exempte
        & (duree_assurance < requis)
        & (liq < date_annulation)
        & tt_r.champ(lambda o: bool(o.valeur), dtype=bool, defaut=False)
    )
    mois, entame = mois_entiers(liq, date_annulation)
    par_age, par_duree = -(-(mois + entame) // 3), requis - duree_assurance
    plafond_decote = plafond_decote_r.champ(lambda o: o.valeur)
    decote = np.where(avec_decote, np.minimum(np.minimum(par_age, par_duree), plafond_decote), 0)
    manquants = None
    if avec_decote.any():
        refs = [r.encode() for r in plafond_decote_r.references()]
        manquants = [
            _MANQUANTS % (a, d, q, p, t, t, refs[k]) if avec else b""
            for avec, a, d, q, p, t, k in zip(
                avec_decote.tolist(),
                par_age.tolist(),
                par_duree.tolist(),
                requis.tolist(),
                plafond_decote.tolist(),
                decote.tolist(),
                plafond_decote_r.codes.tolist(),
                strict=False,
            )
        ]

    def taux_de_decote(r: int) -> tuple[Decimal, bytes, bytes]:
        tt = tt_r[r]
        t = Decimal(str(tt.valeur)) * int(decote[r])
        affiche = _json(round(float(t), 6))
        return (
            t,
            affiche.encode(),
            regle(
                "decote",
                f"Décote : {decote[r]} × {_pct(Decimal(str(tt.valeur)))} = {_pct(t)}"
                + (" (exonération : invalidité ou handicap)" if exempte[r] else ""),
                affiche,
                _reference(tt.reference),
            ).encode(),
        )

    decotes = par_cle("taux_de_decote", taux_de_decote, decote, tt_r.codes, exempte, ou=ok)

    # surcote: trimestres beyond the requirement, counted per period of the rate and of the counting mode
    surcote_taux_r = v("surcote_taux")
    if active.any():  # actifs: their own table; sédentaires: the âge d'ouverture des droits
        surc = couvert(par_ligne("age_surcote_active", naissance, liq), ou=active)
        age_surcote_r = Recherche(
            np.where(active, surc.codes, np.where(aod.codes < 0, -1, aod.codes + len(surc.objets))),
            surc.objets + aod.objets,
        )
    else:
        age_surcote_r = aod
    age_surcote_mois = age_surcote_r.champ(lambda o: o.valeur.en_mois)
    debut_surcote = np.maximum(
        ajouter_mois(naissance, age_surcote_mois), _en_jours([valeurs_datees("surcote_taux")[0].date_effet], 0)[0]
    )
    fin_activite = liq
    excedent = duree_assurance - bonif - requis
    avec_surcote = (decote == 0) & (excedent > 0) & (fin_activite > debut_surcote)
    surcote = np.zeros(n, dtype=np.int64)
    segments: list[tuple[Decimal, np.ndarray]] = []
    colonnes_surcote: list[list[bytes]] = []
    if avec_surcote.any():
        debuts = par_cle(
            "age_surcote",
            lambda r: (  # the age and its date, once per (age, day, version)
                f',{{"regle":"age_surcote","libelle":"Trimestres ouvrant la surcote : accomplis à partir de '
                f"{Duree.depuis_mois(int(age_surcote_mois[r]))} ({_fr_jour(int(debut_surcote[r]))}) au-delà des ".encode()
                if avec_surcote[r]
                else b""
            ),
            avec_surcote,
            *(np.where(avec_surcote, c, 0) for c in (age_surcote_mois, debut_surcote, age_surcote_r.codes)),
            ou=ok,
        )
        refs = [r.encode() for r in age_surcote_r.references()]
        colonnes_surcote.append(
            [
                _AGE_SURCOTE % (d, q, ex, ex, refs[k]) if s else b""
                for s, d, q, ex, k in zip(
                    avec_surcote.tolist(),
                    debuts,
                    requis.tolist(),
                    excedent.tolist(),
                    age_surcote_r.codes.tolist(),
                    strict=False,
                )
            ]
        )
        coupures = sorted({int(j) for nom in ("surcote_taux", "surcote_decompte") for j in _dates_versions(nom)})
        comptes = []
        for a0, b0 in zip(coupures, [*coupures[1:], HAUT], strict=False):
            a, b = np.maximum(debut_surcote, a0), np.minimum(fin_activite, b0)
            present = avec_surcote & (a < b)  # every period kept, even unused here: keys stay the same per chunk
            mode, t = par_date("surcote_decompte", np.array([a0])), par_date("surcote_taux", np.array([a0]))
            if mode.codes[0] < 0 or t.codes[0] < 0:  # a period before the first version: the scalar path says so
                ok[present] = False
                continue
            m, ent = mois_entiers(a, b)
            entier = mode[0].valeur == "trimestre_entier"
            comptes.append([np.where(present, m // 3 if entier else -(-(m + ent) // 3), 0), t[0], entier])
        plafond_r = v("surcote_plafond_trimestres")
        plafond = plafond_r.champ(lambda o: -1 if o.valeur is None else o.valeur)
        surplus = sum((c[0] for c in comptes), np.zeros(n, dtype=np.int64)) - np.where(
            plafond < 0, excedent, np.minimum(excedent, plafond)
        )
        for c in comptes:  # the trimestres beyond the requirement are the latest: drop the earliest first
            retire = np.minimum(c[0], np.maximum(surplus, 0))
            c[0] = c[0] - retire
            surplus = surplus - retire
        for nb, t, entier in comptes:
            surcote += nb
            segments.append((Decimal(str(t.valeur)), nb))
            if not nb.any():
                continue
            debut = (
                ',{"regle":"surcote","libelle":"Surcote : ',
                f" trimestre(s) × {_pct(Decimal(str(t.valeur)))} "
                f"({'trimestres entiers' if entier else 'trimestres commencés'} accomplis à partir du "
                f'{t.date_effet:%d/%m/%Y})","valeur":',
                f',"reference":{_reference(t.reference)}}}',
            )
            textes_nb = {
                k: f"{debut[0]}{k}{debut[1]}{k}{debut[2]}".encode() if k else b"" for k in np.unique(nb).tolist()
            }
            colonnes_surcote.append([textes_nb[k] for k in nb.tolist()])
        atteint = avec_surcote & (plafond >= 0) & (surcote == plafond)
        if atteint.any():
            refs = [r.encode() for r in plafond_r.references()]
            gabarit = ',{"regle":"surcote_plafond","libelle":"Surcote plafonnée à %d trimestres","valeur":%d,"reference":%s}'.encode()
            colonnes_surcote.append(
                [
                    gabarit % (p, p, refs[k]) if a else b""
                    for a, p, k in zip(atteint.tolist(), plafond.tolist(), plafond_r.codes.tolist(), strict=False)
                ]
            )
    # surcote parentale: needs a bonification or majoration for children, none without a list of children
    parentale = par_date("surcote_parentale_taux", liq)
    couvert(par_date("surcote_parentale_age_minimum", liq), ou=parentale.codes >= 0)

    def coefficient(r: int) -> tuple[Decimal, str, bytes, bytes, float, bytes, bytes]:
        taux_surcote = ZERO
        for t, nb in segments:
            taux_surcote += t * int(nb[r])
        c = UN - decotes[r][0] if decote[r] else UN + taux_surcote
        affiche = round(float(c), 6)
        source = tt_r[r] if decote[r] else surcote_taux_r[r]
        return (
            c,
            _fr(affiche),
            _json(round(float(taux_surcote), 6)).encode(),
            regle(
                "coefficient", f"Coefficient : {_fr(affiche)}", _json(affiche), _reference(source.reference)
            ).encode(),
            float(c),
            _json(affiche).encode(),
            _fr(affiche).encode(),
        )

    coefficients = par_cle(
        "coefficient", coefficient, decote, tt_r.codes, surcote_taux_r.codes, *(nb for _, nb in segments), ou=ok
    )

    montants = _montants(
        x, liq, v, trimestres, requis, duree_assurance, date_ouverture, date_annulation, exempte, taux, coefficients, ok
    )
    for r in (aod, la, requis_r, ecart_r, tt_r):
        couvert(r)
    # one template per chunk (its optional rules as %s) filled once per row: no intermediate text
    colonnes: list[Any] = [
        jours.en_iso_entete(liq),
        [b[0] for b in blocs],
        trimestres.tolist(),
        bonif.tolist(),
        (base_services + bonif).tolist(),
        duree_assurance.tolist(),
        [t[2] for t in taux],
        decote.tolist(),
        [d[1] for d in decotes],
        surcote.tolist(),
        [c[2] for c in coefficients],
        [c[5] for c in coefficients],
        [m[0] for m in montants],
        [b[1] for b in blocs],
        services,
    ]
    if bonifications is not None:
        colonnes.append(bonifications)
    colonnes += [[t[3] for t in taux], durees, [b[2] for b in blocs]]
    if manquants is not None:
        colonnes.append(manquants)
    colonnes.append([d[2] for d in decotes])
    colonnes += colonnes_surcote
    colonnes += [[c[3] for c in coefficients], [m[1] for m in montants]]
    gabarit = (
        b'%s%s%d,"trimestres_bonifications":%d,"trimestres_liquidables":%d,"duree_assurance_tous_regimes":%d,'
        b'"taux_de_liquidation":%s,"decote_trimestres":%d,"taux_decote":%s,"surcote_trimestres":%d,'
        b'"surcote_parentale_trimestres":0,"taux_surcote":%s,"coefficient":%s,%s,"explication":[%s%s'
        + b"%s" * (len(colonnes) - 15)
        + b"]}"
    )
    textes = [gabarit % t for t in zip(*colonnes, strict=False)]
    return textes, ok


INVALIDITE = '"invalidite"'
# Rules with many distinct values, filled per row (UTF-8; the same texts as pension.calcul)
_DUREE = (
    ',{"regle":"duree_assurance","libelle":"Durée d\'assurance tous régimes : %d trimestres (%d CNRACL à temps '
    'plein + %d bonifications + 0 majorations + %d autres régimes)","valeur":%d,"reference":%s}'
).encode()
_DUREE_FOURNIE = (
    ',{"regle":"duree_assurance","libelle":"Durée d\'assurance tous régimes : %d trimestres (valeur '
    'fournie par le cas)","valeur":%d,"reference":%s}'
).encode()
_MANQUANTS = (
    ',{"regle":"decote_trimestres","libelle":"Trimestres manquants : le plus petit de %d (jusqu\'à l\'âge '
    'd\'annulation, arrondi au supérieur) et %d (pour atteindre %d), plafonné à %d : %d","valeur":%d,'
    '"reference":%s}'
).encode()
_AGE_SURCOTE = (
    b'%s%d trimestres requis (bonifications autres que pour enfants exclues), soit au plus %d","valeur":%d,'
    b'"reference":%s}'
)


def _centimes(euros: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cents rounded half up, doubtful): doubtful within 10⁻⁶ cent of a half cent — a float64 amount is within
    10⁻⁷ cent of the exact one below 10⁷ € — or out of range; doubtful rows are recomputed in Decimal."""
    y = euros * 100
    plancher = np.floor(y)
    reste = y - plancher
    return (plancher + (reste >= 0.5)).astype(np.int64), (np.abs(reste - 0.5) < 1e-6) | (y > 1e9) | (y < 0)


def _proches(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Too close for float64 to order as Decimal would."""
    return np.abs(a - b) <= 1e-9 * np.maximum(np.abs(a), np.abs(b))


_TROIS = [b"%03d" % i for i in range(1000)]
_DEUX = [b"%02d" % i for i in range(100)]
_DECIMALES = [b"0" if i == 0 else b"%d" % (i // 10) if i % 10 == 0 else b"%02d" % i for i in range(100)]


def _fr_c(centimes: int) -> bytes:
    """``_fr_euros(centimes / 100)`` from the integer (8 975,40), in UTF-8."""
    e, d = divmod(centimes, 100)
    if e < 1000:
        return b"%d,%s" % (e, _DEUX[d])
    m, u = divmod(e, 1000)
    if m < 1000:
        return b"%d %s,%s" % (m, _TROIS[u], _DEUX[d])
    return b"%d %s %s,%s" % (m // 1000, _TROIS[m % 1000], _TROIS[u], _DEUX[d])


def _json_c(centimes: int) -> bytes:
    """``repr(centimes / 100)``, the float pydantic writes (8975.4, 100.0), in UTF-8."""
    e, d = divmod(centimes, 100)
    return b"%d.%s" % (e, _DECIMALES[d])


def _montants(
    x: Entrees,
    liq: np.ndarray,
    v: Callable[[str], Recherche],
    trimestres: np.ndarray,
    requis: np.ndarray,
    duree_assurance: np.ndarray,
    date_ouverture: np.ndarray,
    date_annulation: np.ndarray,
    exempte: np.ndarray,
    taux: list[tuple],
    coefficients: list[tuple],
    ok: np.ndarray,
) -> list[tuple[bytes, bytes]]:
    """(the result fields from ``traitement_de_reference_annuel`` on, the rules from ``traitement`` on) as JSON
    text: in float64 with integer cents where no rounding or comparison is doubtful, else in Decimal as
    ``_simuler`` computes them."""
    arrondi_r, point_r, plafond_r, pmax_r = (
        v("arrondi_euros"),
        v("point_indice"),
        v("plafond_pension_traitement"),
        v("pourcentage_maximum"),
    )
    mg_r, bareme_r = v("minimum_garanti_mg100"), v("minimum_garanti_bareme")
    pas = [_pas(o.valeur["centimes"]) for o in arrondi_r.objets] + [_pas(2)]
    au_centime = arrondi_r.champ(lambda o: o.valeur["centimes"] == 2, dtype=bool, defaut=False)

    # traitement: IM × point / 100 and its rule once per (index, point, rounding); or the amount given
    im = x.entiers["indice_majore"]
    donne = np.array([t is not None for t in x.traitement_donne], dtype=bool)
    refs_point = point_r.references()

    def traitement_indice(r: int) -> tuple[Decimal, float, int, str, bytes, bytes]:
        point = point_r[r]
        t = Decimal(int(im[r])) * Decimal(str(point.valeur)) / 100
        e = float(t.quantize(pas[arrondi_r.codes[r]], rounding=ROUND_HALF_UP))
        texte = (
            f',{{"regle":"traitement","libelle":"Traitement : indice majoré {im[r]} × {_fr(point.valeur)} € / 100 = '
            f'{_fr_euros(e)} € par an","valeur":{e!r},"reference":{_reference(point.reference)}}}'
        )
        return (
            t,
            float(t),
            round(e * 100),
            texte,
            texte.encode(),
            b'"traitement_de_reference_annuel":%s,' % _json_c(round(e * 100)),
        )

    traitements = par_cle(
        "traitement", traitement_indice, np.where(donne, 0, im), point_r.codes, arrondi_r.codes, ou=ok
    )

    # minimum garanti: conditions per row, amount once per (services, requis, versions)
    conditions_r = par_date("minimum_garanti_conditions_depuis", liq)
    depuis = conditions_r.champ(lambda o: o.valeur.toordinal() - EPOQUE, defaut=HAUT)
    eligible = exempte | (duree_assurance >= requis) | (liq >= date_annulation) | (date_ouverture < depuis)
    fermes = [
        regle(
            "minimum_garanti",
            "Minimum garanti : non ouvert (durée d'assurance inférieure au nombre requis et "
            "départ avant l'âge d'annulation de la décote, hors invalidité ou handicap)",
            "null",
            _reference(o.reference),
        )
        for o in conditions_r.objets
    ] + [""]
    fermes_o = [f.encode() for f in fermes]

    def minimum(r: int) -> tuple[Decimal, float, int, str, bytes, bytes]:
        e = Explication()
        montant = _montant_minimum_garanti(int(trimestres[r]), int(requis[r]), _date(int(liq[r])), e)
        (entree,) = e
        texte = regle(
            entree["regle"], entree["libelle"], _json(entree["valeur"]), orjson.dumps(entree["reference"]).decode()
        )
        return (
            montant,
            float(montant),
            round(entree["valeur"] * 100),
            texte,
            texte.encode(),
            _json_c(round(entree["valeur"] * 100)),
        )

    minimums = par_cle("minimum", minimum, trimestres, requis, mg_r.codes, bareme_r.codes, arrondi_r.codes, ou=ok)

    # majoration for 3+ children: rate and label once per (number, versions)
    nombre_r, trois_r = v("majoration_enfants_nombre_minimum"), v("majoration_enfants_taux_trois")
    supplement_r, education_r = v("majoration_enfants_taux_supplementaire"), v("majoration_enfants_duree_education")
    nombre = np.maximum(x.entiers["nombre_enfants"], 0)
    avec_majoration = nombre >= nombre_r.champ(lambda o: o.valeur)

    def taux_majoration(r: int) -> tuple[Decimal, float, str, str, bytes, bytes]:
        t = Decimal(str(trois_r[r].valeur)) + Decimal(str(supplement_r[r].valeur)) * (
            int(nombre[r]) - nombre_r[r].valeur
        )
        debut = (
            f',{{"regle":"majoration_enfants","libelle":"Majoration pour {nombre[r]} enfants élevés au '
            f"moins {education_r[r].valeur} : {_pct(t)}, pension majorée plafonnée au traitement = "
        )
        fin = f',"reference":{_reference(trois_r[r].reference)}}}'
        return t, float(t), debut, fin, debut.encode(), fin.encode()

    majorations = par_cle(
        "taux_majoration",
        taux_majoration,
        np.where(avec_majoration, nombre, 0),
        nombre_r.codes,
        trois_r.codes,
        supplement_r.codes,
        education_r.codes,
        ou=ok,
    )

    # cumul emploi-retraite (from its first version)
    abattement_r = par_date("cumul_emploi_retraite_abattement", liq)
    fraction_r = par_date("cumul_emploi_retraite_fraction_pension", liq)
    ok[(abattement_r.codes >= 0) & (fraction_r.codes < 0)] = False
    avec_cumul = (abattement_r.codes >= 0) & (fraction_r.codes >= 0)

    def cumul(r: int) -> tuple[Decimal, Decimal, float, float, str, str, bytes, bytes] | None:
        if not avec_cumul[r]:
            return None
        a, f = abattement_r[r], fraction_r[r]
        return (
            Decimal(str(f.valeur)),
            Decimal(str(a.valeur)),
            float(f.valeur),
            float(a.valeur),
            _fr(a.valeur),
            _reference(a.reference),
            _CUMUL_DEBUT % _fr(a.valeur).encode(),
            _reference(a.reference).encode(),
        )

    cumuls = par_cle("cumul", cumul, abattement_r.codes, fraction_r.codes, ou=ok)

    plafonds = [Decimal(str(o.valeur)) for o in plafond_r.objets] + [UN]
    plafonds_pct = [_pct(p) for p in plafonds]
    refs_plafond, refs_pmax, refs_arrondi = plafond_r.references(), pmax_r.references(), arrondi_r.references()
    plafonds_pct_o = [p.encode() for p in plafonds_pct]
    refs_plafond_o, refs_arrondi_o = [r.encode() for r in refs_plafond], [r.encode() for r in refs_arrondi]
    refs_pmax_o = [r.encode() for r in refs_pmax]

    def exacte(r: int) -> tuple[str, str]:
        """The row in Decimal, as ``_simuler``."""
        q = pas[arrondi_r.codes[r]]

        def euros(montant: Decimal) -> float:
            return float(montant.quantize(q, rounding=ROUND_HALF_UP))

        pt_k, pl_k = point_r.codes[r], plafond_r.codes[r]
        if donne[r]:
            traitement = Decimal(str(x.traitement_donne[r]))
            t_euros = euros(traitement)
            frags = [
                f',{{"regle":"traitement","libelle":"Traitement indiciaire brut annuel fourni : {_fr(traitement)} €",'
                f'"valeur":{float(traitement)!r},"reference":{refs_point[pt_k]}}}'
            ]
        else:
            traitement, _, _, texte, _, _ = traitements[r]
            t_euros = euros(traitement)
            frags = [texte]
        pension = traitement * taux[r][0] * coefficients[r][0]
        limite = traitement * plafonds[pl_k]
        if pension > limite:
            pension = limite
            frags.append(
                f',{{"regle":"plafond_pension","libelle":"Pension plafonnée à {plafonds_pct[pl_k]} du '
                f'traitement","valeur":{euros(limite)!r},"reference":{refs_plafond[pl_k]}}}'
            )
        avant = euros(pension)
        frags.append(
            f',{{"regle":"pension","libelle":"Pension : traitement × {taux[r][1]} × {coefficients[r][1]} = '
            f'{_fr_euros(avant)} € par an","valeur":{avant!r},"reference":{refs_pmax[pmax_r.codes[r]]}}}'
        )
        applique, mg_json = False, "null"
        if eligible[r]:
            mg, _, _, texte, _, _ = minimums[r]
            frags.append(texte)
            applique, mg_json = mg > pension, repr(euros(mg))
            if applique:
                pension = mg
        else:
            frags.append(fermes[conditions_r.codes[r]])
        majoration = ZERO
        if avec_majoration[r]:
            taux_m, _, debut, fin, _, _ = majorations[r]
            majoration = min(pension * taux_m, max(limite - pension, ZERO))
            frags.append(f'{debut}{_fr_euros(euros(majoration))} € par an","valeur":{euros(majoration)!r}{fin}')
        annuelle = euros(pension + majoration)
        mensuelle = euros(Decimal(str(annuelle)) / 12)
        frags.append(
            f',{{"regle":"arrondi","libelle":"Montants arrondis au centime : {_fr_euros(annuelle)} € par an, '
            f'{_fr_euros(mensuelle)} € par mois","valeur":{{"annuelle":{annuelle!r},"mensuelle":{mensuelle!r}}},'
            f'"reference":{refs_arrondi[arrondi_r.codes[r]]}}}'
        )
        cumul_json = "null"
        if cumuls[r] is not None:
            fraction, abattement, _, _, abattement_fr, reference, _, _ = cumuls[r]
            plafond_cumul = euros(Decimal(str(annuelle)) * fraction + abattement)
            cumul_json = repr(plafond_cumul)
            frags.append(
                f',{{"regle":"cumul_emploi_retraite","libelle":"Cumul emploi-retraite plafonné : revenus '
                f"d'activité jusqu'à un tiers de la pension + {abattement_fr} € = {_fr_euros(plafond_cumul)} € "
                f'par année civile (au-delà, écrêtement)","valeur":{cumul_json},"reference":{reference}}}'
            )
        return (
            f'"traitement_de_reference_annuel":{t_euros!r},"pension_avant_minimum":{avant!r},'
            f'"minimum_garanti":{mg_json},"minimum_garanti_applique":{"true" if applique else "false"},'
            f'"majoration_enfants":{euros(majoration)!r},"pension_brute_annuelle":{annuelle!r},'
            f'"pension_brute_mensuelle":{mensuelle!r},"plafond_cumul_emploi_retraite_annuel":{cumul_json}',
            "".join(frags),
        )

    # float64 for every row; the doubtful ones are redone by exacte()
    t_f = np.array([0.0 if d else t[1] for t, d in zip(traitements, donne.tolist(), strict=False)])
    pension = t_f * np.array([t[4] for t in taux]) * np.array([c[4] for c in coefficients])
    limite = t_f * np.array([float(p) for p in plafonds])[plafond_r.codes]
    douteux = donne | ~au_centime | _proches(pension, limite)
    plafonne = pension > limite
    p1 = np.where(plafonne, limite, pension)
    avant_c, d = _centimes(p1)
    limite_c, d2 = _centimes(limite)
    douteux |= d | (d2 & plafonne)
    mg_f = np.array([m[1] for m in minimums])
    applique = eligible & (mg_f > p1)
    douteux |= eligible & _proches(mg_f, p1)
    p2 = np.where(applique, mg_f, p1)
    taux_m = np.where(avec_majoration, np.array([m[1] for m in majorations]), 0.0)
    majoration = np.where(avec_majoration, np.minimum(p2 * taux_m, np.maximum(limite - p2, 0.0)), 0.0)
    majoration_c, d = _centimes(majoration)
    annuelle_c, d2 = _centimes(p2 + majoration)
    douteux |= (d & avec_majoration) | d2
    mensuelle_c = (2 * annuelle_c + 12) // 24
    fraction = np.array([c[2] if c else 0.0 for c in cumuls])
    abattement = np.array([c[3] if c else 0.0 for c in cumuls])
    cumul_c, d = _centimes(annuelle_c / 100 * fraction + abattement)
    douteux |= d & avec_cumul

    sorties = []
    for r, (
        dt,
        t,
        tx,
        co,
        pl,
        pl_k,
        av,
        lim,
        el,
        ferme_k,
        mg,
        ap,
        am,
        maj,
        maj_c,
        a_c,
        m_c,
        cu,
        cu_c,
        pm_k,
        ar_k,
    ) in enumerate(
        zip(
            douteux.tolist(),
            traitements,
            taux,
            coefficients,
            plafonne.tolist(),
            plafond_r.codes.tolist(),
            avant_c.tolist(),
            limite_c.tolist(),
            eligible.tolist(),
            conditions_r.codes.tolist(),
            minimums,
            applique.tolist(),
            avec_majoration.tolist(),
            majorations,
            majoration_c.tolist(),
            annuelle_c.tolist(),
            mensuelle_c.tolist(),
            cumuls,
            cumul_c.tolist(),
            pmax_r.codes.tolist(),
            arrondi_r.codes.tolist(),
            strict=False,
        )
    ):
        if dt:
            entete, regles = exacte(r)
            sorties.append((entete.encode(), regles.encode()))
            continue
        av_json = _json_c(av)
        frags = [t[4]]
        if pl:
            frags.append(_PLAFOND % (plafonds_pct_o[pl_k], _json_c(lim), refs_plafond_o[pl_k]))
        frags.append(_PENSION % (tx[5], co[6], _fr_c(av), av_json, refs_pmax_o[pm_k]))
        frags.append(mg[4] if el else fermes_o[ferme_k])
        if am:
            maj_json = _json_c(maj_c)
            frags.append(_MAJORATION % (maj[4], _fr_c(maj_c), maj_json, maj[5]))
        else:
            maj_json = b"0.0"
        a_json, m_json = _json_c(a_c), _json_c(m_c)
        frags.append(_ARRONDI % (_fr_c(a_c), _fr_c(m_c), a_json, m_json, refs_arrondi_o[ar_k]))
        if cu is not None:
            cumul_json = _json_c(cu_c)
            frags.append(_CUMUL % (cu[6], _fr_c(cu_c), cumul_json, cu[7]))
        else:
            cumul_json = b"null"
        sorties.append(
            (
                _ENTETE_MONTANTS
                % (
                    t[5],
                    av_json,
                    mg[5] if el else b"null",
                    b"true" if ap else b"false",
                    maj_json,
                    a_json,
                    m_json,
                    cumul_json,
                ),
                b"".join(frags),
            )
        )
    return sorties


# The fast path's templates, in UTF-8 (the same texts as exacte() and pension.calcul)
_PLAFOND = (
    ',{"regle":"plafond_pension","libelle":"Pension plafonnée à %s du traitement","valeur":%s,"reference":%s}'.encode()
)
_PENSION = (
    ',{"regle":"pension","libelle":"Pension : traitement × %s × %s = %s € par an","valeur":%s,"reference":%s}'.encode()
)
_MAJORATION = '%s%s € par an","valeur":%s%s'.encode()
_ARRONDI = (
    ',{"regle":"arrondi","libelle":"Montants arrondis au centime : %s € par an, %s € par mois","valeur":'
    '{"annuelle":%s,"mensuelle":%s},"reference":%s}'
).encode()
_CUMUL_DEBUT = (
    ',{"regle":"cumul_emploi_retraite","libelle":"Cumul emploi-retraite plafonné : revenus d\'activité '
    "jusqu'à un tiers de la pension + %s € = "
).encode()
_CUMUL = '%s%s € par année civile (au-delà, écrêtement)","valeur":%s,"reference":%s}'.encode()
_ENTETE_MONTANTS = (
    b'%s"pension_avant_minimum":%s,"minimum_garanti":%s,"minimum_garanti_applique":%s,'
    b'"majoration_enfants":%s,"pension_brute_annuelle":%s,"pension_brute_mensuelle":%s,'
    b'"plafond_cumul_emploi_retraite_annuel":%s'
)
