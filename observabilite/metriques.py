"""``GET /metrics`` for Prometheus: the service's state read from the database at scrape time, and the
counters of this process.

The state (tasks, mails, processes, campaigns) is counted in SQL on each scrape, so every API process
gives the same answer and nothing is lost on a restart. Counters of work done in this process
(calculations) live in :data:`REGISTRE`. The Temporal SDK's own metrics are served by the worker on the
address of ``CNRACL_WORKER_METRIQUES`` (see :func:`runtime_temporal`).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.exceptions import HTTPException
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import ColumnElement, func
from sqlalchemy import select as select_colonnes
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from domain.etats import Role
from domain.jetons import lire_session
from persistence import livraison_campagne
from persistence.models import (
    Compte,
    DemandeEirTable,
    Document,
    DossierValidationTable,
    Mail,
    RectificationTable,
    Tache,
)
from persistence.models_campagne import CampagneTable, CibleCampagne

REGISTRE = CollectorRegistry(auto_describe=True)
CALCULS = Counter(
    "cnracl_calculs",
    "Calculs de pension demandés à ce processus d'API (POST /simulations), par origine.",
    ["origine"],
    registry=REGISTRE,
)

router = APIRouter(include_in_schema=False)


def compter_calcul(origine: str) -> None:
    CALCULS.labels(origine=origine).inc()


class _Instantane:
    """The gauges of one scrape, collected once."""

    def __init__(self, familles: list[GaugeMetricFamily]) -> None:
        self._familles = familles

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._familles


def _jauge(nom: str, aide: str, etiquettes: list[str], lignes: Iterable[Sequence[Any]]) -> GaugeMetricFamily:
    famille = GaugeMetricFamily(nom, aide, labels=etiquettes)
    for *valeurs, nombre in lignes:
        famille.add_metric([str(v) for v in valeurs], float(nombre or 0))
    return famille


async def _par(
    session: AsyncSession, *colonnes: Any, filtre: ColumnElement[bool] | None = None
) -> list[tuple[Any, ...]]:
    """Counts grouped by ``colonnes`` (a Core query: SQLModel's ``select`` takes at most four columns)."""
    requete = select_colonnes(*colonnes, func.count()).group_by(*colonnes)
    if filtre is not None:
        requete = requete.where(filtre)
    return [tuple(ligne) for ligne in (await (await session.connection()).execute(requete)).all()]


async def etat_du_service(session: AsyncSession, maintenant: datetime | None = None) -> list[GaugeMetricFamily]:
    """Every gauge of the service's state, counted in the database."""
    maintenant = maintenant or datetime.now(UTC)
    ouvertes = col(Tache.etat) == "ouverte"
    processus = []
    incidents = dict.fromkeys(("metier", "technique"), 0)
    for type_, table in (
        ("eir", DemandeEirTable),
        ("rectification", RectificationTable),
        ("validation_services", DossierValidationTable),
    ):
        processus += [(type_, etat, n) for etat, n in await _par(session, table.etat)]
        for incident in (await session.exec(select(table.incident).where(table.etat == "incident"))).all():
            type_incident = (incident or {}).get("type", "technique")
            incidents[type_incident] = incidents.get(type_incident, 0) + 1
    # An account mail no process sends, abandoned after its sends (services.reconciliation): its own incident.
    incidents["courriel"] = await session.scalar(select(func.count()).where(col(Mail.etat) == "incident")) or 0
    # A campaign's incidents (a recipient refused, a batch the collector did not take): the campaign went on.
    for type_incident, nombre in (await livraison_campagne.compter_incidents_ouverts(session)).items():
        incidents[type_incident] = incidents.get(type_incident, 0) + nombre
    souffrance = await session.scalar(
        select(func.count()).where(
            (col(Mail.etat) == "a_envoyer") & (col(Mail.cree_le) < maintenant - timedelta(minutes=5))
        )
    )
    campagnes = (await session.exec(select(CampagneTable).where(col(CampagneTable.simulation).is_(False)))).all()
    cibles = {(c, e): n for c, e, n in await _par(session, CibleCampagne.campagne_id, CibleCampagne.etat)}
    progression = [(c.annee, etat, n) for c in campagnes for (cid, etat), n in cibles.items() if cid == c.id]
    return [
        _jauge(
            "cnracl_taches_ouvertes",
            "Tâches humaines ouvertes, par type et destinataire.",
            ["type", "destinataire"],
            await _par(session, Tache.type, Tache.destinataire, filtre=ouvertes),
        ),
        _jauge(
            "cnracl_taches_en_retard",
            "Tâches ouvertes dont l'échéance est passée, par type.",
            ["type"],
            await _par(session, Tache.type, filtre=ouvertes & (col(Tache.echeance) < maintenant)),
        ),
        _jauge(
            "cnracl_mails",
            "Courriels de la boîte d'envoi, par état (a_envoyer, envoye, incident).",
            ["etat"],
            await _par(session, Mail.etat),
        ),
        _jauge(
            "cnracl_mails_en_souffrance",
            "Courriels à envoyer depuis plus de cinq minutes (SMTP en panne ?).",
            [],
            [(souffrance,)],
        ),
        _jauge(
            "cnracl_documents",
            "Documents produits (RIS, EIG, bilans : chacun issu d'un calcul), par type.",
            ["type"],
            await _par(session, Document.type),
        ),
        _jauge("cnracl_processus", "Processus par type et état métier.", ["type", "etat"], processus),
        _jauge(
            "cnracl_incidents",
            "Processus arrêtés sur un incident, par type (metier : données à corriger ; technique : composant en "
            "panne après ses tentatives ; courriel : courriel de compte abandonné après ses envois) ; y compris les "
            "incidents des campagnes (destinataire refusé, lot non reçu par le collecteur).",
            ["type"],
            sorted(incidents.items()),
        ),
        _jauge(
            "cnracl_campagne_cibles",
            "Agents ciblés par campagne DAI (hors simulations), par état.",
            ["annee", "etat"],
            progression,
        ),
        _jauge(
            "cnracl_campagne_en_pause",
            "1 si la campagne de l'année est en pause.",
            ["annee"],
            [(c.annee, int(c.en_pause)) for c in campagnes],
        ),
    ]


async def _autorise(request: Request, session: AsyncSession) -> bool:
    """A supervisor's token, or the scraper's bearer secret ``CNRACL_METRIQUES_JETON``."""
    settings = request.app.state.cnracl.settings
    entete = request.headers.get("authorization", "")
    jeton = entete.removeprefix("Bearer ").strip() if entete.startswith("Bearer ") else ""
    if not jeton:
        return False
    if settings.metriques_jeton and hmac.compare_digest(jeton, settings.metriques_jeton):
        return True
    lu = lire_session(jeton, settings.cle_secrete())
    compte = await session.get(Compte, lu.compte_id) if lu is not None else None
    if compte is None or lu is None or compte.version_jeton != lu.version:  # unknown, or its sessions revoked
        return False
    return compte.actif and compte.role == Role.superviseur.value


@router.get("/metrics")
async def metriques(request: Request) -> Response:
    async with request.app.state.cnracl.sessions() as session:
        if not await _autorise(request, session):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Métriques réservées aux superviseurs et au collecteur (jeton CNRACL_METRIQUES_JETON).",
                headers={"WWW-Authenticate": "Bearer"},
            )
        familles = await etat_du_service(session)
    instantane = CollectorRegistry()
    instantane.register(_Instantane(familles))
    return Response(generate_latest(instantane) + generate_latest(REGISTRE), media_type=CONTENT_TYPE_LATEST)


def runtime_temporal(adresse: str) -> Runtime | None:
    """The Temporal SDK's runtime exporting its metrics (workflow/activity task latencies, slots, polls)
    for Prometheus on ``adresse`` (host:port); None leaves the default runtime."""
    if not adresse:
        return None
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=adresse)))
