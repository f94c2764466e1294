"""A refusal no retry changes: the activity fails for good, and the process tells a person why."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError


def refus_definitif(type_: str, message: str) -> ApplicationError:
    return ApplicationError(message, type=type_, non_retryable=True)
