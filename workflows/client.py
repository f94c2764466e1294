"""The Temporal client every process of ours uses (pydantic payloads: dates, durations, models)."""

from __future__ import annotations

import dataclasses
from datetime import date
from os import PathLike
from typing import TYPE_CHECKING

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DefaultFailureConverterWithEncodedAttributes, PayloadCodec
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from domain.eir import DelaisEir, DemandeEir, VueEir
from domain.processus import ReglesIncident
from domain.taches import DelaisTache
from domain.validation import DelaisInstruction
from workflows.eir import EirWorkflow

if TYPE_CHECKING:
    from settings import Settings


async def connecter(
    adresse: str,
    namespace: str = "default",
    *,
    tracage: bool = False,
    runtime: Runtime | None = None,
    tls: TLSConfig | bool = False,
    cle_api: str | None = None,
    codec: PayloadCodec | None = None,
) -> Client:
    """The client; ``tracage`` adds OpenTelemetry spans, ``runtime`` a Temporal runtime (the worker's exports
    its metrics); ``tls``, ``cle_api`` and ``codec`` a secured cluster's connection and the payloads' encryption
    (services/moteur.py reads them from the settings)."""
    from observabilite.tracage import intercepteurs

    convertisseur = pydantic_data_converter
    if codec is not None:
        # A failure's message and stack trace are encrypted too: an error may quote what a person typed.
        convertisseur = dataclasses.replace(
            convertisseur, payload_codec=codec, failure_converter_class=DefaultFailureConverterWithEncodedAttributes
        )
    return await Client.connect(
        adresse,
        namespace=namespace,
        api_key=cle_api,
        tls=tls,
        data_converter=convertisseur,
        interceptors=intercepteurs(tracage),
        runtime=runtime,
    )


def persistance_serveur_dev(fichier: str | PathLike[str]) -> list[str]:
    """The options of ``temporal server start-dev`` that persist its state to ``fichier`` (SQLite). In WAL mode
    with ``synchronous=NORMAL`` a committed write survives the server process being killed (a power cut may
    lose the last ones); the default rollback journal, synced on each commit, costs the embedded server much more
    processor under load (bench/bench_charge.py measures it)."""
    return [
        "--db-filename",
        str(fichier),
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
    ]


def delais_eir(settings: Settings) -> DelaisEir:
    """The EIR delays, read from the settings when a request starts and passed in its input."""
    return DelaisEir(
        notification_employeur=settings.eir_delai_notification_employeur,
        relance_employeur=settings.relance_employeur,
        escalade_superviseur=settings.escalade_superviseur,
        enquete=settings.eir_delai_enquete,
        reponse_enquete=settings.eir_delai_reponse_enquete,
        incidents=regles_incident(settings),
        delai_global=settings.eir_delai_global,
        validation_ris=settings.eir_delai_validation_ris,
        expiration_tache=settings.expiration_tache,
    )


def regles_incident(settings: Settings) -> ReglesIncident:
    """When a failing step becomes an incident, read from the settings when a process starts (in its input)."""
    return ReglesIncident(
        tentatives=settings.tentatives_avant_incident,
        reprise_automatique=settings.incident_reprise_automatique,
        delai_traitement=settings.incident_delai_traitement,
    )


def delais_instruction(settings: Settings) -> DelaisInstruction:
    """The delays of a validation dossier once its request is received, from the settings."""
    return DelaisInstruction(settings.validation_delai_certificats, settings.validation_delai_decision)


def delais_taches(settings: Settings) -> DelaisTache:
    """The delays of a process's human tasks (reminder, escalation) and its incident rules, from the settings."""
    return DelaisTache(
        settings.relance_employeur, settings.escalade_superviseur, regles_incident(settings), settings.expiration_tache
    )


async def demarrer_eir(
    client: Client,
    task_queue: str,
    demande_id: int,
    workflow_id: str,
    date_demande: date,
    delais: DelaisEir,
) -> WorkflowHandle[EirWorkflow, VueEir]:
    """Start the EIR of a stored request. The id is the business key: a retried start never
    starts a second process (the conflict policy returns the running one)."""
    return await client.start_workflow(
        EirWorkflow.run,
        DemandeEir(demande_id=demande_id, date_demande=date_demande, delais=delais),
        id=workflow_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )
