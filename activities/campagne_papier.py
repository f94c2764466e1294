"""The campaign's print batch: the documents of the agents who receive them on paper (paper chosen, no email
address, or a mail refused), one PDF per agent with the document's own rendering, and a mailing manifest for the
print provider (who, postal address, which document, the PDF's SHA-256), one folder per sending tranche.

Layout: ``var/impression/{campaign}/tranche-NN/lot-NNNNN/`` holds ``{document}.pdf`` and ``manifeste.json``. Each
packet adds its agents to its batch's manifest (merged by document, written atomically): a retried packet rewrites
the same entries, a PDF already written is kept. No NIR: the print provider needs a name and an address.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from activities.campagne_collecteur import ecrire_atomiquement

# The document's PDF (``api.documents_pdf.rendre_pdf``): its type, content, date and the agent's name; the worker
# hands it in, so that the print batch and the agent's download are the same document.
RenduPdf = Callable[[str, dict[str, Any], Any, str | None], bytes]
VERSION_MANIFESTE = 1


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


class Imprimeur:
    def __init__(self, racine: Path, rendre_pdf: RenduPdf) -> None:
        self._racine = racine
        self._rendre = rendre_pdf

    async def imprimer(
        self, workflow_id: str, annee: int, rang: int, lot: int, plis: Sequence[Pli], horodatage: datetime
    ) -> int:
        """Write the packet's PDFs and add them to the batch's manifest; the number of letters in the batch."""
        if not plis:
            return 0
        return await asyncio.to_thread(self._ecrire, workflow_id, annee, rang, lot, list(plis), horodatage)

    def _ecrire(self, workflow_id: str, annee: int, rang: int, lot: int, plis: list[Pli], horodatage: datetime) -> int:
        dossier = dossier_du_lot(self._racine, workflow_id, rang, lot)
        dossier.mkdir(parents=True, exist_ok=True)
        chemin_manifeste = dossier / "manifeste.json"
        entrees: dict[int, dict[str, Any]] = {}
        if chemin_manifeste.exists():
            entrees = {e["document_id"]: e for e in json.loads(chemin_manifeste.read_text("utf-8"))["plis"]}
        for pli in plis:
            fichier = dossier / f"{pli.document_id}.pdf"
            if not fichier.exists():
                ecrire_atomiquement(
                    fichier, self._rendre(pli.type_document, pli.contenu, pli.cree_le, pli.destinataire)
                )
            entrees[pli.document_id] = {
                "document_id": pli.document_id,
                "document": pli.titre,
                "fichier": fichier.name,
                "sha256": hashlib.sha256(fichier.read_bytes()).hexdigest(),
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
        return len(entrees)
