"""The print batch's PDFs laid out beside the worker (CNRACL_CAMPAGNE_PROCESSUS_IMPRESSION): the same batch as
in the worker's own thread, made by another process, and a retried packet keeps what was written."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

from activities.campagne_papier import Imprimeur, Pli, dossier_du_lot


def rendu_signe(type_: str, contenu: dict[str, Any], cree_le: Any, agent: str | None) -> bytes:
    """A stand-in for the PDF rendering that says which process made it (module-level: the pool pickles it)."""
    return f"%PDF-1.4 {type_} {contenu['n']} {agent} par {os.getpid()}".encode()


def _plis(nombre: int) -> list[Pli]:
    return [
        Pli(
            document_id=100 + i,
            type_document="ris",
            titre="Relevé individuel de situation",
            contenu={"n": i},
            cree_le=datetime(2027, 9, 6, tzinfo=UTC),
            destinataire=f"Agent {i}",
            adresse_postale=[f"{i} rue de la Paix", "75002 Paris"],
            livraison="papier choisi",
        )
        for i in range(nombre)
    ]


async def test_les_plis_sont_mis_en_page_dans_un_autre_processus(tmp_path):
    imprimeur = Imprimeur(tmp_path, rendu_signe, processus=1)
    horodatage = datetime(2027, 9, 6, 6, tzinfo=UTC)
    assert await imprimeur.imprimer("campagne-dai-2026", 2026, 0, 3, _plis(6), horodatage) == 6
    dossier = dossier_du_lot(tmp_path, "campagne-dai-2026", 0, 3)
    manifeste = json.loads((dossier / "manifeste.json").read_text("utf-8"))
    assert [e["destinataire"] for e in manifeste["plis"]] == [f"Agent {i}" for i in range(6)]
    for entree in manifeste["plis"]:
        contenu = (dossier / entree["fichier"]).read_bytes()
        assert contenu.startswith(b"%PDF-") and hashlib.sha256(contenu).hexdigest() == entree["sha256"]
        assert not contenu.endswith(f"par {os.getpid()}".encode())  # not laid out by the worker's own process

    # The packet retried, with one letter more: the letters written are kept, the new one is added.
    avant = (dossier / "100.pdf").read_bytes()
    assert await imprimeur.imprimer("campagne-dai-2026", 2026, 0, 3, _plis(7), horodatage) == 7
    assert (dossier / "100.pdf").read_bytes() == avant and (dossier / "106.pdf").exists()


async def test_sans_processus_d_impression_le_worker_met_en_page_lui_meme(tmp_path):
    imprimeur = Imprimeur(tmp_path, rendu_signe, processus=0)
    await imprimeur.imprimer("campagne-dai-2026", 2026, 1, 0, _plis(3), datetime(2027, 9, 13, 6, tzinfo=UTC))
    pdf = (dossier_du_lot(tmp_path, "campagne-dai-2026", 1, 0) / "101.pdf").read_bytes()
    assert pdf.endswith(f"par {os.getpid()}".encode())
