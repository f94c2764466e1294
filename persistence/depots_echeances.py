"""Repository functions of the campaign's deadlines: one employer's extension, the closing of campaign tasks at a
cut-off, the late employers' reminder after it. Bulk SQL, idempotent: a retried activity changes nothing more."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.etats import Acteur
from persistence import depots
from persistence.depots_campagne import _executer, _liste, _nombre, _parametres_taches_ouvertes
from persistence.models_campagne import CampagneTable, EmployeurCampagne
from persistence.types import UtcDateTime

_H = UtcDateTime()
# An employer whose own deadline (if any) is reached at ``:h``: the campaign's cut-off, or its own.
_ECHU = "(ce.date_limite IS NULL OR ce.date_limite <= :h)"


async def _employeurs(session: AsyncSession, requete: str, valeurs: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a query whose ``:h`` and ``:d`` are instants."""
    liens = [bindparam(nom, type_=_H) for nom in ("h", "d") if f":{nom}" in requete]
    resultat = await _executer(session, text(requete).bindparams(*liens), valeurs)
    return [dict(ligne._mapping) for ligne in resultat.all()]


async def employeur_de_la_campagne(
    session: AsyncSession, campagne_id: int, employeur_id: int
) -> EmployeurCampagne | None:
    requete = select(EmployeurCampagne).where(
        EmployeurCampagne.campagne_id == campagne_id, EmployeurCampagne.employeur_id == employeur_id
    )
    return (await session.exec(requete)).first()


async def employeurs_au_delai_prolonge(session: AsyncSession, campagne_id: int) -> list[int]:
    """The employers of the campaign whose deadline a manager extended (each has its own calendar)."""
    requete = select(EmployeurCampagne.employeur_id).where(
        EmployeurCampagne.campagne_id == campagne_id, col(EmployeurCampagne.date_limite).is_not(None)
    )
    return list((await session.exec(requete)).all())


async def prolonger(
    session: AsyncSession,
    campagne: CampagneTable,
    employeur: EmployeurCampagne,
    date_limite: datetime,
    horodatage: datetime,
    compte_id: int | None,
    motif: str,
) -> int:
    """The employer's own deadline: its campaign tasks due then (those closed at a cut-off open again), no longer
    late; the event in the campaign's history. Returns how many tasks it concerns."""
    employeur.date_limite = date_limite
    employeur.en_retard = False
    session.add(employeur)
    resultat = await _executer(
        session,
        text("""
        UPDATE tache SET echeance = :d, etat = :ouverte, terminee_le = NULL
        WHERE workflow_id = :wf AND type = :type AND employeur_id = :e AND etat IN (:ouverte, :close)""").bindparams(
            bindparam("d", type_=_H)
        ),
        {"d": date_limite, "e": employeur.employeur_id} | _parametres_taches_ouvertes(campagne.workflow_id),
    )
    nombre = int(getattr(resultat, "rowcount", 0) or 0)
    await depots.ajouter_evenement(
        session,
        campagne.workflow_id,
        "delai_employeur_prolonge",
        Acteur.superviseur.value,
        horodatage,
        compte_id,
        {
            "employeur_id": employeur.employeur_id,
            "date_limite": date_limite.isoformat(),
            "motif": motif,
            "taches": nombre,
        },
    )
    return nombre


async def signaler_en_retard(
    session: AsyncSession, campagne_id: int, workflow_id: str, horodatage: datetime, employeur_id: int | None = None
) -> None:
    """Flag the employers whose deadline is reached with unanswered campaign tasks (open, or already closed by this
    step run before: a retried step flags the same), all of the campaign or one at its own date; an employer with a
    later deadline of its own is not late."""
    filtre = "" if employeur_id is None else "AND employeur_id = :e"
    await _executer(
        session,
        text(f"""
        UPDATE campagne_employeur SET en_retard = (date_limite IS NULL OR date_limite <= :h) AND EXISTS (
            SELECT 1 FROM tache t WHERE t.workflow_id = :wf AND t.type = :type AND t.etat IN (:ouverte, :close)
              AND t.employeur_id = campagne_employeur.employeur_id)
        WHERE campagne_id = :c {filtre}""").bindparams(bindparam("h", type_=_H)),
        {"c": campagne_id, "h": horodatage, "e": employeur_id} | _parametres_taches_ouvertes(workflow_id),
    )


