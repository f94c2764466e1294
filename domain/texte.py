"""Free text a person types (a motif, a comment, a name): what it may not carry.

Control characters (NUL, escape, C0 and C1) corrupt what reads the text next (a terminal, a CSV export, a PDF, the
history's hash chain); bidirectional controls (U+202E…) make a text read otherwise than it is stored, the « Trojan
Source » trick. Both are invisible, so a person cannot see what they sent: the refusal names the character and its
place. Multi-line text keeps its line breaks and tabs (a browser sends CRLF: stored as LF)."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

REGLE_TEXTE = "texte_caractere_interdit"

# Invisible characters that change how the text around them reads: marks and embeddings, overrides, isolates, the
# Arabic letter mark, the line and paragraph separators, the byte order mark.
_ORIENTATION = frozenset(
    [0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
_NOMS = {
    0x00: "caractère nul",
    0x09: "tabulation",
    0x0A: "retour à la ligne",
    0x0D: "retour chariot",
    0x1B: "caractère d'échappement",
    0x7F: "caractère de suppression",
    0x202E: "inversion du sens d'écriture",
    0x202D: "forçage du sens d'écriture",
    0x2028: "séparateur de ligne",
    0x2029: "séparateur de paragraphe",
    0xFEFF: "espace invisible",
}
_PERMIS_EN_MULTILIGNE = frozenset("\n\t")


def caractere_interdit(texte: str, multiligne: bool) -> tuple[int, str] | None:
    """The first forbidden character and its position (from 1), or None."""
    for position, caractere in enumerate(texte, start=1):
        if multiligne and caractere in _PERMIS_EN_MULTILIGNE:
            continue
        point = ord(caractere)
        if unicodedata.category(caractere) == "Cc" or point in _ORIENTATION:
            return position, caractere
    return None


def _nom(caractere: str) -> str:
    point = ord(caractere)
    if point in _NOMS:
        return _NOMS[point]
    if point in _ORIENTATION:
        return "caractère d'orientation du texte"
    return "caractère de contrôle"


def _verifier(texte: str, multiligne: bool) -> str:
    if multiligne:
        texte = texte.replace("\r\n", "\n").replace("\r", "\n")
    trouve = caractere_interdit(texte, multiligne)
    if trouve:
        position, caractere = trouve
        permis = " (les retours à la ligne et les tabulations sont permis)" if multiligne else ""
        raise PydanticCustomError(
            REGLE_TEXTE,
            "le texte contient un caractère invisible interdit : {nom} (U+{point}) en position {position}{permis} ;"
            " retirez-le, par exemple en saisissant le texte sans copier-coller",
            {"nom": _nom(caractere), "point": f"{ord(caractere):04X}", "position": position, "permis": permis},
        )
    return texte


def _sur_une_ligne(texte: str) -> str:
    return _verifier(texte, multiligne=False)


def _sur_plusieurs_lignes(texte: str) -> str:
    return _verifier(texte, multiligne=True)


# One line (a name, an identifier, an address): no control character at all, no bidirectional one.
TexteLibre = Annotated[str, AfterValidator(_sur_une_ligne)]
# Several lines (a motif, a comment): line breaks and tabs allowed, nothing else invisible.
TexteLibreMultiligne = Annotated[str, AfterValidator(_sur_plusieurs_lignes)]
