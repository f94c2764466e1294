"""The process layer every workflow shares (EIR, rectification, validation): its states written and numbered,
its mails, its human tasks, and the checks of a person's answer.

A workflow holds one ``Deroulement`` and reads like its seed: each step of its ``run()`` is a line calling
``etat`` (a new state), ``notifier`` (a mail), ``tache`` (a human task, answered), ``attendre`` (a delay or an
answer). Everything here is orchestration; the writes are the activities of ``activities.processus``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Generic, TypedDict, TypeVar, Unpack

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.processus import ActivitesProcessus
    from domain.etats import Acteur, EtatTache, TypeTache
    from domain.processus import (
        Notification,
        Parties,
        ReferenceProcessus,
        Transition,
        TypeProcessus,
        Vue,
        cle_notification,
    )
    from domain.taches import ClotureTache, DelaisTache, MarquageTache, NouvelleTache, OuvertureTache, ReponseTache

COURTE = timedelta(seconds=30)  # a write of the process's own rows
ENVOI = timedelta(minutes=1)  # a mail (rendering, outbox, SMTP)
REESSAIS = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
# How long an answer sent ahead of the process waits for the state it read (workflow time): past it, the
# sequence it carries is not one this process will write.
ATTENTE_RATTRAPAGE = timedelta(minutes=1)
TACHE_SANS_REPONSE_ATTENDUE = "Cette tâche n'attend plus de réponse : elle est déjà traitée ou annulée."

VueT = TypeVar("VueT", bound=Vue)
Argument = TypeVar("Argument")
Resultat = TypeVar("Resultat")


class Interruption(Exception):
    """Raised by a wait once the process's interruption (the agent's withdrawal) has come."""


def refus(message: str) -> ApplicationError:
    """The refusal of a person's answer, in French, the same from a validator and from a handler."""
    return ApplicationError(message, type="Refus", non_retryable=True)


class Auteur(TypedDict, total=False):
    """Who caused a new state (by default the CNRACL), with which account, and what the history notes."""

    acteur: Acteur
    compte_id: int | None
    details: dict[str, Any] | None


class PrecisionsMail(TypedDict, total=False):
    """What a mail names besides its process: an employer, a task, a document; ``tour``: its round."""

    employeur_id: int | None
    tache_id: int | None
    document_id: int | None
    tour: int | None


@dataclass(frozen=True)
class MailsTache:
    """The mail events of a task's life: announced to its recipient, reminded, escalated to supervisors."""

    demande: str
    relance: str
    escalade: str


@dataclass
class DemandeTache(Generic[VueT]):
    """A human task to open. ``vue``: the process's state while the task is open (the step sets who must act,
    by when and which task); ``details``: shown in the inbox."""

    type: TypeTache
    vue: VueT
    destinataire: Acteur
    employeur_id: int | None
    delais: DelaisTache
    details: dict[str, Any] = field(default_factory=dict)
    acteur: Acteur = Acteur.cnracl  # who caused it (the agent for a consolidation)
    compte_id: int | None = None


