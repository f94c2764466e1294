"""How the campaign's documents reach their agents (mail or paper), and the campaign's incidents: repository
functions, in bulk like ``depots_campagne``, idempotent (a retried packet writes the same rows)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.campagne import LIVRAISONS_PAPIER, Canal, EtatCible, Livraison, Livraisons, mail_d_employeur
from domain.etats import EtatMail
from persistence.depots_campagne import _executer
from persistence.models import Affilie, Document, Employeur
from persistence.models_campagne import CampagneTable, IncidentCampagne
from persistence.types import UtcDateTime


async def marquer_livraisons(session: AsyncSession, livraisons: dict[int, Livraison]) -> None:
    """``livraisons``: the campaign target's id → how its document reached the agent."""
    if livraisons:
        await _executer(
            session,
            text("UPDATE campagne_cible SET livraison = :livraison WHERE id = :id"),
            [{"id": cible_id, "livraison": livraison.value} for cible_id, livraison in livraisons.items()],
        )


async def passer_au_papier(session: AsyncSession, affilie_ids: Sequence[int]) -> None:
    """The agents whose mail was refused receive their documents on paper from now on."""
    if affilie_ids:
        await _executer(
            session,
            text("UPDATE affilie SET canal = :canal WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"canal": Canal.papier.value, "ids": list(affilie_ids)},
        )


async def compter_papier(session: AsyncSession, campagne_id: int, lot: int, tranche: int) -> int:
    """The documents of a batch's tranche sent on paper."""
    requete = text(
        "SELECT COUNT(*) FROM campagne_cible WHERE campagne_id = :c AND lot = :lot AND tranche = :t "
        "AND livraison IN :papier"
    ).bindparams(bindparam("papier", expanding=True))
    valeurs = {"c": campagne_id, "lot": lot, "t": tranche, "papier": [mode.value for mode in LIVRAISONS_PAPIER]}
    return int((await _executer(session, requete, valeurs)).scalar() or 0)


async def compter_livraisons(session: AsyncSession, campagne_id: int) -> Livraisons:
    """The campaign's documents announced by mail and those sent on paper, over all its tranches: what each batch's
    report counts for its own tranche (``activities.campagne``), read again after a document changed its way."""
    requete = text(
        "SELECT COALESCE(SUM(CASE WHEN etat = :annonce THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN livraison IN :papier THEN 1 ELSE 0 END), 0) "
        "FROM campagne_cible WHERE campagne_id = :c"
    ).bindparams(bindparam("papier", expanding=True))
    valeurs = {
        "c": campagne_id,
        "annonce": EtatCible.document_annonce.value,
        "papier": [mode.value for mode in LIVRAISONS_PAPIER],
    }
    annonces, papier = (await _executer(session, requete, valeurs)).one()
    return Livraisons(mails_agents=int(annonces) - int(papier), plis_papier=int(papier))


async def recompter_campagne_close(session: AsyncSession, campagne: CampagneTable) -> Livraisons:
    """A closed campaign's stored counters made right after one of its documents changed its way: its process has
    ended, so its row is what remains of its state (a running campaign recounts in its own process)."""
    livraisons = await compter_livraisons(session, campagne.id or 0)
    campagne.compteurs = campagne.compteurs | asdict(livraisons)
    session.add(campagne)
    return livraisons


# The campaign's mails to employers (their outbox key ends with the employer, ``domain.campagne.mail_d_employeur``).
EVENEMENTS_EMPLOYEUR = ["campagne_lancement_employeur", "campagne_rappel_employeur", "campagne_relance_apres_limite"]


async def courriels_employeurs_en_echec(session: AsyncSession, workflow_id: str) -> dict[int, Counter[str]]:
    """Each employer's campaign mails that did not reach it, by state: refused during the exchange (``refuse``), or
    came back after the server accepted them (``rebondi``)."""
    lignes = await _executer(
        session,
        text(
            "SELECT cle, etat FROM mail WHERE processus_id = :wf AND etat IN :echecs AND evenement IN :evenements"
        ).bindparams(bindparam("echecs", expanding=True), bindparam("evenements", expanding=True)),
        {
            "wf": workflow_id,
            "echecs": [EtatMail.refuse.value, EtatMail.rebondi.value],
            "evenements": EVENEMENTS_EMPLOYEUR,
        },
    )
    echecs: dict[int, Counter[str]] = {}
    for cle, etat in lignes.all():
        if (employeur_id := mail_d_employeur(workflow_id, cle)) is not None:
            echecs.setdefault(employeur_id, Counter())[etat] += 1
    return echecs


async def employeurs_refuses(session: AsyncSession, workflow_id: str) -> list[dict[str, Any]]:
    """The employers of a campaign whose launch mail or reminders the mail server refused: id, name, and how many of
    its mails did not reach it (``echecs``: refused, or bounced after — the count its incident shows, whichever of
    the cut-off and a bounce writes it last)."""
    echecs = {
        employeur_id: sum(etats.values())
        for employeur_id, etats in (await courriels_employeurs_en_echec(session, workflow_id)).items()
        if etats[EtatMail.refuse.value]
    }
    if not echecs:
        return []
    employeurs = (await session.exec(select(Employeur).where(col(Employeur.id).in_(list(echecs))))).all()
    return [{"id": e.id, "raison_sociale": e.raison_sociale, "echecs": echecs[e.id or 0]} for e in employeurs]


async def documents(session: AsyncSession, ids: Sequence[int]) -> dict[int, Document]:
    if not ids:
        return {}
    return {d.id: d for d in (await session.exec(select(Document).where(col(Document.id).in_(ids)))).all() if d.id}


async def signaler_incident(
    session: AsyncSession,
    campagne_id: int,
    cle: str,
    type_: str,
    etape: str,
    motif: str,
    horodatage: datetime,
    affilie_id: int | None = None,
    lot: int | None = None,
    tentatives: int = 1,
    cumul: bool = True,
) -> None:
    """Open the incident ``cle`` of the campaign, or count one more attempt on it (opened again if it was
    resolved); ``cumul=False``: ``tentatives`` is the count itself (a retried step writes the same)."""
    incident = (
        await session.exec(
            select(IncidentCampagne).where(IncidentCampagne.campagne_id == campagne_id, IncidentCampagne.cle == cle)
        )
    ).first()
    if incident is None:
        incident = IncidentCampagne(
            campagne_id=campagne_id, cle=cle, type=type_, etape=etape, motif=motif, affilie_id=affilie_id, lot=lot
        )
    if incident.id is None or incident.resolu_le is not None:  # new, or resolved and opened again
        incident.resolu_le, incident.depuis = None, horodatage
    incident.tentatives = max(incident.tentatives + 1, tentatives) if cumul else tentatives
    incident.motif = motif
    session.add(incident)
    await session.flush()


async def incident_ouvert(session: AsyncSession, campagne_id: int, cle: str) -> IncidentCampagne | None:
    requete = select(IncidentCampagne).where(
        IncidentCampagne.campagne_id == campagne_id,
        IncidentCampagne.cle == cle,
        col(IncidentCampagne.resolu_le).is_(None),
    )
    return (await session.exec(requete)).first()


async def resoudre_incident(session: AsyncSession, campagne_id: int, cle: str, horodatage: datetime) -> None:
    await _executer(
        session,
        text(
            "UPDATE campagne_incident SET resolu_le = :h WHERE campagne_id = :c AND cle = :cle AND resolu_le IS NULL"
        ).bindparams(bindparam("h", type_=UtcDateTime())),
        {"h": horodatage, "c": campagne_id, "cle": cle},
    )


async def resoudre_incident_partout(session: AsyncSession, cle: str, horodatage: datetime) -> int:
    """The incident ``cle`` resolved in every campaign where it is open (the agent's or the employer's data
    corrected); returns how many were open."""
    resultat = await _executer(
        session,
        text("UPDATE campagne_incident SET resolu_le = :h WHERE cle = :cle AND resolu_le IS NULL").bindparams(
            bindparam("h", type_=UtcDateTime())
        ),
        {"h": horodatage, "cle": cle},
    )
    return int(resultat.rowcount or 0)


async def incidents_ouverts_de(session: AsyncSession, cle: str) -> list[tuple[IncidentCampagne, CampagneTable]]:
    """The incident ``cle`` wherever it is open, with its campaign, the oldest first."""
    requete = (
        select(IncidentCampagne, CampagneTable)
        .join(CampagneTable, col(CampagneTable.id) == col(IncidentCampagne.campagne_id))
        .where(IncidentCampagne.cle == cle, col(IncidentCampagne.resolu_le).is_(None))
        .order_by(col(IncidentCampagne.depuis), col(IncidentCampagne.id))
    )
    return [(incident, campagne) for incident, campagne in (await session.exec(requete)).all()]


async def compter_incidents(session: AsyncSession, campagne_id: int, lot: int, etape: str) -> int:
    requete = select(IncidentCampagne.id).where(
        IncidentCampagne.campagne_id == campagne_id,
        IncidentCampagne.lot == lot,
        IncidentCampagne.etape == etape,
        col(IncidentCampagne.resolu_le).is_(None),
    )
    return len((await session.exec(requete)).all())


async def incidents_ouverts(
    session: AsyncSession,
) -> list[tuple[IncidentCampagne, CampagneTable, Affilie | None]]:
    """Every open campaign incident, the oldest first, with its campaign and its agent (if any)."""
    requete = (
        select(IncidentCampagne, CampagneTable)
        .join(CampagneTable, col(CampagneTable.id) == col(IncidentCampagne.campagne_id))
        .where(col(IncidentCampagne.resolu_le).is_(None))
        .order_by(col(IncidentCampagne.depuis), col(IncidentCampagne.id))
    )
    trouves = (await session.exec(requete)).all()
    ids = [incident.affilie_id for incident, _ in trouves if incident.affilie_id]
    affilies = (
        {a.id: a for a in (await session.exec(select(Affilie).where(col(Affilie.id).in_(ids)))).all()} if ids else {}
    )
    return [(incident, campagne, affilies.get(incident.affilie_id or 0)) for incident, campagne in trouves]


async def compter_incidents_ouverts(session: AsyncSession) -> dict[str, int]:
    """Open campaign incidents by type (``metier``, ``technique``)."""
    lignes = await _executer(
        session, text("SELECT type, COUNT(*) FROM campagne_incident WHERE resolu_le IS NULL GROUP BY type")
    )
    return {type_: int(n) for type_, n in lignes.all()}
