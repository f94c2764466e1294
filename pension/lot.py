"""Many cases, one line each (``cnracl pension simuler|estimer --lot``): the answer of each line, in order.

Each line is answered by the same ``simuler`` / ``estimer`` as a single case: its result as JSON, or
``{"ligne": n, "erreurs": [...]}`` (n counts every line read, blank ones included; blank lines get no answer).
Large inputs are cut into chunks computed by a pool of processes; the answers keep the input order.
"""

from __future__ import annotations

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


def _repondre_morceau(travail: tuple[Fonction, list[tuple[int, Ligne]]]) -> list[bytes]:
    fonction, morceau = travail
    return [repondre(fonction, numero, ligne) for numero, ligne in morceau]


def _vide(ligne: Ligne) -> bool:
    if isinstance(ligne, str):
        return not ligne.strip()
    reste = ligne.strip(_BLANCS)
    return not reste or (not reste.isascii() and not ligne.decode(errors="replace").strip())


def calculer_lot(
    fonction: Fonction, lignes: Iterable[Ligne], processus: int = 1, taille: int = TAILLE_MORCEAU
) -> Iterator[bytes]:
    """One answer (UTF-8 JSON) per non-blank line, in input order; ``processus`` > 1 spreads the chunks of
    ``taille`` lines over that many processes (only when there is more than one chunk)."""
    numerotees = ((numero, ligne) for numero, ligne in enumerate(lignes, start=1) if not _vide(ligne))
    premier = list(islice(numerotees, taille))
    suivant = list(islice(numerotees, taille))
    if processus <= 1 or not suivant:
        yield from _repondre_morceau((fonction, premier))
        yield from _repondre_morceau((fonction, suivant))
        while morceau := list(islice(numerotees, taille)):
            yield from _repondre_morceau((fonction, morceau))
        return

    def travaux() -> Iterator[tuple[Fonction, list[tuple[int, Ligne]]]]:
        yield fonction, premier
        yield fonction, suivant
        while morceau := list(islice(numerotees, taille)):
            yield fonction, morceau

    with multiprocessing.get_context("fork").Pool(processus) as pool:
        for reponses in pool.imap(_repondre_morceau, travaux()):
            yield from reponses
