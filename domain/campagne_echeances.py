"""The employers' deadlines of the DAI campaign (issue 24, §8): one employer's extended deadline, the closing of the
campaign tasks at the cut-off, the late employers' reminder after it. Only ids and instants cross Temporal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from domain.campagne import PARIS, decaler, id_workflow_campagne


def instant_limite(jour: date, limite_de_la_campagne: datetime) -> datetime:
    """The cut-off instant of ``jour``: the Paris hour of the campaign's own cut-off, on either side of a change of
    summer/winter time (a deadline on 20 October falls at 08:00 in Paris as one on 30 October)."""
    heure = limite_de_la_campagne.astimezone(PARIS).time()
    return datetime.combine(jour, heure, tzinfo=PARIS).astimezone(UTC)


def annee_de_la_campagne(workflow_id: str) -> int | None:
    """The year N of a campaign's workflow id (``campagne-dai-N``), None for another process."""
    prefixe = id_workflow_campagne(0).removesuffix("0")
    reste = workflow_id.removeprefix(prefixe)
    return int(reste) if reste != workflow_id and reste.isdigit() else None


def id_workflow_delai(annee: int, employeur_id: int) -> str:
    return f"{id_workflow_campagne(annee)}-delai-employeur-{employeur_id}"


@dataclass
class DelaiEmployeur:
    """One employer's own deadline: its reminder before it, its tasks closed at it, its reminder after it."""

    campagne_id: int
    workflow_campagne: str
    annee: int
    employeur_id: int
    date_limite: datetime
    rappel: datetime | None = None  # its own reminder before its date (none when the date is that close)
    relance: datetime | None = None  # its reminder after its date, when that is before the transmission
    transmission: datetime | None = None
    en_pause: bool = False  # the campaign suspended by a supervisor: its steps wait for the resumption


def delai_employeur(
    campagne_id: int,
    annee: int,
    employeur_id: int,
    date_limite: datetime,
    rappel_avant: timedelta | None,
    relance_apres: timedelta,
    transmission: datetime,
) -> DelaiEmployeur:
    """The extended deadline's calendar, on the Paris wall clock like the campaign's: its last reminder's delay
    before the date, the reminder after it bounded by the transmission."""
    relance = decaler(date_limite, relance_apres)
    return DelaiEmployeur(
        campagne_id=campagne_id,
        workflow_campagne=id_workflow_campagne(annee),
        annee=annee,
        employeur_id=employeur_id,
        date_limite=date_limite,
        rappel=None if rappel_avant is None else decaler(date_limite, -rappel_avant),
        relance=relance if relance < transmission else None,
        transmission=transmission,
    )


@dataclass
class EcheanceEmployeurs:
    """An activity's input at a cut-off: the campaign's (``employeur_id`` None: every employer without a later
    deadline of its own) or one employer's own."""

    campagne_id: int
    workflow_id: str
    annee: int
    horodatage: datetime
    employeur_id: int | None = None
    date_limite: datetime | None = None  # the deadline the step is for (the campaign's, or an employer's own)
    transmission: datetime | None = None  # what the reminder after the cut-off says: the CIR is read then
