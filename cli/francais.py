"""The ``cnracl`` command speaks French to its user, typer's own words included: the usage line, the panels' titles,
the help and completion options, « required » and « default », the value types and the errors of the command line.
Typer has no catalogue of its own texts: its module constants are set here, its command classes are subclassed, and
the command line's errors are rewritten before they are shown."""

from __future__ import annotations

import re
from typing import Any

import typer
from typer import rich_utils
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

rich_utils.OPTIONS_PANEL_TITLE = "Options"
rich_utils.ARGUMENTS_PANEL_TITLE = "Arguments"
rich_utils.COMMANDS_PANEL_TITLE = "Commandes"
rich_utils.ERRORS_PANEL_TITLE = "Erreur"
rich_utils.ABORTED_TEXT = "Interrompu."
rich_utils.DEFAULT_STRING = "[par défaut : {}]"
rich_utils.REQUIRED_LONG_STRING = "[obligatoire]"
rich_utils.ENVVAR_STRING = "[variable d'environnement : {}]"
rich_utils.DEPRECATED_STRING = "(obsolète) "
rich_utils.RICH_HELP = "Aide : [blue]{command_path} {help_option}[/]"

USAGE = "Utilisation : "

# The options typer adds, by their parameter's name.
AIDES = {
    "help": "Afficher cette aide et quitter.",
    "install_completion": "Installer la complétion des commandes pour l'interpréteur de commandes utilisé.",
    "show_completion": "Afficher la complétion des commandes pour l'interpréteur utilisé, à copier ou à adapter.",
}

# The type of a value, as the help shows it (a flag shows none).
TYPES = {
    "int": "<entier>",
    "float": "<nombre>",
    "str": "<texte>",
    "text": "<texte>",
    "path": "<chemin>",
    "bool": "",
    "int range": "<entier>",
    "float range": "<nombre>",
}
TYPES_EN_LISTE = {"path": "<chemins>", "str": "<textes>", "int": "<entiers>"}

# The command line's own errors (the wording of click 8 as typer embeds it), said in French.
ERREURS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Missing option '(.+)'\.$"), r"Option obligatoire manquante : \1."),
    (re.compile(r"^Missing argument '(.+)'\.$"), r"Argument obligatoire manquant : \1."),
    (re.compile(r"^Missing parameter: (.+)$"), r"Paramètre obligatoire manquant : \1."),
    (re.compile(r"^No such command '(.+)'\.$"), r"Commande inconnue : \1."),
    (
        re.compile(r"^No such option: (\S+) \(Possible options: (.+)\)$"),
        r"Option inconnue : \1 (options proches : \2).",
    ),
    (re.compile(r"^No such option: (\S+) Did you mean (\S+)\?$"), r"Option inconnue : \1 (option proche : \2)."),
    (re.compile(r"^No such option: (\S+)$"), r"Option inconnue : \1."),
    (re.compile(r"^Got unexpected extra argument(?:\(s\)|s)? \((.+)\)$"), r"Arguments en trop : \1."),
    (re.compile(r"^Option '(.+)' requires an argument\.$"), r"L'option \1 attend une valeur."),
    (re.compile(r"^Missing command\.$"), "Commande manquante."),
    (
        re.compile(r"^Invalid value for '?(.+?)'?: Input should be a valid integer.*$"),
        r"Valeur invalide pour \1 : un nombre entier est attendu.",
    ),
    (
        re.compile(r"^Invalid value for '?(.+?)'?: '(.*)' is not a valid integer\.$"),
        r"Valeur invalide pour \1 : « \2 » n'est pas un nombre entier.",
    ),
    (
        re.compile(r"^Invalid value for '?(.+?)'?: (.*) is not in the range (.*)\.$"),
        r"Valeur invalide pour \1 : \2 n'est pas dans l'intervalle \3.",
    ),
    (
        re.compile(r"^Invalid value for '?(.+?)'?: Input should be greater than or equal to (.+)$"),
        r"Valeur invalide pour \1 : au moins \2 est attendu.",
    ),
    (
        re.compile(r"^Invalid value for '?(.+?)'?: Input should be less than or equal to (.+)$"),
        r"Valeur invalide pour \1 : au plus \2 est attendu.",
    ),
    (re.compile(r"^Invalid value for '?(.+?)'?: (.*)$", re.DOTALL), r"Valeur invalide pour \1 : \2"),
]


def traduire_erreur(message: str) -> str:
    for motif, francais in ERREURS:
        if motif.match(message):
            return motif.sub(francais, message)
    return message


def _type_francais(type_affiche: str | None) -> str | None:
    if type_affiche is None or not type_affiche.startswith("<"):
        return type_affiche  # a metavar the command chose
    nom = type_affiche.strip("<>").lower()
    if nom.startswith("list[") and nom.removeprefix("list[").rstrip("]") in TYPES_EN_LISTE:
        return TYPES_EN_LISTE[nom.removeprefix("list[").rstrip("]")]
    return TYPES.get(nom, type_affiche)


class _Option(TyperOption):
    def display_type_rich(self, ctx: Any) -> str | None:
        return _type_francais(super().display_type_rich(ctx))


class _Argument(TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:
        return _type_francais(super().display_type_rich(ctx))


def _franciser(parametres: list[Any]) -> list[Any]:
    for parametre in parametres:
        if parametre.name in AIDES:
            parametre.help = AIDES[parametre.name]
        # typer builds its own parameters: each takes the class that names its type in French.
        if type(parametre) is TyperOption:
            parametre.__class__ = _Option
            if parametre.is_bool_flag and parametre.secondary_opts:
                parametre.show_default = False  # « no-simulation »: the name of the option not given
        elif type(parametre) is TyperArgument:
            parametre.__class__ = _Argument
    return parametres


class _EnFrancais:
    def get_params(self, ctx: Any) -> list[Any]:
        return _franciser(super().get_params(ctx))  # type: ignore[misc]

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=USAGE)


class Commande(_EnFrancais, TyperCommand):
    """A ``cnracl`` command whose help (its « --help » option and its usage line) is written in French."""


class Groupe(_EnFrancais, TyperGroup):
    def __init__(self, *arguments: Any, **options: Any) -> None:
        super().__init__(*arguments, **options)
        self.subcommand_metavar = "COMMANDE [ARGUMENTS]..."


class Application(typer.Typer):
    """A ``typer.Typer`` whose group and commands speak French."""

    def __init__(self, **options: Any) -> None:
        super().__init__(cls=Groupe, **options)

    def command(self, *arguments: Any, **options: Any) -> Any:
        options.setdefault("cls", Commande)
        return super().command(*arguments, **options)


def executer(application: typer.Typer) -> int:
    """Run the command as typer does in its standalone mode, the command line's errors said in French; the exit
    code."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

    try:
        resultat = application(standalone_mode=False)
    except NoArgsIsHelpError as aide:  # the help is shown already
        return aide.exit_code
    except UsageError as erreur:
        francaise = UsageError(traduire_erreur(erreur.format_message()), ctx=erreur.ctx)
        rich_utils.rich_format_error(francaise)
        return erreur.exit_code
    except ClickException as erreur:
        rich_utils.rich_format_error(ClickException(traduire_erreur(erreur.format_message())))
        return erreur.exit_code
    except typer.Abort:
        rich_utils.rich_abort_error()
        return 1
    return resultat if isinstance(resultat, int) else 0
