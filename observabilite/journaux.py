"""Logs: one handler on the root logger, plain text or JSON lines (``CNRACL_JOURNAUX_JSON``), and a filter
that masks personal data (NIR, e-mail addresses) in every record, whoever logs it (our code, uvicorn,
the Temporal SDK, SQLAlchemy)."""

from __future__ import annotations

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

from settings import Settings

# A NIR as people write it: its groups (sex, year, month, department, commune, order, key) run together or apart,
# by a space (also non-breaking, or encoded in an address: %20, +), a dot, a dash or an underscore.
_SEPARATEUR = r"(?:[ .\-_\u00a0\u202f]|%20|%C2%A0|\+)?"
_NIR = re.compile(
    r"(?:(?<![0-9A-Z])|(?<=%20)|(?<=%C2%A0))[12378]"
    + _SEPARATEUR.join(("", r"\d{2}", r"(?:0[1-9]|1[0-2]|[2-9]\d)", r"(?:\d{2}|2A|2B)", r"\d{3}", r"\d{3}"))
    + rf"(?:{_SEPARATEUR}\d{{2}})?(?![0-9A-Z])",
    re.IGNORECASE,
)
_COURRIEL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def masquer(texte: str) -> str:
    return _COURRIEL.sub("***@***", _NIR.sub("***NIR***", texte))


class MasqueDonneesPersonnelles(logging.Filter):
    """Formats the record's message and masks it (arguments of any type included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = masquer(message), None
        if record.exc_text:
            record.exc_text = masquer(record.exc_text)
        return True


_CHAMPS = "%(asctime)s %(levelname)s %(name)s %(message)s"


class _JsonMasque(JsonFormatter):
    """JSON lines, masked once more as a whole: extra fields (the Temporal SDK's workflow and activity
    context, tracebacks) are not covered by the record filter."""

    def format(self, record: logging.LogRecord) -> str:
        return masquer(super().format(record))


class _TexteMasque(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return masquer(super().format(record))


def formateur(json: bool, composant: str) -> logging.Formatter:
    if json:
        return _JsonMasque(
            _CHAMPS,
            rename_fields={"asctime": "horodatage", "levelname": "niveau", "name": "journal"},
            static_fields={"composant": composant},
        )
    return _TexteMasque(_CHAMPS)


def configurer_journaux(settings: Settings, composant: str, flux=None) -> logging.Handler:
    """Route every log record of this process through one masked handler; returns it."""
    gestionnaire = logging.StreamHandler(flux or sys.stderr)
    gestionnaire.setFormatter(formateur(settings.journaux_json, composant))
    gestionnaire.addFilter(MasqueDonneesPersonnelles())
    racine = logging.getLogger()
    for ancien in list(racine.handlers):
        racine.removeHandler(ancien)
    racine.addHandler(gestionnaire)
    racine.setLevel(settings.niveau_journaux.upper())
    for nom in ("uvicorn", "uvicorn.access", "uvicorn.error"):  # uvicorn's own handlers would bypass the mask
        journal = logging.getLogger(nom)
        journal.handlers.clear()
        journal.propagate = True
    # The database and mail layers log statements with their parameters and mails with their text (names,
    # NIR) at DEBUG/INFO: WARNING at least for them.
    for nom in ("sqlalchemy", "aiosqlite", "asyncpg", "mail.log", "aiosmtplib"):
        logging.getLogger(nom).setLevel(max(racine.level, logging.WARNING))
    return gestionnaire
