"""The text of a PDF written by fpdf2, read back without a PDF library: the content streams (inflated when
compressed), their ``Tj`` strings decoded through the ToUnicode map of the font selected by ``Tf``. Enough to
check what a document says; not a general PDF reader."""

from __future__ import annotations

import re
import zlib

_OBJET = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_FLUX = re.compile(rb"^(?P<dico>.*?)stream\r?\n(?P<donnees>.*)\r?\nendstream", re.S)
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_PAIRE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_POLICES = re.compile(rb"/Font\s*<<(.*?)>>", re.S)
_RESSOURCE = re.compile(rb"/(\w+)\s+(\d+) 0 R")
_OPERATION = re.compile(
    rb"/(?P<police>\w+)\s+[\d.]+\s+Tf|\((?P<chaine>(?:\\.|[^\\)])*)\)\s*Tj"
    rb"|\[(?P<tableau>(?:\((?:\\.|[^\\)])*\)|[^\]()])*)\]\s*TJ",
    re.S,
)
_MORCEAU = re.compile(rb"\((?P<chaine>(?:\\.|[^\\)])*)\)", re.S)
_ECHAPPEMENTS = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _objets(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Each object: its dictionary and, for a stream, its (inflated) data."""
    objets: dict[int, tuple[bytes, bytes | None]] = {}
    for numero, corps in _OBJET.findall(pdf):
        flux = _FLUX.match(corps.strip())
        if flux is None:
            objets[int(numero)] = (corps, None)
            continue
        donnees = flux.group("donnees")
        if b"/FlateDecode" in flux.group("dico"):
            donnees = zlib.decompress(donnees)
        objets[int(numero)] = (flux.group("dico"), donnees)
    return objets


def _litterale(chaine: bytes) -> bytes:
    sortie, i = bytearray(), 0
    while i < len(chaine):
        if chaine[i : i + 1] == b"\\":
            octal = re.match(rb"[0-7]{1,3}", chaine[i + 1 : i + 4])
            if octal:
                sortie.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            suivant = chaine[i + 1 : i + 2]
            sortie += _ECHAPPEMENTS.get(suivant, suivant)
            i += 2
            continue
        sortie += chaine[i : i + 1]
        i += 1
    return bytes(sortie)


def _table(cmap: bytes) -> dict[int, str]:
    return {
        int(code, 16): bytes.fromhex(unicode.decode()).decode("utf-16-be")
        for bloc in _BFCHAR.findall(cmap)
        for code, unicode in _PAIRE.findall(bloc)
    }


def texte_pdf(pdf: bytes) -> str:
    """Every shown string, one a line, in the order of the content streams."""
    objets = _objets(pdf)
    tables: dict[int, dict[int, str]] = {}
    for numero, (dico, _) in objets.items():
        if b"/Type0" in dico and (ref := re.search(rb"/ToUnicode\s+(\d+) 0 R", dico)):
            tables[numero] = _table(objets[int(ref.group(1))][1] or b"")
    noms: dict[bytes, int] = {}
    for dico, _ in objets.values():
        for bloc in _POLICES.findall(dico):
            noms.update({nom: int(n) for nom, n in _RESSOURCE.findall(bloc)})
    lignes, table = [], {}
    for _dico, donnees in objets.values():
        if donnees is None or b"begincmap" in donnees or b"Tj" not in donnees:
            continue
        for operation in _OPERATION.finditer(donnees):
            if operation.group("police"):
                table = tables.get(noms.get(operation.group("police"), -1), {})
                continue
            chaines = (
                [operation.group("chaine")]
                if operation.group("chaine") is not None
                else _MORCEAU.findall(operation.group("tableau"))
            )
            brut = b"".join(_litterale(c) for c in chaines)
            lignes.append(
                "".join(table.get(int.from_bytes(brut[i : i + 2], "big"), "\ufffd") for i in range(0, len(brut) - 1, 2))
            )
    return "\n".join(lignes)
