"""Logs carry no personal data: NIR-like numbers in request paths are masked."""

from __future__ import annotations

import logging
import re

_NIR = re.compile(r"\b[12378]\d{2}(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d{2}|2A|2B)\d{6}(?:\d{2})?\b", re.IGNORECASE)


def masquer(texte: str) -> str:
    return _NIR.sub("***NIR***", texte)


class MasqueDonneesPersonnelles(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(masquer(a) if isinstance(a, str) else a for a in record.args)  # type: ignore[assignment]
        record.msg = masquer(str(record.msg))
        return True
