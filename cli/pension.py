"""``cnracl pension simuler|estimer``: one case as JSON (a file or ``-`` for stdin), or ``--lot`` JSONL in,
JSONL out (one result, or ``{"ligne": n, "erreurs": [...]}``, per line; ``--processus`` processes, one per core
by default). Bad input prints the French errors
as ``{"erreurs": [...]}`` on stderr with exit code 2, never a traceback."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, BinaryIO, Literal

import typer

import pension
from cli.francais import Application
from pension.lot import Fonction, calculer_morceaux, decoder

app = Application(
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


def _lignes_octets(entree: BinaryIO) -> Iterator[bytes]:
    """The lines of a UTF-8 file as bytes, split as a text file reads them (\\n, \\r\\n and \\r end a line)."""
    for ligne in entree:
        if b"\r" in ligne:
            # surrogateescape keeps bytes that are not UTF-8 as they are: the line's own error says so.
            *lignes, fin = ligne.decode(errors="surrogateescape").replace("\r\n", "\n").replace("\r", "\n").split("\n")
            yield from (morceau.encode(errors="surrogateescape") + b"\n" for morceau in lignes)
            if fin:
                yield fin.encode(errors="surrogateescape")
        else:
            yield ligne


def _ecrire_erreurs(erreur: pension.ErreurCas) -> None:
    typer.echo(json.dumps({"erreurs": erreur.erreurs}, ensure_ascii=False), err=True)


CALCULS = {"simuler": pension.simuler, "estimer": pension.estimer, "rachat": pension.coter_rachat}


def _un_cas(fonction: Fonction | Literal["rachat"], cas: str | None, sortie: Path | None) -> None:
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
        resultat = CALCULS[fonction](decoder(_lire(cas))).model_dump(mode="json")
    except pension.ErreurCas as erreur:
        _ecrire_erreurs(erreur)
        raise typer.Exit(2) from None
    texte = json.dumps(resultat, ensure_ascii=False)
    if sortie:
        sortie.write_text(texte + "\n", encoding="utf-8")
    else:
        typer.echo(texte)


def _ecrire_lot(fonction: Fonction, entree: BinaryIO, flux: BinaryIO, processus: int) -> int:
    """Writes one answer per line; the number of invalid lines."""
    invalides = 0
    for bloc, erreurs in calculer_morceaux(fonction, _lignes_octets(entree), processus):
        flux.write(bloc)
        invalides += erreurs
    return invalides


def _executer(
    fonction: Fonction, cas: str | None, lot: Path | None, sortie: Path | None, processus: int | None
) -> None:
    if lot is None:
        _un_cas(fonction, cas, sortie)
        return
    processus = processus or os.cpu_count() or 1
    sys.stdout.flush()
    try:
        with contextlib.ExitStack() as fichiers:
            entree = sys.stdin.buffer if str(lot) == "-" else fichiers.enter_context(open(lot, "rb"))
            if sortie:
                invalides = _ecrire_lot(fonction, entree, fichiers.enter_context(open(sortie, "wb")), processus)
            else:
                invalides = _ecrire_lot(fonction, entree, sys.stdout.buffer, processus)
                sys.stdout.buffer.flush()
    except OSError as erreur:
        _ecrire_erreurs(_erreur_fichier(str(erreur.filename or lot), erreur))
        raise typer.Exit(2) from None
    if invalides:
        typer.echo(f"{invalides} cas invalide(s) : voir les lignes « erreurs » du résultat.", err=True)


Cas = Annotated[str | None, typer.Argument(help="Fichier JSON du cas, ou - pour l'entrée standard")]
Lot = Annotated[Path | None, typer.Option(help="Fichier JSONL : un cas par ligne (- : entrée standard)")]
Sortie = Annotated[Path | None, typer.Option(help="Fichier de sortie (par défaut : la sortie standard)")]
Processus = Annotated[
    int | None,
    typer.Option(min=1, help="Avec --lot : nombre de processus de calcul (par défaut : un par cœur)"),
]


@app.command()
def simuler(cas: Cas = None, lot: Lot = None, sortie: Sortie = None, processus: Processus = None) -> None:
    """La pension à la date d'effet du cas (sa date de liquidation), avec l'explication des règles appliquées."""
    _executer("simuler", cas, lot, sortie, processus)


@app.command()
def estimer(cas: Cas = None, lot: Lot = None, sortie: Sortie = None, processus: Processus = None) -> None:
    """Les montants aux âges clés : âge légal, chaque année jusqu'à l'annulation de la décote, cet âge."""
    _executer("estimer", cas, lot, sortie, processus)


@app.command()
def rachat(demande: Cas = None, sortie: Sortie = None) -> None:
    """Le coût d'un rachat d'études (barème daté, par âge et option) : date de naissance, date de la demande,
    trimestres (1 à 12), option (1, 2 ou 3), indice majoré ou traitement indiciaire brut annuel."""
    if demande is None:
        _ecrire_erreurs(
            pension.ErreurCas.une(
                "demande",
                "obligatoire",
                "Indiquez un fichier JSON de demande de rachat (ou - pour l'entrée standard).",
            )
        )
        raise typer.Exit(2)
    _un_cas("rachat", demande, sortie)
