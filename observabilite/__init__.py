"""Observability: Prometheus metrics, JSON logs without personal data, optional OpenTelemetry tracing."""
