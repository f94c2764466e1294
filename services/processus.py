"""Supervisors: every process (EIR, rectifications, validation deadlines), its state and its history."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, TypeAdapter
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.service import RPCError, RPCStatusCode

from domain.erreurs import Introuvable, MoteurIndisponible, Refus
from domain.etats import EtatTache
from persistence import lectures, supervision
from persistence.models import Compte, Employeur
from services.acces import historique
from services.moteur import Moteur
from services.taches import TachePublique, corbeille

# The engine's part of a process's detail is waited for this long: the Temporal client retries an unreachable
# server for ~9 s, and a read holds one of its API process's places meanwhile (api/priorite.py).
ATTENTE_MOTEUR = 3.0
TYPES = tuple(lectures.PROJECTIONS)


class ProcessusResume(BaseModel):
    workflow_id: str
    type: str
    reference: str
    etape: str | None
    etat: str
    en_attente_de: str | None
    echeance: datetime | None
    employeur_id: int | None
    modifie_le: datetime | None
    agent: str | None = Field(default=None, description="Prénom et nom de l'agent")


_JADIS = datetime.min.replace(tzinfo=UTC)
_LISTE = TypeAdapter(list[ProcessusResume])


def _resume(type_: str, ligne: Any) -> dict[str, Any]:
    """A ``ProcessusResume`` as a dict: the list validates them in one pass (pydantic-core)."""
    _, prefixe, col_employeur, col_echeance, col_etape = lectures.PROJECTIONS[type_]
    return {
        "workflow_id": ligne.workflow_id,
        "type": type_,
        "reference": f"{prefixe}-{ligne.id}",
        "etape": getattr(ligne, col_etape) if col_etape else None,
        "etat": ligne.etat,
        "en_attente_de": ligne.en_attente_de,
        "echeance": getattr(ligne, col_echeance) if col_echeance else None,
        "employeur_id": getattr(ligne, col_employeur) if col_employeur else None,
        "modifie_le": ligne.modifiee_le,
        "agent": f"{ligne.prenom} {ligne.nom}" if hasattr(ligne, "nom") else None,
    }


async def lister(
    session: AsyncSession,
    type: str | None = None,
    etat: str | None = None,
    en_attente_de: str | None = None,
    employeur_id: int | None = None,
    limite: int = 100,
    decalage: int = 0,
    recherche: str | None = None,
) -> list[ProcessusResume]:
    """Most recently changed first, each with its agent's name. ``recherche``: the processes of the agents whose
    name holds each of its words (accents and case aside), or whose NIR begins with it (spaces aside); searched
    in the database alone."""
    if type is not None and type not in TYPES:
        raise Refus(f"type : « {type} » inconnu ; valeurs possibles : {', '.join(TYPES)}.", "type", "enum")
    recherche = (recherche or "").strip() or None
    agents = await supervision.agents_trouves(session, recherche) if recherche else None
    resultats: list[dict[str, Any]] = []
    for nom, (_table, _prefixe, col_employeur, _echeance, _etape) in lectures.PROJECTIONS.items():
        if type not in (None, nom) or (employeur_id is not None and col_employeur is None):
            continue
        lignes = await supervision.resumes(session, nom, etat, en_attente_de, employeur_id, agents, limite + decalage)
        resultats += [_resume(nom, ligne) for ligne in lignes]
    resultats.sort(key=lambda p: p["modifie_le"] or _JADIS, reverse=True)
    return _LISTE.validate_python(resultats[decalage : decalage + limite])


async def _dans_le_moteur(moteur: Moteur, workflow_id: str) -> dict[str, Any]:
    """What the engine says of the process, or why it cannot say (never an error: the rest of the detail stands)."""
    try:
        client = await moteur.client()
        description = await asyncio.wait_for(client.get_workflow_handle(workflow_id).describe(), ATTENTE_MOTEUR)
    except (MoteurIndisponible, TimeoutError):
        return {"statut": "moteur indisponible"}
    except RPCError as exc:
        introuvable = exc.status == RPCStatusCode.NOT_FOUND
        return {"statut": "introuvable dans le moteur" if introuvable else "moteur indisponible"}
    return {
        "statut": description.status.name if description.status else "inconnu",
        "demarre_le": description.start_time,
        "termine_le": description.close_time,
        "evenements": description.history_length,
    }


async def detail(session: AsyncSession, moteur: Moteur, workflow_id: str) -> dict[str, Any]:
    """The summary of a process, its history, and the engine's view of it."""
    trouve = await lectures.projection_du_processus(session, workflow_id)
    if trouve is None:
        raise Introuvable(f"Aucun processus {workflow_id}.")
    type_, ligne = trouve
    evenements = await historique(session, workflow_id)
    return {
        **_resume(type_, ligne),
        "incident": ligne.incident,
        "moteur": await _dans_le_moteur(moteur, workflow_id),
        "historique": [e.model_dump() for e in evenements],
    }


async def employeurs(session: AsyncSession, ids: set[int]) -> dict[int, Employeur]:
    """The employers of these ids that exist, by id (the names beside a list of processes or tasks)."""
    return {i: e for i in ids if (e := await session.get(Employeur, i)) is not None}


def lien_de(fiche: dict[str, Any]) -> str | None:
    """The page of the process's own file, for those that have one."""
    prefixes = {"eir": ("EIR-", "/eir/"), "rectification": ("RECT-", "/rectifications/")}
    if fiche["type"] not in prefixes:
        return None
    prefixe, chemin = prefixes[fiche["type"]]
    return chemin + str(fiche["reference"]).removeprefix(prefixe)


async def retards_par_employeur(
    session: AsyncSession, compte: Compte
) -> tuple[list[tuple[int | None, list[TachePublique]]], dict[int, Employeur]]:
    """Overdue open tasks grouped by employer, the employer with most overdue tasks first."""
    ouvertes = await corbeille(session, compte, EtatTache.ouverte, None, None, 500, 0, "toutes")
    par_employeur: dict[int | None, list[TachePublique]] = {}
    for tache in ouvertes:
        if tache.en_retard:
            par_employeur.setdefault(tache.employeur_id, []).append(tache)
    groupes = sorted(par_employeur.items(), key=lambda paire: (-len(paire[1]), paire[0] or 0))
    return groupes, await employeurs(session, {i for i in par_employeur if i})