async def clore_taches(
    session: AsyncSession, campagne_id: int, workflow_id: str, horodatage: datetime, employeur_id: int | None = None
) -> int:
    """Close the open campaign tasks of the employers whose deadline is reached (nothing deleted: the task stays,
    « close à la date limite »); the event in the campaign's history when some were. Returns how many."""
    filtre = "" if employeur_id is None else "AND ce.employeur_id = :e"
    resultat = await _executer(
        session,
        text(f"""
        UPDATE tache SET etat = :close, terminee_le = :h
        WHERE workflow_id = :wf AND type = :type AND etat = :ouverte AND employeur_id IN (
            SELECT ce.employeur_id FROM campagne_employeur ce WHERE ce.campagne_id = :c AND {_ECHU} {filtre})""").bindparams(
            bindparam("h", type_=_H)
        ),
        {"c": campagne_id, "h": horodatage, "e": employeur_id} | _parametres_taches_ouvertes(workflow_id),
    )
    nombre = int(getattr(resultat, "rowcount", 0) or 0)
    if nombre:
        await depots.ajouter_evenement(
            session,
            workflow_id,
            "taches_closes_date_limite",
            Acteur.cnracl.value,
            horodatage,
            None,
            {"taches": nombre} | ({} if employeur_id is None else {"employeur_id": employeur_id}),
            une_fois=True,
        )
    return nombre


async def employeurs_a_rappeler(
    session: AsyncSession, campagne_id: int, workflow_id: str, employeur_id: int, date_limite: datetime
) -> list[dict[str, Any]]:
    """The employer, before its own deadline (still that one), if it has open campaign tasks."""
    return await _employeurs(
        session,
        """
        SELECT e.id, e.siret, e.raison_sociale, e.email, ce.rappels
        FROM campagne_employeur ce JOIN employeur e ON e.id = ce.employeur_id
        WHERE ce.campagne_id = :c AND ce.employeur_id = :e AND ce.date_limite = :d
          AND EXISTS (SELECT 1 FROM tache t WHERE t.workflow_id = :wf AND t.type = :type AND t.etat = :ouverte
                      AND t.employeur_id = ce.employeur_id)""",
        {"c": campagne_id, "e": employeur_id, "d": date_limite} | _parametres_taches_ouvertes(workflow_id),
    )


async def employeurs_a_relancer(
    session: AsyncSession, campagne_id: int, horodatage: datetime, employeur_id: int | None = None
) -> list[dict[str, Any]]:
    """The late employers who had no reminder after their deadline yet: those of the campaign's cut-off (without
    a deadline of their own), or the one whose own deadline is past."""
    filtre = "ce.date_limite IS NULL" if employeur_id is None else "ce.employeur_id = :e AND ce.date_limite <= :h"
    return await _employeurs(
        session,
        f"""
        SELECT e.id, e.siret, e.raison_sociale, e.email
        FROM campagne_employeur ce JOIN employeur e ON e.id = ce.employeur_id
        WHERE ce.campagne_id = :c AND ce.en_retard AND ce.relance_apres_limite_le IS NULL AND {filtre}
        ORDER BY ce.employeur_id""",
        {"c": campagne_id, "h": horodatage, "e": employeur_id},
    )


async def marquer_relances_apres_limite(
    session: AsyncSession, campagne_id: int, employeurs: Sequence[int], horodatage: datetime
) -> None:
    if employeurs:
        await _executer(
            session,
            text(
                "UPDATE campagne_employeur SET relance_apres_limite_le = :h WHERE campagne_id = :c "
                "AND employeur_id IN :employeurs AND relance_apres_limite_le IS NULL"
            ).bindparams(_liste("employeurs", employeurs), bindparam("h", type_=_H)),
            {"c": campagne_id, "h": horodatage},
        )


async def compter_relances_apres_limite(session: AsyncSession, campagne_id: int) -> int:
    return await _nombre(
        session,
        "SELECT COUNT(*) FROM campagne_employeur WHERE campagne_id = :c AND relance_apres_limite_le IS NOT NULL",
        {"c": campagne_id},
    )
