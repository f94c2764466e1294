"""What the observability tests share: a pension case, a Prometheus exposition reader."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

CAS = {
    "date_de_naissance": "1965-03-10",
    "date_de_liquidation": "2028-01-01",
    "categorie": "sedentaire",
    "trimestres_services": 160,
    "indice_majore": 560,
}


def series(exposition: str) -> list[tuple[str, dict[str, str], float]]:
    """Every sample of a Prometheus exposition: (name, labels, value)."""
    return [
        (e.name, e.labels, e.value) for famille in text_string_to_metric_families(exposition) for e in famille.samples
    ]


def valeur(exposition: str, nom: str, **etiquettes: str) -> float | None:
    """The sum of the samples named ``nom`` carrying these labels (None when there is none)."""
    trouves = [v for n, e, v in series(exposition) if n == nom and etiquettes.items() <= e.items()]
    return sum(trouves) if trouves else None
