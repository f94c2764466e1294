"""The client side of the processes: connecting to the engine, starting a process, sending it an update.

An update is sent once. It carries the sequence of the projection row the caller read (``avec_sequence``): the
workflow waits until it has reached that state before it checks the update, so an answer the page offered is
never refused because the workflow had not yet caught up with its own projection."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as AttenteDuPool
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import (
    Client,
    RPCError,
    RPCTimeoutOrCancelledError,
    WorkflowFailureError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.runtime import Runtime
from temporalio.service import RPCStatusCode, TLSConfig

from domain.erreurs import Conflit, MoteurIndisponible, PriseEnCompteNonRelue
from domain.processus import Intervention
from services.codec import codec_des_reglages
from settings import Settings, lire_pem
from workflows.client import connecter, persistance_serveur_dev

R = TypeVar("R")
EntreeT = TypeVar("EntreeT", bound=Intervention)

TERMINE = "Ce processus est terminé : il n'attend plus de réponse."
# The engine's own failures to answer, as opposed to its answer that the process is not there (any more).
_PANNES = frozenset({RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED})


def moteur_en_panne(exc: BaseException) -> bool:
    """The engine could not be reached or did not answer in time."""
    if isinstance(exc, RPCError):
        return exc.status in _PANNES
    return isinstance(
        exc,
        (ConnectionError, OSError, TimeoutError, RPCTimeoutOrCancelledError, WorkflowUpdateRPCTimeoutOrCancelledError),
    )


def motif_du_refus(echec: WorkflowFailureError, type_refus: str, sinon: str) -> str:
    """A process's failure as its person reads it: its activity's refusal of type ``type_refus``, in French as it was
    written; anything else, ``sinon`` (a sentence saying what to do)."""
    cause: BaseException | None = echec.cause
    while cause is not None:
        if isinstance(cause, ApplicationError) and cause.type == type_refus:
            return cause.message
        cause = cause.__cause__ or getattr(cause, "cause", None)
    return sinon


def tls_des_reglages(settings: Settings) -> TLSConfig | bool:
    """TLS as the settings ask: the server's CA (else the system's authorities) and the client's certificate and
    key for mutual TLS; TLS with the system's authorities for an API key alone; none otherwise. The files are read
    at each connection, so a renewed certificate is taken at the next start."""
    if not settings.temporal_tls:
        return False
    if not (settings.temporal_tls_ca or settings.temporal_tls_cert):
        return True

    def fichier(nom: str, chemin: str) -> bytes | None:
        return lire_pem(nom, chemin) if chemin else None

    return TLSConfig(
        server_root_ca_cert=fichier("CNRACL_TEMPORAL_TLS_CA", settings.temporal_tls_ca),
        client_cert=fichier("CNRACL_TEMPORAL_TLS_CERT", settings.temporal_tls_cert),
        client_private_key=fichier("CNRACL_TEMPORAL_TLS_CLE", settings.temporal_tls_cle),
    )


async def client_temporal(settings: Settings, runtime: Runtime | None = None) -> Client:
    """The one way our processes (the API, the worker, the commands) reach the engine: its address and namespace,
    TLS, client certificate or API key, and the payloads' encryption, all from the settings."""
    return await connecter(
        settings.temporal_address,
        settings.temporal_namespace,
        tracage=settings.tracage_otel,
        runtime=runtime,
        tls=tls_des_reglages(settings),
        cle_api=settings.temporal_cle_api or None,
        codec=codec_des_reglages(settings),
    )


class Moteur:
    """The engine as the use cases see it: connected on first need (reads of the database work without it)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Client | None = None
        self._verrou = asyncio.Lock()

    async def client(self) -> Client:
        async with self._verrou:
            if self._client is None:
                try:
                    self._client = await client_temporal(self.settings)
                except Exception as exc:  # whatever the transport says, the engine is out of reach
                    raise MoteurIndisponible() from exc
            return self._client


class LigneSequencee(Protocol):
    """A projection row or a task row: the workflow's sequence of the state it shows."""

    sequence: int


