"""The supervisors' reads: counts for the home page (processes by type and state, overdue tasks by employer,
incidents by type), the search of processes by the agent's name or NIR, and what a process's full detail reads.

The search is in the database only (the projections and the agents): a NIR never goes to the engine."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.identifiants import normaliser
from persistence.lectures import PROJECTIONS
from persistence.models import (
    Affilie,
    Compte,
    DemandeEirTable,
    Document,
    Employeur,
    ReponseEnqueteTable,
    Tache,
)

# The letters a French name may carry, by the letter a search without accents types (both cases: SQLite's
# ``lower`` folds ASCII only).
_ACCENTS = {
    "a": "àâäáãåÀÂÄÁÃÅ",
    "c": "çÇ",
    "e": "éèêëÉÈÊË",
    "i": "îïíìÎÏÍÌ",
    "n": "ñÑ",
    "o": "ôöóòõÔÖÓÒÕ",
    "u": "ûüúùÛÜÚÙ",
    "y": "ÿýŸÝ",
    "oe": "œŒ",
    "ae": "æÆ",
}
# A NIR as typed, or its beginning: sex, year, month, then digits (Corsica's 2A / 2B as the department).
_DEBUT_DE_NIR = re.compile(r"[12378]\d{4}(?:\d{2}|2A|2B)?\d{0,8}")
MOTS_MAX = 5


def sans_accents(texte: str) -> str:
    """``Léa Bœuf`` → ``lea boeuf``: the form both sides of a name search are compared in."""
    texte = texte.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    decompose = unicodedata.normalize("NFKD", texte)
    return "".join(c for c in decompose if not unicodedata.combining(c)).lower()


def _colonne_sans_accents(colonne: Any) -> Any:
    expression = colonne
    for base, lettres in _ACCENTS.items():
        for lettre in lettres:
            expression = func.replace(expression, lettre, base)
    return func.lower(expression)


def _motif_like(mot: str) -> str:
    return "%" + mot.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def debut_de_nir(texte: str) -> str | None:
    """The NIR (or its first digits, at least five) the search text is, spaces and dots removed; else None."""
    compact = normaliser(texte)
    return compact if _DEBUT_DE_NIR.fullmatch(compact) else None


def _condition_agent(texte: str) -> ColumnElement[bool] | None:
    """The agents whose NIR begins with the text, or whose name holds each of its words (accents and case aside)."""
    nir = debut_de_nir(texte)
    if nir is not None:
        return col(Affilie.nir).like(nir + "%")
    mots = [m for m in re.split(r"[\s,;]+", sans_accents(texte)) if m][:MOTS_MAX]
    if not mots:
        return None
    nom, prenom = _colonne_sans_accents(Affilie.nom), _colonne_sans_accents(Affilie.prenom)
    conditions = [or_(nom.like(_motif_like(m), escape="\\"), prenom.like(_motif_like(m), escape="\\")) for m in mots]
    condition = conditions[0]
    for autre in conditions[1:]:
        condition = condition & autre
    return condition


async def resumes(
    session: AsyncSession,
    type_: str,
    etat: str | None,
    en_attente_de: str | None,
    employeur_id: int | None,
    recherche: str | None,
    limite: int,
) -> Sequence[Any]:
    """The processes of one type, most recently changed first, as rows of the summary's columns with the agent's
    name (``nom``, ``prenom``); ``recherche``: only the agents it finds (name or NIR)."""
    table, _, col_employeur, col_echeance, col_etape = PROJECTIONS[type_]
    colonnes = ["id", "workflow_id", "etat", "en_attente_de", "modifiee_le", "affilie_id"]
    colonnes += [c for c in (col_employeur, col_echeance, col_etape) if c]
    champs = [getattr(table, c) for c in colonnes] + [col(Affilie.nom), col(Affilie.prenom)]
    requete = select(*champs).join(Affilie, col(Affilie.id) == table.affilie_id)
    if recherche is not None:
        condition = _condition_agent(recherche)
        if condition is None:
            return []
        requete = requete.where(condition)
    if etat:
        requete = requete.where(table.etat == etat)
    if en_attente_de:
        requete = requete.where(table.en_attente_de == en_attente_de)
    if employeur_id is not None and col_employeur is not None:
        requete = requete.where(getattr(table, col_employeur) == employeur_id)
    requete = requete.order_by(col(table.modifiee_le).desc()).limit(limite)
    return (await session.exec(requete)).all()


# --- the home's counts ---


async def processus_par_etat(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(type, state, number of processes), for every type and state that has any."""
    comptes: list[tuple[str, str, int]] = []
    for type_, (table, *_reste) in PROJECTIONS.items():
        requete = select(table.etat, func.count()).group_by(table.etat)
        comptes += [(type_, etat, int(n)) for etat, n in (await session.exec(requete)).all()]
    return comptes


async def retards_par_employeur(
    session: AsyncSession, maintenant: datetime, limite: int
) -> list[tuple[int | None, int]]:
    """(employer, number of its open tasks past their due date), the most first; ``None``: the supervisors' queue."""
    nombre = func.count().label("nombre")
    requete = (
        select(Tache.employeur_id, nombre)
        .where(Tache.etat == "ouverte", col(Tache.echeance) < maintenant)
        .group_by(col(Tache.employeur_id))
        .order_by(nombre.desc(), col(Tache.employeur_id))
        .limit(limite)
    )
    return [(employeur_id, int(n)) for employeur_id, n in (await session.exec(requete)).all()]


async def incidents(session: AsyncSession) -> list[dict[str, Any]]:
    """The ``incident`` of every process in incident (its type is inside: a few rows, read whole)."""
    trouves: list[dict[str, Any]] = []
    for table, *_reste in PROJECTIONS.values():
        requete = select(table.incident).where(table.etat == "incident")
        trouves += [incident or {} for incident in (await session.exec(requete)).all()]
    return trouves


# --- a process's full detail ---


async def taches_du_processus(session: AsyncSession, workflow_id: str) -> Sequence[Tache]:
    """Its tasks in the order they opened."""
    requete = select(Tache).where(Tache.workflow_id == workflow_id).order_by(col(Tache.creee_le), col(Tache.id))
    return (await session.exec(requete)).all()


async def comptes(session: AsyncSession, ids: set[int]) -> dict[int, Compte]:
    if not ids:
        return {}
    return {c.id or 0: c for c in (await session.exec(select(Compte).where(col(Compte.id).in_(ids)))).all()}


async def employeurs(session: AsyncSession, ids: set[int]) -> dict[int, Employeur]:
    if not ids:
        return {}
    return {e.id or 0: e for e in (await session.exec(select(Employeur).where(col(Employeur.id).in_(ids)))).all()}


async def documents_de_la_demande(session: AsyncSession, demande_id: int) -> Sequence[Document]:
    requete = (
        select(Document).where(Document.demande_id == demande_id).order_by(col(Document.cree_le), col(Document.id))
    )
    return (await session.exec(requete)).all()


async def reponse_enquete(session: AsyncSession, demande_id: int) -> ReponseEnqueteTable | None:
    requete = select(ReponseEnqueteTable).where(ReponseEnqueteTable.demande_id == demande_id)
    return (await session.exec(requete)).first()


async def demande_eir(session: AsyncSession, workflow_id: str) -> DemandeEirTable | None:
    return (await session.exec(select(DemandeEirTable).where(DemandeEirTable.workflow_id == workflow_id))).first()
