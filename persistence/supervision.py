"""The supervisors' reads: counts for the home page (processes by type and state, overdue tasks by employer,
incidents by type), the search of processes by the agent's name or NIR, and what a process's full detail reads.

The search is in the database only (the projections and the agents): a NIR never goes to the engine."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_
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

# A NIR as typed, or its beginning: sex, year, month, then digits (Corsica's 2A / 2B as the department).
_DEBUT_DE_NIR = re.compile(r"[12378]\d{4}(?:\d{2}|2A|2B)?\d{0,8}")
MOTS_MAX = 5
# The agents a name search reads at most from the database before keeping those whose name matches exactly.
CANDIDATS_MAX = 2000
# The letters a search typed without accents may stand for an accented one: any one character in SQL's first
# pass (portable LIKE, whatever the database's own folding of accents and case), the exact match in Python after.
_PEUT_ETRE_ACCENTUEE = re.compile(r"[aceinouy]")
_LIGATURE = re.compile(r"oe|ae")


def sans_accents(texte: str) -> str:
    """``Léa Bœuf`` → ``lea boeuf``: the form both sides of a name search are compared in."""
    texte = texte.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    decompose = unicodedata.normalize("NFKD", texte)
    return "".join(c for c in decompose if not unicodedata.combining(c)).lower()


def _motif_like(mot: str) -> str:
    return "%" + mot.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def debut_de_nir(texte: str) -> str | None:
    """The NIR (or its first digits, at least five) the search text is, spaces and dots removed; else None."""
    compact = normaliser(texte)
    return compact if _DEBUT_DE_NIR.fullmatch(compact) else None


def _mots(texte: str) -> list[str]:
    return [m for m in re.split(r"[\s,;]+", sans_accents(texte)) if m][:MOTS_MAX]


def _motif_approche(mot: str) -> str:
    """The LIKE pattern of SQL's first pass: each letter that may be accented stands for any one character, a
    ligature's two letters (« oe ») for any characters."""
    motif = _motif_like(mot).removeprefix("%").removesuffix("%")
    motif = _LIGATURE.sub("%", motif)
    return "%" + _PEUT_ETRE_ACCENTUEE.sub("_", motif) + "%"


async def agents_trouves(session: AsyncSession, texte: str) -> list[int]:
    """The agents whose NIR begins with the text (spaces aside), or whose name holds each of its words (accents
    and case aside). Never the engine: a NIR stays in the database."""
    nir = debut_de_nir(texte)
    if nir is not None:
        par_nir = select(Affilie.id).where(col(Affilie.nir).like(nir + "%")).limit(CANDIDATS_MAX)
        return [i for i in (await session.exec(par_nir)).all() if i is not None]
    mots = _mots(texte)
    if not mots:
        return []
    requete = select(Affilie.id, Affilie.nom, Affilie.prenom)
    for mot in mots:
        motif = _motif_approche(mot)
        requete = requete.where(
            or_(
                func.lower(Affilie.nom).like(motif, escape="\\"),
                func.lower(Affilie.prenom).like(motif, escape="\\"),
            )
        )
    trouves = []
    for identifiant, nom, prenom in (await session.exec(requete.limit(CANDIDATS_MAX))).all():
        nom_, prenom_ = sans_accents(nom), sans_accents(prenom)
        if identifiant is not None and all(m in nom_ or m in prenom_ for m in mots):
            trouves.append(identifiant)
    return trouves


async def resumes(
    session: AsyncSession,
    type_: str,
    etat: str | None,
    en_attente_de: str | None,
    employeur_id: int | None,
    agents: list[int] | None,
    limite: int,
) -> Sequence[Any]:
    """The processes of one type, most recently changed first, as rows of the summary's columns with the agent's
    name (``nom``, ``prenom``); ``agents``: of these agents only."""
    table, _, col_employeur, col_echeance, col_etape = PROJECTIONS[type_]
    colonnes = ["id", "workflow_id", "etat", "en_attente_de", "modifiee_le", "affilie_id"]
    colonnes += [c for c in (col_employeur, col_echeance, col_etape) if c]
    champs = [getattr(table, c) for c in colonnes] + [col(Affilie.nom), col(Affilie.prenom)]
    requete = select(*champs).join(Affilie, col(Affilie.id) == table.affilie_id)
    if agents is not None:
        if not agents:
            return []
        requete = requete.where(col(table.affilie_id).in_(agents))
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
