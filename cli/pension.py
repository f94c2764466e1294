"""``cnracl pension simuler|estimer``: one case as JSON (a file or ``-`` for stdin), or ``--lot`` JSONL in,
JSONL out (one result, or ``{"ligne": n, "erreurs": [...]}``, per line). Bad input prints the French errors
as ``{"erreurs": [...]}`` on stderr with exit code 2, never a traceback."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

import pension

app = typer.Typer(
    help="Calcul de la pension CNRACL (règles de liquidation, paramètres datés et sourcés).", no_args_is_help=True
)


def _erreur_fichier(chemin: str, erreur: OSError) -> pension.ErreurCas:
    return pension.ErreurCas.une(
        "fichier",
        "fichier_lisible",
        f"Impossible de lire « {chemin} » ({erreur.strerror or erreur}) : vérifiez le chemin.",
    )


def _lire(chemin: str) -> str:
    if chemin == "-":
        return sys.stdin.read()
    try:
        return Path(chemin).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as erreur:
        raise _erreur_fichier(chemin, erreur if isinstance(erreur, OSError) else OSError(str(erreur))) from None


def _decoder(texte: str | bytes) -> dict:
    if isinstance(texte, bytes):
        try:
            texte = texte.decode()
        except UnicodeDecodeError as erreur:
            raise pension.ErreurCas.une(
                "cas",
                "encodage",
                f"La ligne n'est pas en UTF-8 (octet illisible en position "
                f"{erreur.start + 1}) : enregistrez le fichier en UTF-8.",
            ) from None
    try:
        cas = json.loads(texte)
    except json.JSONDecodeError as erreur:
        raise pension.ErreurCas.une(
            "cas",
            "json",
            f"JSON invalide ({erreur.msg}, ligne {erreur.lineno}, colonne "
            f"{erreur.colno}) : corrigez la syntaxe du cas.",
        ) from None
    if not isinstance(cas, dict):
        raise pension.ErreurCas.une("cas", "json", "Un objet JSON est attendu (des champs entre accolades).")
    return cas


TAILLE_LOT = 25_000  # lines computed together by the batch path: bounded memory (~7 KB of JSON a result)


def _calculer_ligne(calcul: Callable, numero: int, ligne: str | bytes) -> str:
    try:
        return calcul(_decoder(ligne)).model_dump_json()
    except pension.ErreurCas as erreur:
        return json.dumps({"ligne": numero, "erreurs": erreur.erreurs}, ensure_ascii=False)


def calculer_lot(calcul: Callable, lignes: Iterable[str | bytes], taille: int = TAILLE_LOT) -> Iterator[str]:
    """One JSON line per non-empty input line, in order: the result, or ``{"ligne": n, "erreurs": [...]}``.
    ``simuler`` goes through the batch path (``pension.lot``) ``taille`` lines at a time; it answers each line
    as ``simuler`` would, and hands back to it the lines it does not cover."""
    for resultat in calculer_lot_octets(calcul, lignes, taille):
        yield resultat.decode()


# What str.strip() removes in ASCII (bytes.strip() leaves \x1c–\x1f); other whitespace is not ASCII
_BLANCS = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _vide(ligne: str | bytes) -> bool:
    if isinstance(ligne, str):
        return not ligne.strip()
    reste = ligne.strip(_BLANCS)
    return not reste or (not reste.isascii() and not ligne.decode(errors="replace").strip())


def calculer_lot_octets(calcul: Callable, lignes: Iterable[str | bytes], taille: int = TAILLE_LOT) -> Iterator[bytes]:
    """``calculer_lot`` in UTF-8, what the CLI writes: the batch path builds its answers as UTF-8 (lines may be
    given as bytes, as read from the file)."""
    numerotees = (
        (numero, ligne)
        for numero, ligne in enumerate(lignes, start=1)
        if (type(ligne) is bytes and (reste := ligne.strip(_BLANCS)) and reste.isascii()) or not _vide(ligne)
    )
    if calcul is not pension.simuler:
        for numero, ligne in numerotees:
            yield _calculer_ligne(calcul, numero, ligne).encode()
        return
    from pension.lot import simuler_lot_octets  # numpy only where the batch runs

    def repli(numeros: tuple[int, ...], textes: tuple[str | bytes, ...], i: int) -> str:
        return _calculer_ligne(calcul, numeros[i], textes[i])

    while morceau := list(islice(numerotees, taille)):
        numeros, textes = zip(*morceau, strict=False)
        yield from simuler_lot_octets(textes, partial(repli, numeros, textes))


def _lignes_octets(entree: BinaryIO) -> Iterator[bytes]:
    """The lines of a UTF-8 file as bytes, split as a text file reads them (\\n, \\r\\n and \\r end a line)."""
    for ligne in entree:
        if b"\r" in ligne:
            # surrogateescape keeps bytes that are not UTF-8 as they are: the line's own error says so.
            *lignes, fin = ligne.decode(errors="surrogateescape").replace("\r\n", "\n").replace("\r", "\n").split("\n")
            yield from (l.encode(errors="surrogateescape") + b"\n" for l in lignes)
            if fin:
                yield fin.encode(errors="surrogateescape")
        else:
            yield ligne


def _ecrire_erreurs(erreur: pension.ErreurCas) -> None:
    typer.echo(json.dumps({"erreurs": erreur.erreurs}, ensure_ascii=False), err=True)


def _executer(calcul: Callable, cas: str | None, lot: Path | None, sortie: Path | None) -> None:
    if lot is None:
        if cas is None:
            _ecrire_erreurs(
                pension.ErreurCas.une(
                    "cas",
                    "obligatoire",
                    "Indiquez un fichier JSON de cas (ou - pour l'entrée standard), ou --lot FICHIER.jsonl.",
                )
            )
            raise typer.Exit(2)
        try:
            resultat = calcul(_decoder(_lire(cas))).model_dump(mode="json")
        except pension.ErreurCas as erreur:
            _ecrire_erreurs(erreur)
            raise typer.Exit(2)
        texte = json.dumps(resultat, ensure_ascii=False)
        if sortie:
            sortie.write_text(texte + "\n", encoding="utf-8")
        else:
            typer.echo(texte)
        return
    try:
        entree: BinaryIO = sys.stdin.buffer if str(lot) == "-" else open(lot, "rb")
    except OSError as erreur:
        _ecrire_erreurs(_erreur_fichier(str(lot), erreur))
        raise typer.Exit(2)
    invalides = 0
    sys.stdout.flush()
    flux: BinaryIO = open(sortie, "wb", buffering=1 << 20) if sortie else sys.stdout.buffer
    try:
        with entree:
            for resultat in calculer_lot_octets(calcul, _lignes_octets(entree)):
                invalides += resultat.startswith(b'{"ligne":')
                flux.write(resultat)
                flux.write(b"\n")
    finally:
        if sortie:
            flux.close()
        else:
            flux.flush()
    if invalides:
        typer.echo(f"{invalides} cas invalide(s) : voir les lignes « erreurs » du résultat.", err=True)


Cas = Annotated[str | None, typer.Argument(help="Fichier JSON du cas, ou - pour l'entrée standard")]
Lot = Annotated[Path | None, typer.Option(help="Fichier JSONL : un cas par ligne (- : entrée standard)")]
Sortie = Annotated[Path | None, typer.Option(help="Fichier de sortie (défaut : sortie standard)")]


@app.command()
def simuler(cas: Cas = None, lot: Lot = None, sortie: Sortie = None) -> None:
    """La pension à la date d'effet du cas (date_de_liquidation), avec l'explication des règles appliquées."""
    _executer(pension.simuler, cas, lot, sortie)


@app.command()
def estimer(cas: Cas = None, lot: Lot = None, sortie: Sortie = None) -> None:
    """Les montants aux âges clés : âge légal, chaque année jusqu'à l'annulation de la décote, cet âge."""
    _executer(pension.estimer, cas, lot, sortie)