class LigneDeProcessus(LigneSequencee, Protocol):
    """A row a process writes, and that process."""

    workflow_id: str


def avec_sequence(argument: EntreeT, ligne: LigneSequencee) -> EntreeT:
    """The update's input, with the sequence of ``ligne``: the workflow reaches that state before checking it."""
    return argument.model_copy(update={"sequence": ligne.sequence})


async def mettre_a_jour(moteur: Moteur, workflow_id: str, update: Any, argument: Any) -> Any:
    """Send ``update`` (a typed reference, ``EirWorkflow.valider_ris``) once. The workflow's refusal → ``Conflit``
    with its French message; no such process, or closed → ``Conflit`` « terminé »; the engine out of reach →
    ``MoteurIndisponible``."""
    async with joignable():
        handle = (await moteur.client()).get_workflow_handle(workflow_id)
        try:
            return await handle.execute_update(update, argument)
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            raise Conflit(getattr(cause, "message", None) or str(cause or exc)) from exc
        except RPCError as exc:
            if moteur_en_panne(exc):
                raise
            raise Conflit(TERMINE) from exc


# The database out of reach, as the API maps it to 503; and the pauses before each new read of a state.
_PANNES_BASE = (DBAPIError, ConnectionError, AttenteDuPool)
_RELECTURES = (0.2, 0.5, 1.0)


async def mettre_a_jour_et_relire(
    session: AsyncSession,
    moteur: Moteur,
    ligne: LigneDeProcessus,
    update: Any,
    argument: Intervention,
    relire: Callable[[], Awaitable[R]],
) -> R:
    """Send ``update`` to the process of ``ligne`` with the sequence of the state the person saw (as
    :func:`mettre_a_jour`), then read the file's new state for the answer. Once the process took the change, a
    database failing on that read must not say « try again »: sent again, the change would be refused as already
    made. The read is tried again for a moment; still failing, the person is told the change is taken
    (``PriseEnCompteNonRelue``)."""
    workflow_id, argument = ligne.workflow_id, avec_sequence(argument, ligne)
    await session.close()  # the update waits for the process's next state: the connection serves others meanwhile
    await mettre_a_jour(moteur, workflow_id, update, argument)
    session.expunge_all()
    for pause in _RELECTURES:
        try:
            return await relire()
        except _PANNES_BASE:
            with suppress(*_PANNES_BASE):
                await session.rollback()
            await asyncio.sleep(pause)
    try:
        return await relire()
    except _PANNES_BASE as exc:
        raise PriseEnCompteNonRelue() from exc


@asynccontextmanager
async def joignable() -> AsyncIterator[None]:
    """Around a call to the engine: its being out of reach becomes ``MoteurIndisponible``."""
    try:
        yield
    except Exception as exc:
        if moteur_en_panne(exc):
            raise MoteurIndisponible() from exc
        raise


async def demarrer_ou_retirer(session: AsyncSession, ligne: object, depart: Awaitable[R]) -> R:
    """Start the process of a request already stored and committed (``ligne``). If it does not start, the request
    is removed, so that the person simply tries again, and the engine is said out of reach."""
    try:
        return await depart
    except Exception as exc:
        await session.delete(ligne)
        await session.commit()
        raise MoteurIndisponible() from exc


def commande_serveur_dev(
    port: int, fichier: Path | None = None, ui_port: int | None = None, journal: str = "error", *options: str
) -> list[str]:
    """The command line of the embedded engine (``temporal server start-dev`` from the venv) on 127.0.0.1:``port``;
    ``fichier``: its state persisted there (else in memory); ``ui_port``: its Web UI (else headless)."""
    return [
        str(Path(sys.executable).parent / "temporal"),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        *(["--ui-port", str(ui_port)] if ui_port else ["--headless"]),
        *(persistance_serveur_dev(fichier) if fichier else []),
        "--log-level",
        journal,
        *options,
    ]
