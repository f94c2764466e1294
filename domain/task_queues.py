"""Temporal task queues and workflow-id builders (business keys, no personal data)."""

TACHES_PROCESSUS = "cnracl-processus"


def id_workflow_eir(cle_affilie: str, numero: int) -> str:
    """``eir-{affilie}-{n}``: the affiliate's opaque key (never the NIR) and the request's rank."""
    return f"eir-{cle_affilie}-{numero}"
