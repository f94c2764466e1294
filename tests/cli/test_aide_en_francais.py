"""Every ``cnracl … --help`` an operator reads is French: the commands' and options' texts, and typer's own words
(usage line, panels, help option, « required », « default », value types). The walk renders each help in this process (the
real command for the root help and the errors: a process per help would take minutes)."""

from __future__ import annotations

import html
import os
import re
import subprocess
from typing import Any

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from cli.main import app
from tests.support.environnement import BIN
from tests.support.lexique import mots_de_code

# English words a help text would show: typer's own (usage, options' help, panels) and those of a help written in
# English. Words that French shares (« options », « arguments », « message », « type ») are not listed.
ANGLAIS = re.compile(
    r"\b(?:the|of|to|and|or|for|with|by|from|into|this|that|each|all|its|is|are|be|if|when|show|run|runs|start|"
    r"starts|stop|create|check|apply|load|replay|write|written|file|files|year|help|usage|commands?|exit|default|"
    r"required|install|completion|current|shell|customize|copy|error|missing|invalid|value|no|such|try|aborted|"
    r"int|str|bool|text|path|list|range|mails?|database|progress|deadline|settings|sink|demo)\b",
    re.IGNORECASE,
)


def _chemins(commande: Any, chemin: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The path of each command and group under ``commande``, ``commande`` included."""
    chemins = [chemin]
    if isinstance(commande, TyperGroup):
        for nom, sous_commande in commande.commands.items():
            chemins += _chemins(sous_commande, (*chemin, nom))
    return chemins


COMMANDES = _chemins(typer.main.get_command(app))
# A command's own name is not a word of its help (``cnracl run``, ``cnracl worker``): DESIGN.md keeps them.
NOMS = {nom for chemin in COMMANDES for nom in chemin}


def _aide(chemin: tuple[str, ...]) -> str:
    fin = CliRunner().invoke(app, [*chemin, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"}, prog_name="cnracl")
    assert fin.exit_code == 0, fin.output
    return fin.output


def _cnracl(*arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [str(BIN / "cnracl"), *arguments], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _fautes(aide: str) -> list[str]:
    """The English and code words of a help. Option names (--install-completion), the command lines it shows and the
    commands' names are names, not words to read."""
    texte = re.sub(r"--?[\w-]+|cnracl(?: [\w-]+)*", " ", aide)
    texte = re.sub(r"\b(?:" + "|".join(map(re.escape, NOMS)) + r")\b", " ", texte)
    return [mot.group(0) for mot in ANGLAIS.finditer(texte)] + mots_de_code(html.escape(texte))


def test_toutes_les_aides_sont_en_francais():
    assert len(COMMANDES) > 20  # the walk found the sub-commands
    aides = {chemin: _aide(chemin) for chemin in COMMANDES}
    fautes = {" ".join(("cnracl", *chemin)): mots for chemin, aide in aides.items() if (mots := _fautes(aide))}
    assert not fautes
    assert "[obligatoire]" in aides[("campagne", "lancer")] and "<entier>" in aides[("campagne", "lancer")]


def test_l_aide_de_la_commande_reelle():
    racine = _cnracl("--help")
    assert racine.returncode == 0 and not _fautes(racine.stdout)
    assert "Utilisation : cnracl [OPTIONS] COMMANDE [ARGUMENTS]..." in racine.stdout
    assert "Afficher cette aide et quitter." in racine.stdout and "Commandes" in racine.stdout


@pytest.mark.parametrize(
    ("arguments", "attendu"),
    [
        (("campagne", "lancer"), "Option obligatoire manquante : --annee."),
        (
            ("campagne", "lancer", "--annee", "deux-mille"),
            "Valeur invalide pour --annee : un nombre entier est attendu.",
        ),
        (("campagne", "lancer", "--anne", "2026"), "Option inconnue : --anne (options proches : --annee)."),
        (("campagne", "inconnue"), "Commande inconnue : inconnue."),
    ],
)
def test_les_erreurs_de_la_ligne_de_commande_sont_en_francais(arguments, attendu):
    fin = _cnracl(*arguments)
    assert fin.returncode == 2
    assert attendu in fin.stderr and "Utilisation : cnracl campagne" in fin.stderr
    assert not _fautes(fin.stderr.replace(" ".join(arguments), ""))
