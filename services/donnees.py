"""The command line's data use cases: migrations, accounts, the demo and synthetic data sets, the audit of the
history. Each opens the database of the settings it is given and closes it when done."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from domain.campagne import delai_premiere_validation
from domain.eir import SOURCE_INTER_REGIMES, regimes_de_base
from domain.erreurs import Refus
from domain.regles import parametre
from pension.parametres import valeurs_datees
from persistence import depots
from persistence.audit import Verification, verifier
from persistence.comptes import CompteInvalide, creer_compte, hacher
from persistence.demo import base_vide, charger_demo
from persistence.migrations import migrer
from persistence.synthetique import BilanSynthese, generer
from services.acces import numero
from services.base import base_de_donnees, moteur_de_base, transaction
from settings import Settings

__all__ = [
    "BilanSynthese",
    "Verification",
    "charger_la_demo",
    "creer_un_compte",
    "importer_autres_regimes",
    "mettre_a_jour_la_base",
    "population_synthetique",
    "verifier_l_historique",
]


def mettre_a_jour_la_base(settings: Settings) -> None:
    """Apply the migrations (the ``var`` folder of an embedded SQLite base created first)."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    migrer(settings.database_url)


async def creer_un_compte(
    settings: Settings,
    role: str,
    identifiant: str,
    code: str,
    nir: str | None,
    siret: str | None,
    profil: str | None,
) -> int:
    """An account, its code stored hashed; its number. ``Refus`` naming the field otherwise."""
    if len(code) < 8:
        raise Refus("code : au moins 8 caractères.", "code", "longueur_minimale")
    async with base_de_donnees(settings) as sessions, transaction(sessions) as session:
        try:
            compte = await creer_compte(
                session,
                role=role,
                identifiant=identifiant,
                code_hash=hacher(code),
                nir=nir,
                siret=siret,
                profil=profil,
            )
        except CompteInvalide as exc:
            raise Refus(str(exc), str(exc).partition(" : ")[0], "compte") from exc
        return numero(compte)


async def verifier_l_historique(settings: Settings) -> Verification:
    """The hash chain of the whole history checked: any altered or removed event is reported."""
    async with base_de_donnees(settings) as sessions, sessions() as session:
        return await verifier(session)


async def charger_la_demo(settings: Settings, forcer: bool) -> list[dict[str, str]] | None:
    """Load the demo data set (``forcer``: even on a base that has data) and write its accounts to
    ``var/demo.json``; None when the base already had data."""
    async with base_de_donnees(settings) as sessions:
        if not forcer and not await base_vide(sessions):
            return None
        return await charger_demo(sessions, settings.var_dir / "demo.json", valeurs_datees("point_indice"))


async def population_synthetique(
    settings: Settings,
    affilies: int,
    employeurs: int | None,
    annees_cir: int,
    progression: Callable[[int, int], None] | None = None,
) -> BilanSynthese:
    """Employers of realistic sizes and agents (ages, careers, CIR), inserted in bulk."""
    async with moteur_de_base(settings) as moteur:
        return await generer(
            moteur,
            affilies,
            employeurs,
            annees_cir=annees_cir,
            progression=progression,
            valeurs_du_point=valeurs_datees("point_indice"),
        )


# The inter-scheme file's columns: the last one, optional, was added after files without it were exchanged.
COLONNES_AUTRES_REGIMES = ("nir", "regime", "trimestres")
COLONNE_PREMIERE_VALIDATION = "premiere_validation"


@dataclass
class _DonneesInterRegimes:
    """What the file says of one agent: trimestres by scheme, and the days 2 trimestres were first validated."""

    trimestres: dict[str, int] = field(default_factory=dict)
    premieres_validations: list[date] = field(default_factory=list)


