"""An EIR driven through the API by its agent and employer, step by step, waiting for each step's mails."""

from __future__ import annotations

from sqlmodel import select

from persistence.models import Mail
from tests.support.attente import attendre
from tests.support.fabriques import AGENT, EMPLOYEUR


async def mails_envoyes(service, nombre: int) -> None:
    """Wait until the outbox records ``nombre`` mails as sent. The worker is killed while the process waits for
    a person, not in the instant between the relay's acceptance of a mail and the outbox's record of it: a
    kill there is the one case where a mail leaves twice (same Message-ID: docs/fiabilite.md)."""

    async def envoyes():
        async with service.sessions() as session:
            return len((await session.exec(select(Mail).where(Mail.etat == "envoye"))).all()) >= nombre

    await attendre(envoyes, delai=60)


async def valider_le_ris(service, agent, demande_id: int, boite_mail) -> None:
    """Once the RIS is out, the agent validates it; wait for the bilan's mail and its record in the outbox."""

    async def ris_disponible():
        return (await agent.get(f"/eir/{demande_id}")).json()["etat"] == "ris_disponible"

    await attendre(ris_disponible, delai=60)
    assert (await agent.post(f"/eir/{demande_id}/ris/validation")).status_code == 200
    await attendre(lambda: len(boite_mail.pour(AGENT)) == 4, delai=60)  # the bilan mail
    await mails_envoyes(service, len(boite_mail.sujets()))


async def repondre_a_l_enquete(service, agent, demande_id: int, boite_mail) -> None:
    """The agent answers the survey: the EIR closes, its six mails each arrived once and are recorded sent."""

    async def enquete_ouverte():
        return (await agent.get(f"/eir/{demande_id}")).json()["etat"] == "enquete_envoyee"

    await attendre(enquete_ouverte, delai=30)
    reponse = await agent.post(f"/eir/{demande_id}/enquete", json={"reponses": [3, 3, 3, 3, 3]})
    assert reponse.status_code == 200 and reponse.json()["etat"] == "close"
    sujets = boite_mail.sujets()
    assert len(sujets) == 6 and len(set(sujets)) == 6, sujets
    async with service.sessions() as session:
        mails = (await session.exec(select(Mail))).all()
    assert len(mails) == 6 and {m.etat for m in mails} == {"envoye"}


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
