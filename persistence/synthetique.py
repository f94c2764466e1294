"""A realistic synthetic population for benchmarks: employers of realistic sizes (many small communes,
a few large hospitals), agents of every age of a working life, careers in the CIR; bulk inserts.

Realistic where the campaign looks: birth dates (cohorts), affiliation dates (newcomers), the
employer of each agent, and the CIR of the last years, about one agent in ten missing last year's
line or its index (their employer must update it). Each complete line carries its contribution block
(indice × point × quotité, then the dated rates of ``domain/regles/cotisations.yaml``), computed from
factors memoised per period so that the bulk insert stays fast. Names and NIR are fabricated (valid keys, no
real person); the NIR uses departments other than the demo's.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.cir import TAUX_DES_CHAMPS, ValeursDuPoint, taux_moyen, traitement_d_un_point
from domain.identifiants import cle_nir
from persistence.fabrique import siret_valide
from persistence.models import Affilie, Employeur, LigneCirTable

_NOMS = (
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefevre",
    "Faure",
    "Andre",
)
_PRENOMS = (
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Sarah",
    "Inès",
    "Julie",
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Sandrine",
    "Thomas",
    "Nicolas",
    "Julien",
    "Pierre",
    "Jean",
    "Philippe",
    "Laurent",
    "Christophe",
    "Karim",
    "Sophie",
    "Céline",
    "Valérie",
    "Stéphane",
    "David",
    "Éric",
    "Patrick",
)
_TYPES = (
    ("Commune de", "collectivite", 0.80),
    ("Centre hospitalier de", "hopital", 0.08),
    ("Communauté de communes de", "collectivite", 0.07),
    ("Département de", "collectivite", 0.03),
    ("SDIS de", "collectivite", 0.02),
)
_DEPARTEMENTS = [f"{d:02d}" for d in range(1, 96) if d not in (20, 33)]
_LOT_SQL = 20000


@dataclass
class BilanSynthese:
    employeurs: int
    affilies: int
    lignes_cir: int
    secondes: float


_SANS_COTISATION: dict[str, int | None] = {
    "traitement_brut_centimes": None,
    "nbi_centimes": None,
    "retenue_salariale_centimes": None,
    "contribution_employeur_centimes": None,
}


class _Cotisations:
    """Contribution blocks from factors memoised per period, so that the bulk insert stays fast."""

    def __init__(self, valeurs_du_point: ValeursDuPoint) -> None:
        self._valeurs_du_point = valeurs_du_point
        self._facteurs: dict[tuple[date, date], tuple[float, float, float] | None] = {}

    def _facteurs_de(self, debut: date, fin: date) -> tuple[float, float, float] | None:
        """The traitement of one index point at full time (in cents per % of quotité), and the two rates (in %);
        ``None`` when the point or a rate is unknown for the period."""
        if (debut, fin) not in self._facteurs:
            try:
                taux_agent, taux_employeur = (float(taux_moyen(nom, debut, fin)) for nom in TAUX_DES_CHAMPS.values())
                point = float(traitement_d_un_point(debut, fin, self._valeurs_du_point))
                self._facteurs[(debut, fin)] = (point, taux_agent, taux_employeur)
            except LookupError:
                self._facteurs[(debut, fin)] = None
        return self._facteurs[(debut, fin)]

    def bloc(self, indice: int | None, quotite: int, debut: date, fin: date) -> dict[str, int | None]:
        facteurs = self._facteurs_de(debut, fin) if indice is not None else None
        if indice is None or facteurs is None:
            return _SANS_COTISATION
        point, taux_agent, taux_employeur = facteurs
        traitement = round(indice * point * quotite)  # euros × 100 (cents) ÷ 100 (quotité in %)
        return {
            "traitement_brut_centimes": traitement,
            "nbi_centimes": 0,
            "retenue_salariale_centimes": round(traitement * taux_agent / 100),
            "contribution_employeur_centimes": round(traitement * taux_employeur / 100),
        }


_VOIES = ("rue de la République", "avenue Jean-Jaurès", "place de la Mairie", "chemin des Vignes", "rue Victor-Hugo")
# One agent in thirteen receives the campaign's documents on paper, so that a synthetic campaign builds print
# batches. A prime: the campaign puts an agent in the tranche of his number modulo the tranches (six), and one in
# twelve would put every letter in the first tranche, where a real population spreads them over all.
_PAPIER_UN_SUR = 13


def _adresse(id_: int) -> dict[str, str]:
    """A postal address and a channel derived from the agent's number (the random draws stay those of before)."""
    departement = _DEPARTEMENTS[id_ % len(_DEPARTEMENTS)]
    return {
        "adresse_postale": f"{1 + id_ % 120} {_VOIES[id_ % len(_VOIES)]}\n{departement}{id_ % 900 + 100:03d} Exempleville",
        "canal": "papier" if id_ % _PAPIER_UN_SUR == 0 else "email",
    }


def _nir(rang: int, sexe: int, naissance: date) -> str:
    ordre, reste = rang % 999 + 1, rang // 999
    commune, reste = reste % 999 + 1, reste // 999
    departement = _DEPARTEMENTS[reste % len(_DEPARTEMENTS)]
    corps = f"{sexe}{naissance.year % 100:02d}{naissance.month:02d}{departement}{commune:03d}{ordre:03d}"
    return corps + cle_nir(corps)


