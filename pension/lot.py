"""Many cases, one line each (``cnracl pension simuler|estimer --lot``): the answer of each line, in order.

Each line is answered by the same ``simuler`` / ``estimer`` as a single case: its result as JSON, or
``{"ligne": n, "erreurs": [...]}`` (n counts every line read, blank ones included; blank lines get no answer).
Large inputs are cut into chunks computed by a pool of processes; the answers keep the input order.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, Literal

import orjson

from pension.calcul import simuler_json
from pension.estimation import estimer
from pension.modeles import ErreurCas

Fonction = Literal["simuler", "estimer"]
Ligne = str | bytes

TAILLE_MORCEAU = 2_000  # lines sent to a process at a time

# What str.strip() removes in ASCII (bytes.strip() leaves \x1c–\x1f); other whitespace is not ASCII
_BLANCS = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _estimer_json(cas: dict[str, Any]) -> bytes:
    return estimer(cas).model_dump_json().encode()


CALCULS: dict[str, Callable[[dict[str, Any]], bytes]] = {"simuler": simuler_json, "estimer": _estimer_json}


def decoder(texte: Ligne) -> dict[str, Any]:
    """The case of a line or a file: a JSON object, else an ``ErreurCas`` saying what is wrong with it."""
    try:
        cas = orjson.loads(texte)
    except orjson.JSONDecodeError:  # then the standard parser, for its French-translatable diagnosis
        cas = _decoder_lentement(texte)
    if not isinstance(cas, dict):
        raise ErreurCas.une("cas", "json", "Un objet JSON est attendu (des champs entre accolades).")
    return cas


def _decoder_lentement(texte: Ligne) -> Any:
    if isinstance(texte, bytes):
        try:
            texte = texte.decode()
        except UnicodeDecodeError as erreur:
            raise ErreurCas.une(
                "cas",
                "encodage",
                f"La ligne n'est pas en UTF-8 (octet illisible en position "
                f"{erreur.start + 1}) : enregistrez le fichier en UTF-8.",
            ) from None
    try:
        return json.loads(texte)
    except json.JSONDecodeError as erreur:
        raise ErreurCas.une(
            "cas",
            "json",
            f"JSON invalide ({erreur.msg}, ligne {erreur.lineno}, colonne "
            f"{erreur.colno}) : corrigez la syntaxe du cas.",
        ) from None


def repondre(fonction: Fonction, numero: int, ligne: Ligne) -> bytes:
    """The answer to one line: the result's JSON, or the line's number and its French errors."""
    try:
        return CALCULS[fonction](decoder(ligne))
    except ErreurCas as erreur:
        return json.dumps({"ligne": numero, "erreurs": erreur.erreurs}, ensure_ascii=False).encode()


def _repondre_morceau(travail: tuple[Fonction, list[tuple[int, Ligne]]]) -> tuple[bytes, int]:
    """The answers of a chunk as one block of lines (cheap to send back from a process), and how many are errors."""
    fonction, morceau = travail
    reponses = [repondre(fonction, numero, ligne) for numero, ligne in morceau]
    erreurs = sum(1 for reponse in reponses if reponse.startswith(b'{"ligne":'))
    reponses.append(b"")  # each answer then ends with the separator: one copy of the answers, not two
    return b"\n".join(reponses), erreurs


def _vide(ligne: Ligne) -> bool:
    if isinstance(ligne, str):
        return not ligne.strip()
    reste = ligne.strip(_BLANCS)
    return not reste or (not reste.isascii() and not ligne.decode(errors="replace").strip())


def calculer_lot(
    fonction: Fonction, lignes: Iterable[Ligne], processus: int = 1, taille: int = TAILLE_MORCEAU
) -> Iterator[bytes]:
    """One answer (UTF-8 JSON) per non-blank line, in input order."""
    for bloc, _ in calculer_morceaux(fonction, lignes, processus, taille):
        yield from bloc.split(b"\n")[:-1]


def calculer_morceaux(
    fonction: Fonction, lignes: Iterable[Ligne], processus: int = 1, taille: int = TAILLE_MORCEAU
) -> Iterator[tuple[bytes, int]]:
    """The answers by chunks of ``taille`` lines, in input order: each a block of lines (one answer, ending with
    a newline, per non-blank input line) and its number of errors. ``processus`` > 1 spreads the chunks over that
    many processes (only when there is more than one chunk). JSON answers hold no raw newline."""
    numerotees = ((numero, ligne) for numero, ligne in enumerate(lignes, start=1) if not _vide(ligne))

    def travaux() -> Iterator[tuple[Fonction, list[tuple[int, Ligne]]]]:
        while morceau := list(islice(numerotees, taille)):
            yield fonction, morceau

    suite = travaux()
    premiers = list(islice(suite, 2))
    if processus <= 1 or len(premiers) < 2:
        for travail in itertools.chain(premiers, suite):
            yield _repondre_morceau(travail)
        return
    with multiprocessing.get_context("fork").Pool(processus) as pool:
        yield from pool.imap(_repondre_morceau, itertools.chain(premiers, suite))
