"""Counters of the work done by the worker's activities, exported by the Temporal runtime beside the SDK's
own metrics (``CNRACL_WORKER_METRIQUES``). Outside an activity, or without that address, they count nothing."""

from __future__ import annotations

from temporalio import activity


def compter_calcul(origine: str, nombre: int = 1) -> None:
    """Pension calculations (``pension.estimer``) done in an activity: ``cnracl_calculs{origine}``, with the
    activity's type and task queue as labels."""
    if activity.in_activity():
        activity.metric_meter().create_counter(
            "cnracl_calculs", "Calculs de pension faits par les activités du worker, par origine."
        ).add(nombre, {"origine": origine})


def compter_echec_envoi(origine: str) -> None:
    """A mail (or a batch of mails) the SMTP relay did not take; the activity retries it:
    ``cnracl_mails_echecs{origine}``."""
    if activity.in_activity():
        activity.metric_meter().create_counter(
            "cnracl_mails_echecs", "Envois de courriels refusés ou impossibles (relais SMTP), réessayés par l'activité."
        ).add(1, {"origine": origine})
