"""The campaign's print batch: the documents of the agents who receive them on paper (paper chosen, no email
address, or a mail refused), with the document's own rendering, and a mailing manifest for the print provider (who,
postal address, which document, in which file and on which pages, the file's SHA-256), one folder per sending tranche.

Layout: ``var/impression/{campaign}/tranche-NN/lot-NNNNN/`` holds ``manifeste.json`` and one ``plis-….pdf`` per
packet: the packet's letters one after the other, each from a new page and numbering its own pages (one embedded
font per file: per letter, it was most of the cost). Each packet adds its agents to its batch's manifest (merged by
document, written atomically): a retried packet keeps the letters already listed and lays out only the new ones;
the manifest is what is to be printed, and a file it does not name (left by a crash before the manifest was
written) is removed with the next write. No NIR: the print provider needs a name and an address, which each
letter's first page carries where the envelope's window shows it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import multiprocessing
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from activities.campagne_collecteur import ecrire_atomiquement
from domain.adresse import bloc_adresse

# The letters' PDF (``api.documents_pdf.rendre_lettres``): for each letter its type, content, date, the agent's name
# and the address block of the envelope's window; the file and each letter's first and last page. The worker hands
# it in, so that the print batch and the agent's download are the same document.
Lettre = tuple[str, dict[str, Any], Any, str | None, Sequence[str]]
RenduLettres = Callable[[Sequence[Lettre]], tuple[bytes, list[tuple[int, int]]]]
VERSION_MANIFESTE = 2


@dataclass
class Pli:
    """One agent's document to print and post."""

    document_id: int
    type_document: str
    titre: str
    contenu: dict[str, Any]
    cree_le: datetime | None
    destinataire: str
    adresse_postale: list[str]
    livraison: str


def dossier_du_lot(racine: Path, workflow_id: str, rang: int, lot: int) -> Path:
    return racine / workflow_id / f"tranche-{rang + 1:02d}" / f"lot-{lot:05d}"


# The processes that lay out the letters, shared by every printer of this process (one pool, made at the first
# letter): a letter costs tens of milliseconds of layout and font subsetting, which would otherwise hold the
# worker's interpreter while its event loop sends the mails and heartbeats of the other batches.
_POOL: dict[int, Executor] = {}
_VERROU_POOL = threading.Lock()


def _processus_d_impression(nombre: int) -> Executor:
    with _VERROU_POOL:
        if nombre not in _POOL:
            # Spawned, not forked: the worker runs threads (Temporal's runtime) that a fork would copy half-way.
            _POOL[nombre] = ProcessPoolExecutor(nombre, mp_context=multiprocessing.get_context("spawn"))
        return _POOL[nombre]


def arreter_l_impression() -> None:
    """Waits for the letters being laid out, then stops the layout processes (the worker's last step)."""
    with _VERROU_POOL:
        for pool in _POOL.values():
            pool.shutdown(wait=True)
        _POOL.clear()


def _lettre(pli: Pli) -> Lettre:
    return (
        pli.type_document,
        pli.contenu,
        pli.cree_le,
        pli.destinataire,
        bloc_adresse(pli.destinataire, pli.adresse_postale),
    )


class Imprimeur:
    """``processus``: how many processes lay out the PDFs (``CNRACL_CAMPAGNE_PROCESSUS_IMPRESSION``); 0 lays them
    out in the worker's own thread."""

    def __init__(self, racine: Path, rendre_lettres: RenduLettres, processus: int = 0) -> None:
        self._racine = racine
        self._rendre = rendre_lettres
        self._processus = processus
        # One writer per batch's folder at a time: a packet's letters and those of its refused mails, or a retry
        # that starts while the failed attempt's thread still lays out, read and rewrite the same manifest.
        self._verrous: dict[Path, threading.Lock] = {}
        self._verrou = threading.Lock()

    async def imprimer(
        self, workflow_id: str, annee: int, rang: int, lot: int, plis: Sequence[Pli], horodatage: datetime
    ) -> int:
        """Write the packet's PDFs and add them to the batch's manifest; the number of letters in the batch."""
        if not plis:
            return 0
        return await asyncio.to_thread(self._ecrire, workflow_id, annee, rang, lot, list(plis), horodatage)

    def _ecrire(self, workflow_id: str, annee: int, rang: int, lot: int, plis: list[Pli], horodatage: datetime) -> int:
        dossier = dossier_du_lot(self._racine, workflow_id, rang, lot)
        with self._verrou:
            verrou = self._verrous.setdefault(dossier, threading.Lock())
        with verrou:
            return self._ecrire_dans(dossier, workflow_id, annee, rang, lot, plis, horodatage)

    def _ecrire_dans(
        self, dossier: Path, workflow_id: str, annee: int, rang: int, lot: int, plis: list[Pli], horodatage: datetime
    ) -> int:
        dossier.mkdir(parents=True, exist_ok=True)
        chemin_manifeste = dossier / "manifeste.json"
        entrees: dict[int, dict[str, Any]] = {}
        if chemin_manifeste.exists():
            entrees = {e["document_id"]: e for e in json.loads(chemin_manifeste.read_text("utf-8"))["plis"]}
        # Letters already listed (a retried packet) are kept; the new ones go into one file.
        nouveaux = [pli for pli in plis if pli.document_id not in entrees]
        if nouveaux:
            pdf, pages = self._rendus(nouveaux)
            ids = ",".join(str(pli.document_id) for pli in nouveaux)
            fichier = f"plis-{nouveaux[0].document_id}-{hashlib.sha256(ids.encode()).hexdigest()[:12]}.pdf"
            ecrire_atomiquement(dossier / fichier, pdf)
            empreinte = hashlib.sha256(pdf).hexdigest()
            for pli, (premiere, derniere) in zip(nouveaux, pages, strict=True):
                entrees[pli.document_id] = {
                    "document_id": pli.document_id,
                    "document": pli.titre,
                    "fichier": fichier,
                    "pages": [premiere, derniere],
                    "sha256": empreinte,
                    "destinataire": pli.destinataire,
                    "adresse_postale": pli.adresse_postale,
                    "livraison": pli.livraison,
                }
        manifeste = {
            "version": VERSION_MANIFESTE,
            "campagne": workflow_id,
            "annee_campagne": annee,
            "annee_envoi": annee + 1,
            "tranche": rang + 1,
            "lot": lot,
            "mis_a_jour_le": horodatage.isoformat(),
            "nombre": len(entrees),
            "plis": [entrees[cle] for cle in sorted(entrees)],
        }
        ecrire_atomiquement(chemin_manifeste, json.dumps(manifeste, ensure_ascii=False, indent=2).encode("utf-8"))
        listes = {entree["fichier"] for entree in entrees.values()}
        for orphelin in dossier.glob("plis-*.pdf"):
            if orphelin.name not in listes:
                orphelin.unlink()
        return len(entrees)

    def _rendus(self, plis: list[Pli]) -> tuple[bytes, list[tuple[int, int]]]:
        lettres = [_lettre(pli) for pli in plis]
        if not self._processus:
            return self._rendre(lettres)
        return _processus_d_impression(self._processus).submit(self._rendre, lettres).result()
