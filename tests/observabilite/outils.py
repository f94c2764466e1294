"""What the observability tests share: short EIR delays, a Prometheus exposition reader, an EIR driven to its
bilan through the API."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from tests.workflows.test_eir_workflow import AGENT, EMPLOYEUR, attendre

CAS = {
    "date_de_naissance": "1965-03-10",
    "date_de_liquidation": "2028-01-01",
    "categorie": "sedentaire",
    "trimestres_services": 160,
    "indice_majore": 560,
}


def delais(**autres):
    return dict(
        eir_delai_notification_employeur=timedelta(seconds=1),
        relance_employeur=timedelta(minutes=5),
        escalade_superviseur=timedelta(minutes=10),
        eir_delai_enquete=timedelta(seconds=1),
        **autres,
    )


def series(exposition: str) -> list[tuple[str, dict[str, str], float]]:
    """Every sample of a Prometheus exposition: (name, labels, value)."""
    return [
        (e.name, e.labels, e.value) for famille in text_string_to_metric_families(exposition) for e in famille.samples
    ]


def valeur(exposition: str, nom: str, **etiquettes: str) -> float | None:
    """The sum of the samples named ``nom`` carrying these labels (None when there is none)."""
    trouves = [v for n, e, v in series(exposition) if n == nom and etiquettes.items() <= e.items()]
    return sum(trouves) if trouves else None


async def eir_jusqu_au_bilan(agent, rh, boite_mail, nir: str | None = None) -> int:
    """Request an EIR, answer the employer's task, validate the RIS; returns once the bilan is mailed."""
    demande = (await agent.post("/eir", json={})).json()
    await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1)
    tache = (await rh.get("/taches")).json()[0]
    if nir:
        assert (await rh.get(f"/affilies/{nir}/cir")).status_code == 200
    reponse = await rh.post(
        f"/taches/{tache['id']}/completion", json={"carriere_verifiee": True, "indice_fin_de_carriere": 600}
    )
    assert reponse.status_code == 200, reponse.text

    async def ris_disponible():
        return (await agent.get(f"/eir/{demande['id']}")).json()["etat"] == "ris_disponible"

    await attendre(ris_disponible)
    assert (await agent.post(f"/eir/{demande['id']}/ris/validation")).status_code == 200
    await attendre(lambda: len(boite_mail.pour(AGENT)) == 4)
    return demande["id"]
