"""Transmission to the GIP Info Retraite collector, pluggable.

A collector receives one batch of a campaign and returns a receipt. The default writes one CSV
file per batch and its manifest (counts per cohort, SHA-256 of the file) under ``var/exports/``,
atomically (temporary file, then rename): a retried transmission rewrites the same bytes to the
same name, so each batch exists once. Another collector (an SFTP drop, a web service) is any class
with the same ``transmettre`` method, named by ``CNRACL_CAMPAGNE_COLLECTEUR`` as ``module:Classe``.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import importlib
import io
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass
class LotATransmettre:
    workflow_id: str
    annee: int
    annee_envoi: int
    lot: int
    lignes: list[dict[str, Any]]


@dataclass
class Recu:
    collecteur: str
    reference: str
    lignes: int
    par_cohorte: dict[str, int]
    sha256: str


class Collecteur(Protocol):
    nom: str

    async def transmettre(self, lot: LotATransmettre) -> Recu: ...


COLONNES = (
    "nir",
    "nom",
    "prenom",
    "date_de_naissance",
    "cohorte",
    "age",
    "siret_employeur",
    "lignes_cir",
    "derniere_annee_cir",
)


class CollecteurFichiers:
    nom = "fichiers"

    def __init__(self, dossier: Path) -> None:
        self._dossier = dossier

    async def transmettre(self, lot: LotATransmettre) -> Recu:
        return await asyncio.to_thread(self._ecrire, lot)

    def _ecrire(self, lot: LotATransmettre) -> Recu:
        dossier = self._dossier / lot.workflow_id
        dossier.mkdir(parents=True, exist_ok=True)
        tampon = io.StringIO()
        ecrivain = csv.DictWriter(tampon, fieldnames=COLONNES, delimiter=";", lineterminator="\n")
        ecrivain.writeheader()
        for ligne in lot.lignes:
            ecrivain.writerow({k: ("" if ligne.get(k) is None else str(ligne[k])) for k in COLONNES})
        contenu = tampon.getvalue().encode("utf-8")
        empreinte = hashlib.sha256(contenu).hexdigest()
        fichier = dossier / f"lot-{lot.lot:05d}.csv"
        par_cohorte = dict(sorted(Counter(str(ligne["cohorte"]) for ligne in lot.lignes).items()))
        manifeste = {
            "campagne": lot.workflow_id,
            "annee_campagne": lot.annee,
            "annee_envoi": lot.annee_envoi,
            "lot": lot.lot,
            "fichier": fichier.name,
            "lignes": len(lot.lignes),
            "par_cohorte": par_cohorte,
            "sha256": empreinte,
            "colonnes": list(COLONNES),
        }
        _ecrire_atomiquement(fichier, contenu)
        _ecrire_atomiquement(
            dossier / f"lot-{lot.lot:05d}.manifest.json",
            json.dumps(manifeste, ensure_ascii=False, indent=2).encode("utf-8"),
        )
        return Recu(self.nom, str(fichier), len(lot.lignes), par_cohorte, empreinte)


def _ecrire_atomiquement(chemin: Path, contenu: bytes) -> None:
    provisoire = chemin.with_name(chemin.name + ".part")
    with open(provisoire, "wb") as f:
        f.write(contenu)
        f.flush()
        os.fsync(f.fileno())
    os.replace(provisoire, chemin)


def collecteur(nom: str, var_dir: Path) -> Collecteur:
    """``fichiers`` (the default), or ``module:Classe`` built with the export folder."""
    dossier = var_dir / "exports"
    if nom in ("", "fichiers"):
        return CollecteurFichiers(dossier)
    module, _, classe = nom.partition(":")
    if not classe:
        raise ValueError(f"CNRACL_CAMPAGNE_COLLECTEUR : « {nom} » n'est ni « fichiers » ni de la forme module:Classe.")
    return getattr(importlib.import_module(module), classe)(dossier)