class Deroulement(Generic[VueT]):
    """The state of one process as the workflow knows it, and the shared steps that change it."""

    def __init__(
        self,
        reference: ReferenceProcessus,
        vue: VueT,
        parties: Parties | None = None,
        interrompu: Callable[[], bool] = lambda: False,
    ) -> None:
        self.reference = reference
        self.vue = vue
        self._parties = parties
        self.sequence = 0  # the number of the last state written (projection and task rows keep it)
        self.tour = 0  # the round of a repeated step (a consolidation): part of the mails' keys
        self.tache_ouverte: int | None = None
        self.reponse: ReponseTache | None = None
        self._reponse_attendue: int | None = None  # the task whose answer ``completer_tache`` takes
        self._interrompu = interrompu

    @property
    def workflow_id(self) -> str:
        return workflow.info().workflow_id

    async def parties(self) -> Parties:
        """The agent and the employer of the process, read once (unless given at the start)."""
        if self._parties is None:
            self._parties = await self.ecrire(ActivitesProcessus.parties, self.reference)
        return self._parties

    # ------------------------------------------------------------------ states

    def transition(self, vue: VueT, evenement: str, **auteur: Unpack[Auteur]) -> Transition:
        """The next state, numbered, not written yet."""
        return Transition(
            reference=self.reference,
            workflow_id=self.workflow_id,
            sequence=self.sequence + 1,
            projection=vue.projection(),
            evenement=evenement,
            horodatage=workflow.now(),
            acteur=auteur.get("acteur", Acteur.cnracl),
            compte_id=auteur.get("compte_id") or None,
            details=auteur.get("details") or {},
        )

    def ecrit(self, transition: Transition, vue: VueT) -> None:
        """``transition`` is written (by whichever activity): queries and updates answer with ``vue`` now."""
        self.vue = vue
        self.sequence = transition.sequence

    async def etat(self, vue: VueT, evenement: str, **auteur: Unpack[Auteur]) -> None:
        """Write a new state: the projection row and the history event."""
        transition = self.transition(vue, evenement, **auteur)
        await self.ecrire(ActivitesProcessus.transition, transition)
        self.ecrit(transition, vue)

    async def ecrire(self, activite: Callable[[Any, Argument], Awaitable[Resultat]], argument: Argument) -> Resultat:
        """A short write of the process's own rows, as a local activity: run by this worker inside the workflow
        task, it does not wait behind the activity queue (mails, documents, a campaign), so an answer a person
        just gave is written, and acknowledged, at once."""
        return await workflow.execute_local_activity_method(
            activite, argument, start_to_close_timeout=COURTE, retry_policy=REESSAIS
        )

    async def executer(
        self,
        activite: Callable[[Any, Argument], Awaitable[Resultat]],
        argument: Argument,
        delai: timedelta = COURTE,
    ) -> Resultat:
        """A side effect that may take time (a document, a calculation): a regular activity."""
        return await workflow.execute_activity_method(
            activite, argument, start_to_close_timeout=delai, retry_policy=REESSAIS
        )

    # ------------------------------------------------------------------ mails

    async def notification(
        self, evenement: str, destinataire: Acteur, **precisions: Unpack[PrecisionsMail]
    ) -> Notification:
        """``employeur_id``: the employer the mail names (by default the process's own)."""
        employeur_id = precisions.get("employeur_id")
        if employeur_id is None:
            employeur_id = (await self.parties()).employeur_id
        tour = precisions.get("tour")
        return Notification(
            cle_notification(self.workflow_id, evenement, destinataire, self.tour if tour is None else tour),
            self.reference,
            evenement,
            destinataire,
            workflow.now(),
            employeur_id,
            precisions.get("tache_id"),
            precisions.get("document_id"),
        )

    async def notifier(self, evenement: str, destinataire: Acteur, **precisions: Unpack[PrecisionsMail]) -> None:
        """Mail one event to one recipient, once."""
        notification = await self.notification(evenement, destinataire, **precisions)
        await self.executer(ActivitesProcessus.notifier, notification, ENVOI)

    # ------------------------------------------------------------------ waits

    async def attendre(self, condition: Callable[[], bool], delai: timedelta | None = None) -> bool:
        """Wait for ``condition`` (``False`` when ``delai`` passes first); the interruption stops any wait."""
        try:
            await workflow.wait_condition(lambda: self._interrompu() or condition(), timeout=delai)
        except TimeoutError:
            return False
        if self._interrompu():
            raise Interruption()
        return True

    async def delai(self, duree: timedelta) -> None:
        """A timer; the interruption stops it."""
        await self.attendre(lambda: False, duree)

    # ------------------------------------------------------------------ human tasks

    async def ouvrir_tache(self, demande: DemandeTache[VueT]) -> int:
        """Create the task (with its due date) and write the state that opens it, in one local activity."""
        horodatage = workflow.now()
        echeance = horodatage + demande.delais.relance
        vue = replace(demande.vue, en_attente_de=demande.destinataire, echeance=echeance, tache_id=None)
        transition = self.transition(
            vue,
            f"{demande.type.value}_demandee",
            acteur=demande.acteur,
            compte_id=demande.compte_id,
            details=demande.details,
        )
        nouvelle = NouvelleTache(
            cle=f"{self.workflow_id}:{demande.type.value}:{self.tour}",
            type=demande.type,
            workflow_id=self.workflow_id,
            affilie_id=(await self.parties()).affilie_id,
            employeur_id=demande.employeur_id,
            destinataire=demande.destinataire,
            echeance=echeance,
            horodatage=horodatage,
            details=demande.details,
            demande_id=self.reference.projection_id if self.reference.processus is TypeProcessus.eir else None,
        )
        tache_id = await self.ecrire(ActivitesProcessus.ouvrir_tache, OuvertureTache(nouvelle, transition))
        self.tache_ouverte = tache_id
        self.ecrit(transition, replace(vue, tache_id=tache_id))
        return tache_id

    async def tache(self, demande: DemandeTache[VueT], mails: MailsTache) -> ReponseTache:
        """The human-task step: the task opened and announced to its recipient; reminded when overdue,
        escalated to supervisors later; its answer stored with the state that follows (who must act: the
        CNRACL). Returns the answer."""
        tache_id = await self.ouvrir_tache(demande)
        self._reponse_attendue = tache_id

        async def annoncer(evenement: str, destinataire: Acteur) -> None:
            await self.notifier(evenement, destinataire, employeur_id=demande.employeur_id, tache_id=tache_id)

        await annoncer(mails.demande, demande.destinataire)
        delais = demande.delais
        if not await self.attendre(self._repondue, delais.relance):
            await self._marquer(tache_id, "relance_employeur", relancee=True)
            await annoncer(mails.relance, demande.destinataire)
            if not await self.attendre(self._repondue, delais.escalade - delais.relance):
                await self._marquer(tache_id, "escalade_superviseur", escaladee=True)
                await annoncer(mails.escalade, Acteur.superviseur)
                await self.attendre(self._repondue)
        reponse = self.reponse
        if reponse is None:  # ``attendre`` returns only once answered (or raises)
            raise RuntimeError("tâche sans réponse")
        self.reponse = None
        self._reponse_attendue = None
        await self.clore_tache(
            tache_id,
            replace(self.vue, en_attente_de=Acteur.cnracl, echeance=None, tache_id=None),
            f"{demande.type.value}_terminee",
            reponse=reponse,
            acteur=demande.destinataire,
            compte_id=reponse.compte_id,
            details={"indice_fin_de_carriere": reponse.indice_fin_de_carriere, "corrections": len(reponse.corrections)},
        )
        return reponse

    async def clore_tache(
        self,
        tache_id: int,
        vue: VueT,
        evenement: str,
        reponse: ReponseTache | None = None,
        etat: EtatTache = EtatTache.terminee,
        **auteur: Unpack[Auteur],
    ) -> None:
        """Close the task (with ``reponse``: the answer stored; else as ``etat``) and write ``vue``, in one
        local activity."""
        transition = self.transition(vue, evenement, **auteur)
        await self.ecrire(
            ActivitesProcessus.clore_tache, ClotureTache(tache_id, workflow.now(), transition, reponse, etat)
        )
        self.tache_ouverte = None
        self._reponse_attendue = None
        self.ecrit(transition, vue)

    async def _marquer(self, tache_id: int, evenement: str, relancee: bool = False, escaladee: bool = False) -> None:
        transition = self.transition(self.vue, evenement)
        await self.ecrire(
            ActivitesProcessus.marquer_tache,
            MarquageTache(tache_id, workflow.now(), transition, relancee=relancee, escaladee=escaladee),
        )
        self.ecrit(transition, self.vue)

    def _repondue(self) -> bool:
        return self.reponse is not None

    # ------------------------------------------------------------------ a person's answers (updates)

    def verifier_reponse(self, reponse: ReponseTache) -> None:
        if self._reponse_attendue is None or reponse.tache_id != self._reponse_attendue or self.reponse is not None:
            raise refus(TACHE_SANS_REPONSE_ATTENDUE)

    def valider_reponse(self, reponse: ReponseTache) -> None:
        """The ``completer_tache`` validator of every process."""
        self.valider(reponse.sequence, lambda: self.verifier_reponse(reponse))

    async def recevoir_reponse(self, reponse: ReponseTache) -> VueT:
        """The ``completer_tache`` update of every process."""
        await self.rattraper(reponse.sequence, lambda: self.verifier_reponse(reponse))
        self.reponse = reponse
        return await self.apres_ecriture()

    def valider(self, sequence: int | None, verifier: Callable[[], None]) -> None:
        """An update's validator. An answer to a state the process has not written yet (``sequence`` ahead of
        its own: the caller read the projection a moment before the workflow learnt that it was written) is let
        through, its handler checks it once there (``rattraper``); any other is checked now."""
        if sequence is None or sequence <= self.sequence:
            verifier()

    async def rattraper(self, sequence: int | None, verifier: Callable[[], None]) -> None:
        """An update handler's first step: when the caller read a state ahead of the process, wait until the
        process has written it, then check the answer as the validator does (a refusal in the same words)."""
        if sequence is None or sequence <= self.sequence:
            return
        try:
            await workflow.wait_condition(lambda: self.sequence >= sequence, timeout=ATTENTE_RATTRAPAGE)
        except TimeoutError:
            raise refus(
                "L'état de la demande que vous avez lu n'existe pas (ou plus) : rechargez la page et répondez à "
                "nouveau."
            ) from None
        verifier()

    async def apres_ecriture(self) -> VueT:
        """Return once the process has written its next state: the caller reads its own write."""
        sequence = self.sequence
        await workflow.wait_condition(lambda: self.sequence > sequence)
        return self.vue
