"""Reads the use cases of ``services`` need and no activity does: lists and lookups for the routes and pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from persistence.models import (
    Affilie,
    Compte,
    DemandeEirTable,
    Document,
    DossierValidationTable,
    LigneCirTable,
    RectificationTable,
    Tache,
)


async def employeurs_des_periodes(session: AsyncSession, affilie_id: int, debut: date, fin: date) -> set[int]:
    """The employers of the agent's CIR lines that overlap ``debut``–``fin``."""
    lignes = await session.exec(
        select(LigneCirTable.employeur_id).where(
            LigneCirTable.affilie_id == affilie_id, LigneCirTable.date_debut <= fin, LigneCirTable.date_fin >= debut
        )
    )
    return {employeur_id for employeur_id in lignes.all() if employeur_id}


async def employeurs_de_la_carriere(session: AsyncSession, affilie_id: int) -> set[int]:
    """The employers of any of the agent's CIR lines."""
    lignes = await session.exec(select(LigneCirTable.employeur_id).where(LigneCirTable.affilie_id == affilie_id))
    return {employeur_id for employeur_id in lignes.all() if employeur_id}


async def rectification_ouverte(
    session: AsyncSession, affilie_id: int, debut: date, fin: date
) -> RectificationTable | None:
    """The agent's open request (not closed) on exactly ``debut``–``fin``: the business key of a rectification."""
    requete = select(RectificationTable).where(
        RectificationTable.affilie_id == affilie_id,
        RectificationTable.periode_debut == debut,
        RectificationTable.periode_fin == fin,
        col(RectificationTable.terminee_le).is_(None),
    )
    return (await session.exec(requete)).first()


async def rectification_du_processus(session: AsyncSession, workflow_id: str) -> RectificationTable | None:
    requete = select(RectificationTable).where(RectificationTable.workflow_id == workflow_id)
    return (await session.exec(requete)).first()


async def nombre_de_rectifications(session: AsyncSession, affilie_id: int) -> int:
    requete = select(func.count()).select_from(RectificationTable).where(RectificationTable.affilie_id == affilie_id)
    return (await session.exec(requete)).one()


async def rectifications(
    session: AsyncSession, affilie_id: int | None, limite: int = 100
) -> Sequence[RectificationTable]:
    """The newest first; ``affilie_id`` None: everyone's."""
    requete = select(RectificationTable).order_by(col(RectificationTable.id).desc()).limit(limite)
    if affilie_id is not None:
        requete = requete.where(RectificationTable.affilie_id == affilie_id)
    return (await session.exec(requete)).all()


async def dossiers_de_validation(
    session: AsyncSession, affilie_id: int | None, limite: int = 200
) -> Sequence[DossierValidationTable]:
    """In the order they were opened; ``affilie_id`` None: everyone's."""
    requete = select(DossierValidationTable).order_by(col(DossierValidationTable.id)).limit(limite)
    if affilie_id is not None:
        requete = requete.where(DossierValidationTable.affilie_id == affilie_id)
    return (await session.exec(requete)).all()


async def demandes_eir(session: AsyncSession, affilie_id: int | None, limite: int = 100) -> Sequence[DemandeEirTable]:
    """The newest first; ``affilie_id`` None: everyone's."""
    requete = select(DemandeEirTable).order_by(col(DemandeEirTable.id).desc()).limit(limite)
    if affilie_id is not None:
        requete = requete.where(DemandeEirTable.affilie_id == affilie_id)
    return (await session.exec(requete)).all()


async def documents_de_l_agent(session: AsyncSession, affilie_id: int | None, limite: int) -> Sequence[Document]:
    """The newest first."""
    requete = (
        select(Document)
        .where(Document.affilie_id == affilie_id)
        .order_by(col(Document.cree_le).desc(), col(Document.id).desc())
        .limit(limite)
    )
    return (await session.exec(requete)).all()


async def agents_de_l_employeur(
    session: AsyncSession, employeur_id: int | None, limite: int = 200
) -> Sequence[Affilie]:
    """By name."""
    requete = (
        select(Affilie)
        .where(Affilie.employeur_id == employeur_id)
        .order_by(col(Affilie.nom), col(Affilie.prenom))
        .limit(limite)
    )
    return (await session.exec(requete)).all()


# One projection table per process type: (table, reference prefix, employer column, deadline column, step column).
PROJECTIONS: dict[str, tuple[Any, str, str | None, str | None, str | None]] = {
    "eir": (DemandeEirTable, "EIR", "employeur_id", "echeance", "etape"),
    "rectification": (RectificationTable, "RECT", "employeur_actuel_id", "echeance", None),
    "validation": (DossierValidationTable, "VAL", None, None, None),
}


async def projection_du_processus(session: AsyncSession, workflow_id: str) -> tuple[str, Any] | None:
    """(type, projection row) of a process, None when no projection bears that id."""
    for type_, (table, *_reste) in PROJECTIONS.items():
        ligne = (await session.exec(select(table).where(table.workflow_id == workflow_id))).first()
        if ligne is not None:
            return type_, ligne
    return None


async def processus_en_incident(
    session: AsyncSession, affilie_id: int | None = None
) -> list[tuple[str, Any, Affilie, Tache | None]]:
    """Every process in incident (``affilie_id``: of that agent): (type, projection row, its agent, its open
    incident task), the oldest incident first."""
    trouves: list[tuple[str, Any, Affilie, Tache | None]] = []
    for type_, (table, *_reste) in PROJECTIONS.items():
        requete = select(table, Affilie).join(Affilie, col(Affilie.id) == table.affilie_id)
        requete = requete.where(table.etat == "incident")
        if affilie_id is not None:
            requete = requete.where(table.affilie_id == affilie_id)
        lignes = await session.exec(requete)
        trouves += [(type_, ligne, affilie, None) for ligne, affilie in lignes.all()]
    if not trouves:
        return []
    taches = await session.exec(
        select(Tache).where(
            col(Tache.workflow_id).in_([ligne.workflow_id for _, ligne, _, _ in trouves]),
            Tache.type == "incident",
            Tache.etat == "ouverte",
        )
    )
    par_processus = {tache.workflow_id: tache for tache in taches.all()}
    trouves = [(type_, ligne, affilie, par_processus.get(ligne.workflow_id)) for type_, ligne, affilie, _ in trouves]
    return sorted(trouves, key=lambda trouve: str((trouve[1].incident or {}).get("depuis", "")))


async def comptes_superviseurs(session: AsyncSession) -> Sequence[Compte]:
    """The active supervisor accounts, by name (an incident is assigned to one of them)."""
    requete = (
        select(Compte)
        .where(Compte.role == "superviseur", col(Compte.actif).is_(True))
        .order_by(col(Compte.nom), col(Compte.prenom), col(Compte.identifiant))
    )
    return (await session.exec(requete)).all()