async def importer_autres_regimes(settings: Settings, fichier: Path) -> int:
    """The agents' trimestres in the other base schemes, as the inter-scheme career data gives them (REGLES §15:
    the schemes exchange their data through the GIP Info Retraite): a CSV file, ``;``-separated, with the header
    ``nir;regime;trimestres`` or ``nir;regime;trimestres;premiere_validation``, one line per agent and scheme. Each
    agent listed gets these as their inter-scheme durations (replacing the previous ones; an agent's own entry in
    phase 2 of an EIR prevails). ``premiere_validation`` (AAAA-MM-JJ, may be empty): the day the agent first
    validated 2 trimestres in that scheme; the agent's first validation in any scheme (which selects the campaign's
    « information générale ») becomes the earliest of these and of the CNRACL's own (its affiliation date plus 2
    trimestres); a file giving none leaves it as it was. The number of agents updated; a ``Refus`` naming the line
    and the field, and nothing written, on a bad line."""
    aujourd_hui = date.today()
    par_agent = _lire_autres_regimes(fichier, regimes_de_base(aujourd_hui))
    delai_cnracl = delai_premiere_validation(
        parametre("campagne", "trimestres_information_generale", aujourd_hui).valeur,
        parametre("ris", "jours_par_trimestre", aujourd_hui).valeur,
    )
    async with base_de_donnees(settings) as sessions, transaction(sessions) as session:
        recue_le = datetime.now(UTC)
        for nir, donnees in par_agent.items():
            affilie = await depots.affilie_par_nir(session, nir)
            if affilie is None:
                raise Refus(
                    f"nir : aucun affilié de NIR se terminant par {nir[-4:]} à la CNRACL.", "nir", "affiliation"
                )
            await depots.remplacer_durees_autres_regimes(
                session, numero(affilie), SOURCE_INTER_REGIMES, donnees.trimestres, recue_le
            )
            if donnees.premieres_validations:
                affilie.date_premiere_validation = min(
                    *donnees.premieres_validations, affilie.date_affiliation + delai_cnracl
                )
                session.add(affilie)
    return len(par_agent)


def _lire_autres_regimes(fichier: Path, base: list[str]) -> dict[str, _DonneesInterRegimes]:
    """The inter-scheme file read and checked, by NIR; a ``Refus`` naming the line and the field on a bad line."""
    par_agent: dict[str, _DonneesInterRegimes] = {}
    with fichier.open(encoding="utf-8", newline="") as flux:
        lecteur = csv.DictReader(flux, delimiter=";")
        colonnes = set(COLONNES_AUTRES_REGIMES)
        if lecteur.fieldnames is None or set(lecteur.fieldnames) not in (
            colonnes,
            colonnes | {COLONNE_PREMIERE_VALIDATION},
        ):
            raise Refus(
                "fichier : l'en-tête attendu est « nir;regime;trimestres;premiere_validation » (la dernière colonne "
                "peut manquer).",
                "fichier",
                "entete",
            )
        for rang, ligne in enumerate(lecteur, start=2):
            regime, trimestres = ligne["regime"].strip(), ligne["trimestres"].strip()
            if regime not in base:
                raise Refus(
                    f"regime : ligne {rang}, « {regime} » n'est pas un régime de base ; valeurs possibles : "
                    f"{', '.join(base)}.",
                    "regime",
                    "enum",
                )
            if not trimestres.isdigit():
                raise Refus(f"trimestres : ligne {rang}, un nombre entier positif est attendu.", "trimestres", "entier")
            donnees = par_agent.setdefault(ligne["nir"].strip(), _DonneesInterRegimes())
            donnees.trimestres[regime] = int(trimestres)
            premiere_validation = _date_de_premiere_validation(ligne.get(COLONNE_PREMIERE_VALIDATION), rang)
            if premiere_validation is not None:
                donnees.premieres_validations.append(premiere_validation)
    return par_agent


def _date_de_premiere_validation(valeur: str | None, rang: int) -> date | None:
    """The ``premiere_validation`` of line ``rang``: None when empty or absent."""
    valeur = (valeur or "").strip()
    if not valeur:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", valeur):  # fromisoformat alone takes 20210630 or 2021-W26-3
            raise ValueError(valeur)
        return date.fromisoformat(valeur)
    except ValueError:
        raise Refus(
            f"premiere_validation : ligne {rang}, « {valeur} » n'est pas une date au format AAAA-MM-JJ (par exemple "
            "2021-06-30) ; laissez la case vide si la date n'est pas connue.",
            COLONNE_PREMIERE_VALIDATION,
            "format_date",
        ) from None
