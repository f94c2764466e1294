"""Temporal task queues and workflow-id builders (business keys, no personal data)."""

TACHES_PROCESSUS = "cnracl-processus"


def id_workflow_eir(affilie_id: int, numero: int) -> str:
    """``eir-{affilie}-{n}``: the affiliate's opaque id (never the NIR) and the request's rank."""
    return f"eir-{affilie_id}-{numero}"
