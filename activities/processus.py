"""The side effects every process shares: its transitions (projection + history), its human tasks, its mails.

Each method is one activity; the class holds its dependencies. Every write is idempotent (a retried or
replayed step stores nothing twice, mails no one twice), and a task is created, reminded or closed in the
same transaction as the state that records it, so the inbox and the process's page agree at every moment.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, TypeVar

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.mails import Courrier, ExpediteurMails, MailReserve, adresse_de, contexte_tache
from domain.eir import employeur_de_l_eir
from domain.erreurs import Refus
from domain.etats import Acteur, EtatTache, TypeDocument
from domain.processus import (
    CORRECTIONS_REFUSEES,
    FinProcessus,
    Notification,
    Parties,
    ReferenceProcessus,
    Transition,
    fin_par_situation,
)
from domain.rectification import MENTION_RECLAMATION_EIG
from domain.regles import parametre
from domain.taches import ClotureTache, MarquageTache, OuvertureTache
from persistence import depots
from persistence.db import SessionFactory, transaction
from persistence.models import (
    Affilie,
    DemandeEirTable,
    Document,
    Employeur,
    RectificationTable,
    Tache,
)

Ligne = TypeVar("Ligne", bound=SQLModel)


SANS_EMPLOYEUR = "votre dernier employeur CNRACL"  # how an EIR's mails name the employer when none is known


class ActivitesProcessus:
    def __init__(
        self, sessions: SessionFactory, mails: ExpediteurMails, url_publique: str, mail_superviseurs: str
    ) -> None:
        self._sessions = sessions
        self._mails = mails
        self._url = url_publique.rstrip("/")
        self._mail_superviseurs = mail_superviseurs

    @activity.defn(name="processus_parties")
    async def parties(self, reference: ReferenceProcessus) -> Parties:
        """The agent of a process and the employer that answers its tasks."""
        async with self._sessions() as session:
            ligne = await _projection(session, reference)
            if isinstance(ligne, DemandeEirTable):
                # A request stored without its employer (before it was resolved at registration): the same rule.
                if ligne.employeur_id is not None:
                    return Parties(ligne.affilie_id, ligne.employeur_id)
                lignes = await depots.lignes_cir(session, ligne.affilie_id)
                return Parties(ligne.affilie_id, employeur_de_l_eir(None, lignes))
            if isinstance(ligne, RectificationTable):
                return Parties(ligne.affilie_id, ligne.employeur_actuel_id)
            affilie = await lire(session, Affilie, ligne.affilie_id)
            return Parties(ligne.affilie_id, affilie.employeur_id)

    @activity.defn(name="processus_situation")
    async def situation(self, reference: ReferenceProcessus) -> FinProcessus | None:
        """The end the agent's recorded situation (retirement, death) gives the process, if any."""
        async with self._sessions() as session:
            ligne = await _projection(session, reference)
            affilie = await lire(session, Affilie, ligne.affilie_id)
            return fin_par_situation(affilie.date_liquidation, affilie.date_de_deces)

    @activity.defn(name="processus_transition")
    async def transition(self, transition: Transition) -> None:
        async with transaction(self._sessions) as session:
            await appliquer(session, transition)

    @activity.defn(name="tache_ouvrir")
    async def ouvrir_tache(self, ouverture: OuvertureTache) -> int:
        """Create the task (once: its key) with the sequence of the state that opens it, then write that state
        with the task's number."""
        nouvelle, transition = ouverture.tache, ouverture.transition
        # the row's columns bear the new task's names, but for its creation time
        colonnes = asdict(nouvelle) | {"type": nouvelle.type.value, "destinataire": nouvelle.destinataire.value}
        colonnes["creee_le"] = colonnes.pop("horodatage")
        async with transaction(self._sessions) as session:
            tache, creee = await depots.creer_tache(
                session, Tache(**colonnes, etat=EtatTache.ouverte.value, sequence=transition.sequence)
            )
            if tache.id is None:
                raise ApplicationError("tâche créée sans numéro", type="TacheSansNumero")
            if creee:
                await depots.ajouter_evenement(
                    session,
                    nouvelle.workflow_id,
                    "tache_creee",
                    Acteur.cnracl.value,
                    nouvelle.horodatage,
                    details={"tache_id": tache.id, "type": tache.type, "echeance": nouvelle.echeance.isoformat()},
                )
            transition.projection.tache_id = tache.id
            await appliquer(session, transition)
            return tache.id

    @activity.defn(name="tache_marquer")
    async def marquer_tache(self, marquage: MarquageTache) -> None:
        """Note a reminder or an escalation on the task, and the state that records it."""
        async with transaction(self._sessions) as session:
            tache = await depots.marquer_tache(
                session, marquage.tache_id, marquage.horodatage, None, marquage.relancee, marquage.escaladee
            )
            if tache is None:
                raise _tache_inconnue(marquage.tache_id)
            await appliquer(session, marquage.transition)

    @activity.defn(name="tache_clore")
    async def clore_tache(self, cloture: ClotureTache) -> None:
        """Store the answer (CIR corrections, task done) or close the task as ``etat`` (and the ``autres`` tasks of
        the process as ``etat``); then the next state. Corrections the CIR's invariants refuse now (the CIR changed
        since the service checked them): nothing written, a non-retryable ``CORRECTIONS_REFUSEES`` naming each line
        and rule (retrying cannot help; the process gives the refusal back to the person who answered)."""
        try:
            await self._clore_tache(cloture)
        except Refus as refus:
            raise ApplicationError(refus.message, type=CORRECTIONS_REFUSEES, non_retryable=True) from None

    async def _clore_tache(self, cloture: ClotureTache) -> None:
        async with transaction(self._sessions) as session:
            if cloture.reponse is None:
                tache = await depots.marquer_tache(session, cloture.tache_id, cloture.horodatage, cloture.etat.value)
                if tache is None:
                    raise _tache_inconnue(cloture.tache_id)
            else:
                tache = await session.get(Tache, cloture.tache_id)
                if tache is None:
                    raise _tache_inconnue(cloture.tache_id)
                await depots.terminer_tache(session, tache, cloture.reponse, cloture.horodatage, cloture.ecrire_cir)
            for autre in cloture.autres:
                await depots.marquer_tache(session, autre, cloture.horodatage, cloture.etat.value)
            await appliquer(session, cloture.transition)

    @activity.defn(name="processus_notifier")
    async def notifier(self, notification: Notification) -> None:
        """Mail one event to one recipient, once (the outbox key is the notification's ``cle``): its context
        read and the mail stored in the outbox in one transaction, sent after."""
        async with transaction(self._sessions) as session:
            reserve = await self.reserver(session, notification)
        await self._mails.expedier(reserve)

    async def reserver(self, session: AsyncSession, notification: Notification) -> MailReserve | None:
        """The mail of ``notification`` rendered and stored in the outbox, in the caller's transaction."""
        ligne = await _projection(session, notification.reference)
        affilie = await lire(session, Affilie, ligne.affilie_id)
        employeur = await session.get(Employeur, notification.employeur_id) if notification.employeur_id else None
        contexte: dict[str, Any] = {
            "url": self._url,
            "affilie": {"prenom": affilie.prenom, "nom": affilie.nom},
            "employeur": {
                "raison_sociale": employeur.raison_sociale if employeur else "",
                "siret": employeur.siret if employeur else "",
            },
        }
        contexte |= _contexte_du_processus(ligne)
        contexte |= await contexte_tache(session, notification.tache_id)
        if notification.document_id is not None:
            contexte["document"] = (await lire(session, Document, notification.document_id)).contenu
        adresse = adresse_de(notification.destinataire, affilie, employeur, self._mail_superviseurs)
        return await self._mails.reserver(
            session,
            Courrier(
                notification.cle, notification.evenement, adresse, contexte, ligne.workflow_id, notification.horodatage
            ),
        )


