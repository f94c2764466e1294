"""The text of a PDF written by fpdf2, read back without a PDF library: the content streams (inflated when
compressed), their ``Tj`` strings decoded through the ToUnicode map of the font selected by ``Tf``, and where each
string starts (the ``Td`` before it), page by page. Enough to check what a document says and where; not a general
PDF reader."""

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
    rb"/(?P<police>\w+)\s+[\d.]+\s+Tf|(?P<x>-?[\d.]+)\s+(?P<y>-?[\d.]+)\s+Td"
    rb"|\((?P<chaine>(?:\\.|[^\\)])*)\)\s*Tj"
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


class _Lecteur:
    def __init__(self, pdf: bytes) -> None:
        self.objets = _objets(pdf)
        self._tables: dict[int, dict[int, str]] = {}
        for numero, (dico, _) in self.objets.items():
            if b"/Type0" in dico and (ref := re.search(rb"/ToUnicode\s+(\d+) 0 R", dico)):
                self._tables[numero] = _table(self.objets[int(ref.group(1))][1] or b"")
        self._noms: dict[bytes, int] = {}
        for dico, _ in self.objets.values():
            for bloc in _POLICES.findall(dico):
                self._noms.update({nom: int(n) for nom, n in _RESSOURCE.findall(bloc)})

    def chaines(self, donnees: bytes) -> list[tuple[float, float, str]]:
        """The strings a content stream shows, each with where it starts (points from the bottom left)."""
        trouvees, table, x, y = [], {}, 0.0, 0.0
        for operation in _OPERATION.finditer(donnees):
            if operation.group("police"):
                table = self._tables.get(self._noms.get(operation.group("police"), -1), {})
                continue
            if operation.group("x") is not None:
                x, y = float(operation.group("x")), float(operation.group("y"))
                continue
            morceaux = (
                [operation.group("chaine")]
                if operation.group("chaine") is not None
                else _MORCEAU.findall(operation.group("tableau"))
            )
            brut = b"".join(_litterale(c) for c in morceaux)
            texte = "".join(
                table.get(int.from_bytes(brut[i : i + 2], "big"), "\ufffd") for i in range(0, len(brut) - 1, 2)
            )
            trouvees.append((x, y, texte))
        return trouvees


def texte_pdf(pdf: bytes) -> str:
    """Every shown string, one a line, in the order of the content streams."""
    lecteur = _Lecteur(pdf)
    lignes = []
    for _dico, donnees in lecteur.objets.values():
        if donnees is None or b"begincmap" in donnees or b"Tj" not in donnees:
            continue
        lignes += [texte for _, _, texte in lecteur.chaines(donnees)]
    return "\n".join(lignes)


_MM_PAR_POINT = 25.4 / 72


def _trouve(motif: bytes, texte: bytes) -> re.Match[bytes]:
    trouve = re.search(motif, texte, re.S)
    if trouve is None:
        raise ValueError(f"PDF illisible : {motif!r} absent")
    return trouve


def pages_pdf(pdf: bytes) -> list[list[tuple[float, float, str]]]:
    """Each page's strings, pages in order: where each starts, in millimetres from the page's left edge and from
    its top (the baseline), and its text."""
    lecteur = _Lecteur(pdf)
    racine = next(dico for dico, _ in lecteur.objets.values() if re.search(rb"/Type\s*/Pages\b", dico))
    hauteur = float(_trouve(rb"/MediaBox\s*\[\s*[\d.]+\s+[\d.]+\s+[\d.]+\s+([\d.]+)", racine).group(1))
    pages = []
    for numero in re.findall(rb"(\d+) 0 R", _trouve(rb"/Kids\s*\[(.*?)\]", racine).group(1)):
        dico, _ = lecteur.objets[int(numero)]
        donnees = lecteur.objets[int(_trouve(rb"/Contents\s+(\d+) 0 R", dico).group(1))][1] or b""
        pages.append(
            [(x * _MM_PAR_POINT, (hauteur - y) * _MM_PAR_POINT, texte) for x, y, texte in lecteur.chaines(donnees)]
        )
    return pages


# The window of a window envelope on a letter folded in three (norme NF Z10-011), in millimetres from the page's
# left edge and top: what the postman reads.
FENETRE_X, FENETRE_HAUT, FENETRE_BAS = 95.0, 45.0, 95.0


def dans_la_fenetre(page: list[tuple[float, float, str]]) -> list[str]:
    """The strings of a page that the envelope's window shows, top to bottom."""
    return [
        texte for x, y, texte in sorted(page, key=lambda c: c[1]) if x >= FENETRE_X and FENETRE_HAUT <= y <= FENETRE_BAS
    ]
