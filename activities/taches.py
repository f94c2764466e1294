"""Human-task side effects shared by the processes (the EIR keeps its own, tied to its request)."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.eir import MarquageTache
from domain.etats import Acteur, EtatTache
from domain.taches import CompletionTacheProcessus, NouvelleTacheProcessus
from persistence import depots
from persistence.db import SessionFactory, transaction
from persistence.models import Tache


class ActivitesTaches:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="tache_creer")
    async def creer(self, nouvelle: NouvelleTacheProcessus) -> int:
        async with transaction(self._sessions) as session:
            tache, creee = await depots.creer_tache(
                session,
                Tache(
                    cle=nouvelle.cle,
                    type=nouvelle.type.value,
                    workflow_id=nouvelle.workflow_id,
                    employeur_id=nouvelle.employeur_id,
                    affilie_id=nouvelle.affilie_id,
                    destinataire=nouvelle.destinataire,
                    etat=EtatTache.ouverte.value,
                    echeance=nouvelle.echeance,
                    creee_le=nouvelle.horodatage,
                    details=nouvelle.details,
                ),
            )
            if creee:
                await depots.ajouter_evenement(
                    session,
                    nouvelle.workflow_id,
                    "tache_creee",
                    Acteur.cnracl.value,
                    nouvelle.horodatage,
                    details={"tache_id": tache.id, "type": tache.type, "echeance": nouvelle.echeance.isoformat()},
                )
            assert tache.id is not None
            return tache.id

    @activity.defn(name="tache_marquer")
    async def marquer(self, marquage: MarquageTache) -> None:
        async with transaction(self._sessions) as session:
            tache = await depots.marquer_tache(
                session,
                marquage.tache_id,
                marquage.horodatage,
                marquage.etat.value if marquage.etat else None,
                marquage.relancee,
                marquage.escaladee,
            )
            if tache is None:
                raise ApplicationError(f"tâche {marquage.tache_id} inconnue", type="TacheInconnue", non_retryable=True)

    @activity.defn(name="tache_terminer")
    async def terminer(self, completion: CompletionTacheProcessus) -> None:
        async with transaction(self._sessions) as session:
            tache = await session.get(Tache, completion.reponse.tache_id)
            if tache is None:
                raise ApplicationError(
                    f"tâche {completion.reponse.tache_id} inconnue", type="TacheInconnue", non_retryable=True
                )
            await depots.terminer_tache(
                session,
                tache,
                completion.affilie_id,
                completion.employeur_id,
                completion.reponse,
                completion.horodatage,
                completion.workflow_id,
            )