def _contexte_du_processus(ligne: depots.Projection) -> dict[str, Any]:
    """What a process's mails say about it: the EIR request, the rectification, the validation dossier."""
    if isinstance(ligne, DemandeEirTable):
        return {
            "demande": {
                "id": ligne.id,
                "reference": f"EIR-{ligne.id}",
                "date_demande": ligne.date_demande.isoformat(),
                "workflow_id": ligne.workflow_id,
            },
            **({} if ligne.employeur_id else {"employeur": {"raison_sociale": SANS_EMPLOYEUR, "siret": ""}}),
        }
    if isinstance(ligne, RectificationTable):
        contexte: dict[str, Any] = {
            "rectification": {
                "id": ligne.id,
                "reference": f"RECT-{ligne.id}",
                "workflow_id": ligne.workflow_id,
                "document": "EIG" if ligne.type_document == TypeDocument.eig.value else "RIS",
                "annee_document": ligne.annee_document,
                "periode_debut": ligne.periode_debut.isoformat(),
                "periode_fin": ligne.periode_fin.isoformat(),
                "motif": ligne.motif,
                "reclamation_eig": ligne.reclamation_eig,
                "mention_eig": MENTION_RECLAMATION_EIG,
            }
        }
        if ligne.regime and ligne.creee_le is not None:
            contexte["regime"] = parametre("regimes", "regimes", ligne.creee_le.date()).valeur[ligne.regime]
        return contexte
    return {
        "dossier": {
            "id": ligne.id,
            "reference": f"VAL-{ligne.id}",
            "workflow_id": ligne.workflow_id,
            "date_limite": ligne.date_limite.isoformat(),
            "regle": ligne.regle,
            "decision": ligne.decision or "",
            "periodes_certifiees": len(ligne.periodes_certifiees or []),
            # the retroactive contributions owed (décret 2003-1306 art. 50-II), once the periods are certified
            "cotisations": ligne.cotisations_dues,
        }
    }


async def appliquer(session: AsyncSession, transition: Transition) -> None:
    """Write ``transition`` (projection and history) in the caller's transaction; its process unknown: a
    non-retryable failure."""
    try:
        await depots.appliquer_transition(session, transition)
    except LookupError as absente:
        raise ApplicationError(str(absente), type="ProcessusInconnu", non_retryable=True) from absente


async def _projection(session: AsyncSession, reference: ReferenceProcessus) -> depots.Projection:
    try:
        return await depots.projection(session, reference)
    except LookupError as absente:
        raise ApplicationError(str(absente), type="ProcessusInconnu", non_retryable=True) from absente


async def lire(session: AsyncSession, modele: type[Ligne], identifiant: int) -> Ligne:
    """The row, or a non-retryable failure naming it (an activity's input names a row that is not there)."""
    ligne = await session.get(modele, identifiant)
    if ligne is None:
        raise ApplicationError(f"{modele.__name__} {identifiant} introuvable", type="LigneAbsente", non_retryable=True)
    return ligne


def _tache_inconnue(tache_id: int) -> ApplicationError:
    return ApplicationError(f"tâche {tache_id} inconnue", type="TacheInconnue", non_retryable=True)