async def generer(
    moteur: AsyncEngine,
    affilies: int,
    employeurs: int | None = None,
    annee: int | None = None,
    annees_cir: int = 3,
    graine: int = 2026,
    progression: Callable[[int, int], None] | None = None,
    *,
    valeurs_du_point: ValeursDuPoint,
) -> BilanSynthese:
    """Add ``affilies`` agents in ``employeurs`` employers (default: one per 55 agents, the CNRACL ratio).
    ``annee`` is the current year: the CIR holds the ``annees_cir`` years before it; ``valeurs_du_point`` prices
    the contribution blocks (``pension/parametres/point_indice.yaml``)."""
    debut = time.monotonic()
    hasard = random.Random(graine)
    annee = annee or date.today().year
    employeurs = employeurs or max(1, round(affilies / 55))
    async with moteur.connect() as connexion:
        base_employeur = (await connexion.execute(select(func.max(Employeur.id)))).scalar_one() or 0
        base_affilie = (await connexion.execute(select(func.max(Affilie.id)))).scalar_one() or 0
    # Employers: sizes from a log-normal law (median ~12 agents, a long tail of large hospitals).
    lignes_employeurs, poids = [], []
    for j in range(employeurs):
        libelle, type_, _ = hasard.choices(_TYPES, weights=[t[2] for t in _TYPES])[0]
        taille = hasard.lognormvariate(math.log(12), 1.5) * (8 if type_ == "hopital" else 1)
        poids.append(taille)
        siren = 90000000 + base_employeur + j
        lignes_employeurs.append(
            {
                "id": base_employeur + j + 1,
                "siret": siret_valide(siren, 17),
                "raison_sociale": f"{libelle} Synthèse-{base_employeur + j + 1}",
                "email": f"rh-{base_employeur + j + 1}@employeurs.example.fr",
                "type": type_,
            }
        )
    async with moteur.begin() as connexion:
        for i in range(0, len(lignes_employeurs), _LOT_SQL):
            await connexion.execute(insert(Employeur), lignes_employeurs[i : i + _LOT_SQL])
    cumul, total = [], 0.0
    for p in poids:
        total += p
        cumul.append(total)
    maintenant = datetime.now(UTC)
    lignes_cir = 0
    cotisations = _Cotisations(valeurs_du_point)
    for debut_lot in range(0, affilies, _LOT_SQL):
        agents, periodes = [], []
        taille_lot = min(_LOT_SQL, affilies - debut_lot)
        choisis = hasard.choices(range(employeurs), cum_weights=cumul, k=taille_lot)
        for k in range(taille_lot):
            rang = debut_lot + k
            id_ = base_affilie + rang + 1
            age = hasard.randint(20, 64) if hasard.random() < 0.97 else hasard.randint(65, 66)  # a flat pyramid
            naissance = date(annee - age, 1, 1) + timedelta(days=hasard.randrange(365))
            sexe = 2 if hasard.random() < 0.75 else 1  # the FPT and FPH are mostly women
            entree = max(18, min(age, int(hasard.triangular(19, 45, 24))))
            affiliation = date(naissance.year + entree, 1, 1) + timedelta(days=hasard.randrange(365))
            if affiliation.year >= annee:  # recruited recently: spread over the last years (about 3 % a year)
                affiliation = date(annee - 1 - hasard.randrange(min(8, age - 18)), 1, 1) + timedelta(
                    days=hasard.randrange(365)
                )
            categorie = "active" if hasard.random() < 0.12 else "sedentaire"
            indice = min(830, 340 + 9 * (age - entree) + hasard.randrange(40))
            quotite = hasard.choices((100, 80, 50), weights=(85, 10, 5))[0]
            employeur_id = base_employeur + choisis[k] + 1
            agents.append(
                {
                    "id": id_,
                    "cle": f"{hasard.getrandbits(48):012x}",
                    "nir": _nir(rang, sexe, naissance),
                    "nom": hasard.choice(_NOMS),
                    "prenom": hasard.choice(_PRENOMS),
                    "date_de_naissance": naissance,
                    "email": f"agent-{id_}@agents.example.fr",
                    "employeur_id": employeur_id,
                    "date_affiliation": affiliation,
                    "date_radiation": None,
                    "categorie": categorie,
                    "indice_majore": indice,
                    "quotite": quotite,
                    "date_titularisation": affiliation + timedelta(days=365),
                    "temps_non_complet": False,
                    **_adresse(id_),
                }
            )
            incomplet = hasard.random() < 0.10  # last year's line missing, or without its index
            for a in range(max(affiliation.year, annee - annees_cir), annee):
                if incomplet and a == annee - 1 and hasard.random() < 0.5:
                    continue
                debut_periode, indice_annee = (
                    max(affiliation, date(a, 1, 1)),
                    (None if incomplet and a == annee - 1 else indice - 8 * (annee - 1 - a)),
                )
                periodes.append(
                    {
                        "affilie_id": id_,
                        "employeur_id": employeur_id,
                        "annee": a,
                        "date_debut": debut_periode,
                        "date_fin": date(a, 12, 31),
                        "quotite": quotite,
                        "nature": "titulaire",
                        "categorie": categorie,
                        "indice_majore": indice_annee,
                        "modifiee_le": maintenant,
                        **cotisations.bloc(indice_annee, quotite, debut_periode, date(a, 12, 31)),
                    }
                )
        async with moteur.begin() as connexion:
            await connexion.execute(insert(Affilie), agents)
            if periodes:
                await connexion.execute(insert(LigneCirTable), periodes)
        lignes_cir += len(periodes)
        if progression:
            progression(debut_lot + taille_lot, affilies)
    return BilanSynthese(employeurs, affilies, lignes_cir, time.monotonic() - debut)
