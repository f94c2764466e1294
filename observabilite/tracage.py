"""Optional OpenTelemetry tracing through Temporal's interceptor (``CNRACL_TRACAGE_OTEL``): spans for
starting workflows, running them and their activities. Exporting the spans (OTLP, console…) is the
deployment's choice: register a ``TracerProvider`` with its exporter before the client connects."""

from __future__ import annotations

from temporalio.client import Interceptor


def intercepteurs(actif: bool) -> list[Interceptor]:
    if not actif:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]
