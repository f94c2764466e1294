"""Logs carry no personal data: NIR-like numbers and e-mail addresses are masked in every record."""

from __future__ import annotations

import logging
import re

_NIR = re.compile(r"\b[12378]\d{2}(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d{2}|2A|2B)\d{6}(?:\d{2})?\b", re.IGNORECASE)


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
