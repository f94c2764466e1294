"""Who is in a campaign, as its manager decides (``campagne_perimetre``): exclusions and their lifting, additions,
their effect on the campaign's tasks and targets, and their lists. Whether an agent is excluded is one SQL condition,
``depots_campagne.couverte_par``, that each step of the campaign asks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, bindparam, text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.campagne import TYPE_TACHE_CAMPAGNE, DecisionPerimetre, EtatCible, TypePerimetre
from domain.etats import EtatTache
from persistence import depots
from persistence.depots_campagne import (
    EMPLOYEUR_ACTUEL,
    EXCLUSIONS_EN_VIGUEUR,
    _dictionnaires,
    _executer,
    _liste,
    _nombre,
    couverte_par,
)
from persistence.models_campagne import CampagneTable, PerimetreCampagne
from persistence.types import UtcDateTime

_H = UtcDateTime()
_CETTE_EXCLUSION = "p.id = :exclusion"
# The employer of a task's agent, for the tasks (``tache``) an exclusion covers.
_EMPLOYEUR_DE_L_AGENT = "(SELECT a.employeur_id FROM affilie a WHERE a.id = tache.affilie_id)"


def cle(campagne_id: int, decision: DecisionPerimetre, type_: TypePerimetre, numero: int) -> str:
    """The key of a decision in force: one exclusion (or addition) of an agent or an employer per campaign."""
    return f"campagne-{campagne_id}:{decision.value}:{type_.value}-{numero}"


async def decider(session: AsyncSession, decision: PerimetreCampagne) -> tuple[PerimetreCampagne, bool]:
    """Store the decision, or find the one in force under its key (``True``: stored now). Two identical requests at
    once make one row: the second waits for the first and finds it."""
    return await depots.obtenir_ou_creer(session, PerimetreCampagne, decision.cle, decision)


async def retirer_taches(
    session: AsyncSession, campagne: CampagneTable, exclusion_id: int, motif: str, horodatage: datetime
) -> int:
    """The open campaign tasks this exclusion covers (the agent's, the employer's, those of the employer's agents)
    are withdrawn, not deleted: cancelled, with the exclusion and its reason in their answer. How many."""
    resultat = await _executer(
        session,
        text(f"""
        UPDATE tache SET etat = :annulee, terminee_le = :h, reponse = :reponse
        WHERE workflow_id = :wf AND type = :type AND etat = :ouverte
          AND {couverte_par(_CETTE_EXCLUSION, ":c", "tache.affilie_id", ["tache.employeur_id", _EMPLOYEUR_DE_L_AGENT])}
        """).bindparams(bindparam("h", type_=_H), bindparam("reponse", type_=JSON)),
        {
            "annulee": EtatTache.annulee.value,
            "h": horodatage,
            "reponse": {"exclusion_id": exclusion_id, "motif": motif},
            "wf": campagne.workflow_id,
            "type": TYPE_TACHE_CAMPAGNE,
            "ouverte": EtatTache.ouverte.value,
            "c": campagne.id,
            "exclusion": exclusion_id,
        },
    )
    return int(resultat.rowcount or 0)


async def lever(
    session: AsyncSession, campagne_id: int, exclusion_id: int, compte_id: int | None, motif: str, horodatage: datetime
) -> bool:
    """Lift the exclusion in force; ``False`` when it is not (already lifted, or none of this number). Its key is
    freed for a later exclusion of the same agent or employer."""
    resultat = await _executer(
        session,
        text("""
        UPDATE campagne_perimetre SET levee_le = :h, levee_par = :compte, motif_levee = :motif,
               cle = cle || :suffixe || CAST(id AS VARCHAR(12))
        WHERE id = :exclusion AND campagne_id = :c AND decision = :decision AND levee_le IS NULL""").bindparams(
            bindparam("h", type_=_H)
        ),
        {
            "h": horodatage,
            "compte": compte_id,
            "motif": motif,
            "exclusion": exclusion_id,
            "c": campagne_id,
            "decision": DecisionPerimetre.exclusion.value,
            "suffixe": ":levee-",
        },
    )
    return bool(resultat.rowcount)


async def reintegrer(session: AsyncSession, campagne_id: int, exclusion_id: int) -> int:
    """After the exclusion is lifted, its agents that no other exclusion in force covers and who got no document
    because of it are selected again: the next tranche produces theirs. How many."""
    resultat = await _executer(
        session,
        text(f"""
        UPDATE campagne_cible SET etat = :selectionne WHERE id IN (
            SELECT c.id FROM campagne_cible c JOIN affilie a ON a.id = c.affilie_id
            WHERE c.campagne_id = :c AND c.etat = :exclu
              AND {couverte_par(_CETTE_EXCLUSION, "c.campagne_id", "c.affilie_id", [EMPLOYEUR_ACTUEL])}
              AND NOT {couverte_par(EXCLUSIONS_EN_VIGUEUR, "c.campagne_id", "c.affilie_id", [EMPLOYEUR_ACTUEL])})"""),
        {
            "selectionne": EtatCible.selectionne.value,
            "exclu": EtatCible.exclu_decision.value,
            "c": campagne_id,
            "exclusion": exclusion_id,
        },
    )
    return int(resultat.rowcount or 0)


async def rouvrir_taches(session: AsyncSession, campagne: CampagneTable, exclusion_id: int) -> int:
    """The tasks this exclusion withdrew are open again, unless another exclusion in force covers them. How many."""
    retirees = await _dictionnaires(
        session,
        "SELECT id, reponse FROM tache WHERE workflow_id = :wf AND type = :type AND etat = :annulee",
        {"wf": campagne.workflow_id, "type": TYPE_TACHE_CAMPAGNE, "annulee": EtatTache.annulee.value},
    )
    ids = [t["id"] for t in retirees if _exclusion_de(t["reponse"]) == exclusion_id]
    if not ids:
        return 0
    exclue = couverte_par(
        EXCLUSIONS_EN_VIGUEUR, ":c", "tache.affilie_id", ["tache.employeur_id", _EMPLOYEUR_DE_L_AGENT]
    )
    resultat = await _executer(
        session,
        text(
            f"UPDATE tache SET etat = :ouverte, terminee_le = NULL, reponse = NULL WHERE id IN :ids AND NOT {exclue}"
        ).bindparams(_liste("ids", ids)),
        {"ouverte": EtatTache.ouverte.value, "c": campagne.id},
    )
    return int(resultat.rowcount or 0)


def _exclusion_de(reponse: Any) -> int | None:
    """The exclusion that withdrew a task, from its answer (read as JSON text)."""
    if isinstance(reponse, str):
        reponse = json.loads(reponse)
    return reponse.get("exclusion_id") if isinstance(reponse, dict) else None


async def exclu_en_vigueur(
    session: AsyncSession, campagne_id: int, affilie_id: int | None, employeur_id: int | None
) -> bool:
    """Whether an exclusion in force covers this agent or this employer."""
    return bool(
        await _nombre(
            session,
            f"SELECT CASE WHEN {couverte_par(EXCLUSIONS_EN_VIGUEUR, ':c', ':a', [':e'])} THEN 1 ELSE 0 END",
            {"c": campagne_id, "a": affilie_id, "e": employeur_id},
        )
    )


async def cohortes_de_l_agent(session: AsyncSession, campagne_id: int, affilie_id: int) -> list[str]:
    lignes = await _dictionnaires(
        session,
        "SELECT cohorte FROM campagne_cible WHERE campagne_id = :c AND affilie_id = :a ORDER BY cohorte",
        {"c": campagne_id, "a": affilie_id},
    )
    return [ligne["cohorte"] for ligne in lignes]


async def lot_de_l_employeur(session: AsyncSession, campagne_id: int, employeur_id: int) -> int | None:
    """The employer's batch in the campaign, or ``None`` if it is not in it."""
    lignes = await _dictionnaires(
        session,
        "SELECT lot FROM campagne_employeur WHERE campagne_id = :c AND employeur_id = :e",
        {"c": campagne_id, "e": employeur_id},
    )
    return int(lignes[0]["lot"]) if lignes else None


async def premier_lot(session: AsyncSession, campagne_id: int) -> int | None:
    """A batch the campaign works on (its first), for an employer the selection did not retain."""
    lignes = await _dictionnaires(
        session, "SELECT MIN(lot) AS lot FROM campagne_employeur WHERE campagne_id = :c", {"c": campagne_id}
    )
    return None if not lignes or lignes[0]["lot"] is None else int(lignes[0]["lot"])


async def employeurs_a_solliciter(session: AsyncSession, campagne_id: int, ajout_id: int) -> list[int]:
    """The employers asked to update the CIR of an addition's agents."""
    lignes = await _dictionnaires(
        session,
        """
        SELECT DISTINCT x.employeur_id FROM campagne_agent_employeur x
        JOIN campagne_cible c ON c.campagne_id = x.campagne_id AND c.affilie_id = x.affilie_id
        WHERE x.campagne_id = :c AND c.ajout_id = :ajout AND x.a_mettre_a_jour ORDER BY x.employeur_id""",
        {"c": campagne_id, "ajout": ajout_id},
    )
    return [ligne["employeur_id"] for ligne in lignes]


async def taches_de_l_ajout(session: AsyncSession, campagne: CampagneTable, ajout_id: int) -> int:
    return await _nombre(
        session,
        """
        SELECT COUNT(*) FROM tache t WHERE t.workflow_id = :wf AND t.type = :type AND t.etat = :ouverte
          AND t.affilie_id IN (SELECT c.affilie_id FROM campagne_cible c WHERE c.campagne_id = :c AND c.ajout_id = :ajout)""",
        {
            "wf": campagne.workflow_id,
            "type": TYPE_TACHE_CAMPAGNE,
            "ouverte": EtatTache.ouverte.value,
            "c": campagne.id,
            "ajout": ajout_id,
        },
    )


async def decisions(session: AsyncSession, campagne_id: int, ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """The campaign's decisions (or these ones), oldest first: who (the agent or the employer), why, when and by whom,
    lifted or not; for an addition, how many agents it brought in."""
    filtre = "" if ids is None else "AND p.id IN :ids"
    requete = text(f"""
        SELECT p.id, p.decision, p.type, p.motif, p.decidee_le, p.levee_le, p.motif_levee,
               a.nir, a.nom, a.prenom, e.siret, e.raison_sociale,
               cd.identifiant AS decidee_par, cl.identifiant AS levee_par,
               (SELECT COUNT(*) FROM campagne_cible c WHERE c.campagne_id = p.campagne_id AND c.ajout_id = p.id)
                   AS agents_ajoutes
        FROM campagne_perimetre p
        LEFT JOIN affilie a ON a.id = p.affilie_id
        LEFT JOIN employeur e ON e.id = p.employeur_id
        LEFT JOIN compte cd ON cd.id = p.compte_id
        LEFT JOIN compte cl ON cl.id = p.levee_par
        WHERE p.campagne_id = :c {filtre}
        ORDER BY p.id""")
    if ids is not None:
        requete = requete.bindparams(_liste("ids", ids))
    return [dict(ligne._mapping) for ligne in (await _executer(session, requete, {"c": campagne_id})).all()]


async def agents_ajoutes(session: AsyncSession, campagne_id: int, ajout_id: int) -> list[dict[str, Any]]:
    """The agents an addition brought in, each with its document's cohort and age."""
    return await _dictionnaires(
        session,
        """
        SELECT a.nir, a.nom, a.prenom, c.cohorte, c.age FROM campagne_cible c JOIN affilie a ON a.id = c.affilie_id
        WHERE c.campagne_id = :c AND c.ajout_id = :ajout ORDER BY a.nom, a.prenom, c.cohorte""",
        {"c": campagne_id, "ajout": ajout_id},
    )
