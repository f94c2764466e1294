"""``cnracl pension simuler|estimer``: one case as JSON (a file or ``-``), or ``--lot`` JSONL in, JSONL out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

import pension

app = typer.Typer(help="Calcul de la pension CNRACL (règles de liquidation, paramètres datés).", no_args_is_help=True)


def _lire(chemin: str) -> str:
    return sys.stdin.read() if chemin == "-" else Path(chemin).read_text(encoding="utf-8")


def _un(calcul: Callable, texte: str) -> dict:
    try:
        cas = json.loads(texte)
    except json.JSONDecodeError as erreur:
        raise pension.ErreurCas([{"champ": "cas", "regle": "json", "message": f"JSON invalide ({erreur.msg}, "
                                  f"ligne {erreur.lineno})"}]) from None
    if not isinstance(cas, dict):
        raise pension.ErreurCas([{"champ": "cas", "regle": "json", "message": "un objet JSON est attendu"}])
    return calcul(cas).model_dump(mode="json")


def _executer(calcul: Callable, cas: Optional[str], lot: Optional[Path], sortie: Optional[Path]) -> None:
    if lot is None:
        if cas is None:
            typer.secho("Indiquez un fichier de cas (ou - pour l'entrée standard), ou --lot.", err=True)
            raise typer.Exit(2)
        try:
            typer.echo(json.dumps(_un(calcul, _lire(cas)), ensure_ascii=False))
        except pension.ErreurCas as erreur:
            typer.echo(json.dumps({"erreurs": erreur.erreurs}, ensure_ascii=False), err=True)
            raise typer.Exit(2)
        return
    flux = open(sortie, "w", encoding="utf-8") if sortie else sys.stdout
    erreurs = 0
    try:
        with open(lot, encoding="utf-8") as entree:
            for numero, ligne in enumerate(entree, start=1):
                if not ligne.strip():
                    continue
                try:
                    resultat = _un(calcul, ligne)
                except pension.ErreurCas as erreur:
                    erreurs += 1
                    resultat = {"ligne": numero, "erreurs": erreur.erreurs}
                flux.write(json.dumps(resultat, ensure_ascii=False) + "\n")
    finally:
        if sortie:
            flux.close()
    if erreurs:
        typer.secho(f"{erreurs} cas invalide(s) : voir les lignes « erreurs » du résultat.", err=True)


@app.command()
def simuler(
    cas: Annotated[Optional[str], typer.Argument(help="Fichier JSON du cas, ou - pour l'entrée standard")] = None,
    lot: Annotated[Optional[Path], typer.Option(help="Fichier JSONL : un cas par ligne")] = None,
    sortie: Annotated[Optional[Path], typer.Option(help="Fichier JSONL de sortie (défaut : sortie standard)")] = None,
) -> None:
    """The pension at the case's date_de_liquidation."""
    _executer(pension.simuler, cas, lot, sortie)


@app.command()
def estimer(
    cas: Annotated[Optional[str], typer.Argument(help="Fichier JSON du cas, ou - pour l'entrée standard")] = None,
    lot: Annotated[Optional[Path], typer.Option(help="Fichier JSONL : un cas par ligne")] = None,
    sortie: Annotated[Optional[Path], typer.Option(help="Fichier JSONL de sortie")] = None,
) -> None:
    """The amounts at the key ages (legal age, each year to the end of the décote, that age)."""
    _executer(pension.estimer, cas, lot, sortie)
