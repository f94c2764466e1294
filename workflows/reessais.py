"""The retries of the campaign's side processes (a document re-sent, bounces reported)."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy


def reessais_sauf(refus: str) -> RetryPolicy:
    """A second, then up to a minute between tries; none after ``refus``, the refusal a person must answer."""
    return RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1), non_retryable_error_types=[refus]
    )
