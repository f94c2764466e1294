"""The print batch: each packet's letters in one PDF (one embedded font per file), each letter from a new page and
numbering its own pages, listed in the manifest with its pages; laid out beside the worker
(CNRACL_CAMPAGNE_PROCESSUS_IMPRESSION); a retried packet keeps what was listed, and a file the manifest does not
name is removed."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from activities.campagne_papier import Imprimeur, Lettre, Pli, dossier_du_lot
from api.documents_pdf import rendre_lettres
from tests.support.texte_pdf import dans_la_fenetre, pages_pdf, texte_pdf


def rendu_signe(lettres: Sequence[Lettre]) -> tuple[bytes, list[tuple[int, int]]]:
    """A stand-in for the letters' layout that says which process made the file (module-level: the pool pickles
    it); each letter a page."""
    agents = ", ".join(str(agent) for _, _, _, agent, _ in lettres)
    return f"%PDF-1.4 {agents} par {os.getpid()}".encode(), [(i + 1, i + 1) for i in range(len(lettres))]


def _plis(numeros: range) -> list[Pli]:
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
        for i in numeros
    ]


async def test_un_fichier_par_paquet_mis_en_page_dans_un_autre_processus(tmp_path):
    imprimeur = Imprimeur(tmp_path, rendu_signe, processus=1)
    horodatage = datetime(2027, 9, 6, 6, tzinfo=UTC)
    assert await imprimeur.imprimer("campagne-dai-2026", 2026, 0, 3, _plis(range(6)), horodatage) == 6
    dossier = dossier_du_lot(tmp_path, "campagne-dai-2026", 0, 3)
    manifeste = json.loads((dossier / "manifeste.json").read_text("utf-8"))
    assert [e["destinataire"] for e in manifeste["plis"]] == [f"Agent {i}" for i in range(6)]
    assert [e["pages"] for e in manifeste["plis"]] == [[i, i] for i in range(1, 7)]
    (fichier,) = {e["fichier"] for e in manifeste["plis"]}
    contenu = (dossier / fichier).read_bytes()
    assert all(e["sha256"] == hashlib.sha256(contenu).hexdigest() for e in manifeste["plis"])
    assert not contenu.endswith(f"par {os.getpid()}".encode())  # not laid out by the worker's own process

    # The packet retried with two letters more, after a crash had left a file the manifest does not name: the
    # letters listed keep their file, the new ones get theirs, the stray file is removed.
    (dossier / "plis-999-abandonne.pdf").write_bytes(b"%PDF-1.4 Agent 0")
    assert await imprimeur.imprimer("campagne-dai-2026", 2026, 0, 3, _plis(range(8)), horodatage) == 8
    manifeste = json.loads((dossier / "manifeste.json").read_text("utf-8"))
    par_document = {e["document_id"]: e for e in manifeste["plis"]}
    assert {par_document[100 + i]["fichier"] for i in range(6)} == {fichier}
    nouveau = par_document[106]["fichier"]
    assert nouveau != fichier and par_document[107]["fichier"] == nouveau and par_document[107]["pages"] == [2, 2]
    assert (dossier / fichier).read_bytes() == contenu
    assert sorted(p.name for p in dossier.glob("*.pdf")) == sorted({fichier, nouveau})


async def test_sans_processus_d_impression_le_worker_met_en_page_lui_meme(tmp_path):
    imprimeur = Imprimeur(tmp_path, rendu_signe, processus=0)
    await imprimeur.imprimer("campagne-dai-2026", 2026, 1, 0, _plis(range(3)), datetime(2027, 9, 13, 6, tzinfo=UTC))
    (pdf,) = dossier_du_lot(tmp_path, "campagne-dai-2026", 1, 0).glob("plis-*.pdf")
    assert pdf.read_bytes().endswith(f"par {os.getpid()}".encode())


def _ris(periodes: int) -> dict[str, Any]:
    return {
        "trimestres": periodes * 8,
        "nb_periodes": periodes,
        "periodes": [
            {
                "date_debut": date(1990 + 2 * i, 1, 1).isoformat(),
                "date_fin": date(1991 + 2 * i, 12, 31).isoformat(),
                "quotite": 100,
                "employeur": f"Commune n° {i}",
                "indice_majore": 400 + i,
            }
            for i in range(periodes)
        ],
        "campagne": {"annee": 2026, "annee_envoi": 2027},
    }


def test_les_lettres_d_un_fichier_numerotent_chacune_leurs_pages():
    lettres: list[Lettre] = [
        ("ris", _ris(2), datetime(2027, 9, 6, tzinfo=UTC), "Alice Martin", ["Alice Martin", "75002 PARIS"]),
        # a long career: several pages
        ("ris", _ris(60), datetime(2027, 9, 6, tzinfo=UTC), "Bruno Petit", ["Bruno Petit", "33000 BORDEAUX"]),
        ("ris", _ris(1), datetime(2027, 9, 6, tzinfo=UTC), "Chloé Durand", ["Chloé Durand", "33600 PESSAC"]),
    ]
    pdf, pages = rendre_lettres(lettres)
    assert pages[0] == (1, 1) and pages[1][0] == 2 and pages[1][1] > 2 and pages[2] == (pages[1][1] + 1,) * 2
    texte = texte_pdf(pdf)
    pieds = re.findall(r"Relevé individuel de situation — page (\d+) sur (\d+)", " ".join(texte.split()))
    attendus = [(str(p), str(fin - debut + 1)) for debut, fin in pages for p in range(1, fin - debut + 2)]
    assert pieds == attendus
    for agent in ("Alice Martin", "Bruno Petit", "Chloé Durand"):
        assert f"Agent : {agent}" in texte
    # Each letter's first page: its address, and nothing else, where the envelope's window shows it.
    mises_en_page = pages_pdf(pdf)
    for (_, _, _, _, adresse), (premiere, _) in zip(lettres, pages, strict=True):
        assert dans_la_fenetre(mises_en_page[premiere - 1]) == adresse
