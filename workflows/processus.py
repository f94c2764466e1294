"""The process layer every workflow shares (EIR, rectification, validation): its states written and numbered,
its mails, its human tasks, the checks of a person's answer, and how a process ends early.

A workflow holds one ``Deroulement`` and reads like its seed: each step of its ``run()`` is a line calling
``etat`` (a new state), ``notifier`` (a mail), ``tache`` (a human task, answered), ``attendre`` (a delay or an
answer). Its class derives from ``ProcessusWorkflow`` (``DemandeWorkflow`` when the agent may withdraw it), which
holds the updates every process takes alike (``completer_tache``, ``reprendre``, ``annuler``, ``retirer``), its
query and its ends (``derouler``). Everything here is orchestration; the writes are the activities of
``activities.processus``.
"""

from __future__ import annotations

import asyncio
import types
from abc import abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, ClassVar, Generic, TypedDict, TypeVar, Unpack, get_args

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, RetryState

with workflow.unsafe.imports_passed_through():
    from activities.processus import ActivitesProcessus
    from domain.eir import ActionAffilie
    from domain.etats import Acteur, EtatTache, TypeIncident, TypeTache
    from domain.processus import (
        CORRECTIONS_REFUSEES,
        DONNEES_INVALIDES,
        ETAPES,
        SIGNAL_SITUATION,
        ActionSuperviseur,
        FinProcessus,
        Incident,
        MotifFin,
        Notification,
        Parties,
        ReferenceProcessus,
        ReglesIncident,
        Transition,
        TypeProcessus,
        Vue,
        cle_notification,
    )
    from domain.taches import ClotureTache, DelaisTache, MarquageTache, NouvelleTache, OuvertureTache, ReponseTache

COURTE = timedelta(seconds=30)  # a write of the process's own rows
ENVOI = timedelta(minutes=1)  # a mail (rendering, outbox, SMTP)
# A write of the process's own rows (local activity): retried until the database answers, since the incident
# itself could not be written without it.
REESSAIS = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
# How long an answer sent ahead of the process waits for the state it read (workflow time): past it, the
# sequence it carries is not one this process will write.
ATTENTE_RATTRAPAGE = timedelta(minutes=1)
TACHE_SANS_REPONSE_ATTENDUE = "Cette tâche n'attend plus de réponse : elle est déjà traitée ou annulée."
# The update every process takes to remind its open task's recipient now (services.supervision).
UPDATE_RELANCE = "relancer_tache"
# A withdrawal or a cancellation is answered after this at most, the step under way (a mail server down, an
# activity retrying) finishing before it takes effect.
ATTENTE_INTERRUPTION = timedelta(seconds=10)

VueT = TypeVar("VueT", bound=Vue)
Argument = TypeVar("Argument")
Resultat = TypeVar("Resultat")


class Interruption(Exception):
    """Raised by a wait once the process's interruption (the agent's withdrawal) has come."""


class Annulation(Exception):
    """Raised while the process is in incident, once a supervisor has cancelled it."""


class TacheExpiree(Exception):
    """Raised by ``tache`` when a task given an ``expiration`` has had no answer by then (the task is still open:
    the caller closes it with its named outcome)."""

    def __init__(self, tache_id: int) -> None:
        super().__init__(tache_id)
        self.tache_id = tache_id


class Cloture(Exception):
    """Raised by a wait once the process must end before its main line's end (``fin``: a deadline passed, the
    agent retired or died)."""

    def __init__(self, fin: FinProcessus) -> None:
        super().__init__(fin.motif.value)
        self.fin = fin


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


@dataclass(frozen=True)
class _TacheRelancable:
    """The open task a supervisor may remind: its number, recipient, employer and reminder mail."""

    tache_id: int
    destinataire: Acteur
    employeur_id: int | None
    mail: str


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
    # False: the answer's CIR lines are stored with the task only, not written into the CIR (a validation's
    # certified periods wait for the decision).
    ecrire_cir: bool = True
    # After this (from the task's opening) with no answer, ``tache`` raises ``TacheExpiree``; None: it waits.
    expiration: timedelta | None = None


class Deroulement(Generic[VueT]):
    """The state of one process as the workflow knows it, and the shared steps that change it."""

    def __init__(
        self,
        reference: ReferenceProcessus,
        vue: VueT,
        parties: Parties | None = None,
        regles: ReglesIncident | None = None,
        cloturable: bool = False,
        delai_global: timedelta | None = None,
    ) -> None:
        self.reference = reference
        self.vue = vue
        self._parties = parties
        self.sequence = 0  # the number of the last state written (projection and task rows keep it)
        self.tour = 0  # the round of a repeated step (a consolidation): part of the mails' keys
        self.tache_ouverte: int | None = None
        self._destinataire_ouverte: Acteur | None = None  # whose inbox the open task is in
        self.reponse: ReponseTache | None = None
        self._reponse_attendue: int | None = None  # the task whose answer ``completer_tache`` takes
        # Incidents: the failed step waits for a supervisor's resumption (or, technical, its own) or cancellation.
        self._regles = regles or ReglesIncident()
        self._reessais = RetryPolicy(
            initial_interval=timedelta(seconds=1),
            maximum_interval=timedelta(minutes=1),
            maximum_attempts=max(1, self._regles.tentatives),
        )
        self.incident: Incident | None = None
        self.tache_incident: int | None = None
        self._avant_incident: VueT | None = None
        self._incidents = 0  # incidents so far: part of their tasks' keys
        self._reprise: ActionSuperviseur | None = None
        self.annulation: ActionSuperviseur | None = None
        self._decision_attendue = False  # in incident, waiting for a resumption or a cancellation (not re-running)
        # The last answer refused when its corrections were written, and why (its update handler raises it).
        self._reponse_refusee: tuple[ReponseTache, str] | None = None
        # A supervisor's reminder of the open task: the task awaiting an answer with its reminder mail, the
        # reminder asked (sent by the task's own wait, so it never races the task's other writes), how many were
        # sent (part of their mails' keys: each press mails once) and the sequence of the last one's state.
        self._relancable: _TacheRelancable | None = None
        self._relance: ActionSuperviseur | None = None
        self._relances = 0
        self._sequence_relance = 0
        # The end of the process before its main line's end (``Cloture``): its overall delay (``borner``), a
        # human wait's expiry, the agent's situation (signal, and read again before each task).
        # ``cloturable``: the process handles ``Cloture`` (a process that does not is never ended so). A request
        # with an overall delay does; one started before these ends existed (none in its input) replays as it ran.
        self._cloturable = cloturable or delai_global is not None
        self._delai_global = delai_global
        self.fin: FinProcessus | None = None
        self._borne: asyncio.Task[None] | None = None
        # The agent's withdrawal, and a supervisor's cancellation outside an incident: each interrupts the process
        # (its next wait raises ``Interruption``; in incident, ``annuler`` takes the cancellation).
        self.retrait: ActionAffilie | None = None
        self.annulation_en_cours: ActionSuperviseur | None = None
        # Shared by every process without a line in each workflow: the update is named, not a method of the class.
        workflow.set_update_handler(
            UPDATE_RELANCE,
            self.relancer_tache,
            validator=lambda action: self.valider(action.sequence, lambda: self.verifier_relance(action)),
        )
        workflow.set_signal_handler(SIGNAL_SITUATION, self.situation_affilie)

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
        """A side effect that may take time (a document, a calculation, a mail): a regular activity. Its failure
        is an incident (see ``_incident``): once resumed, the step runs again."""
        return await self._executer(activite, lambda: argument, delai)

    async def executer_et_ecrire(
        self,
        activite: Callable[[Any, Argument], Awaitable[Resultat]],
        argument: Callable[[Transition], Argument],
        vue: VueT,
        evenement: str,
        delai: timedelta = COURTE,
    ) -> Resultat:
        """An activity that writes the process's next state itself (``vue``) once its side effect is done: its input
        is built for each run around that state's transition, numbered after any incident's states."""
        transitions: list[Transition] = []

        def construire() -> Argument:
            transitions.append(self.transition(vue, evenement))
            return argument(transitions[-1])

        return await self._executer(activite, construire, delai, lambda: self.ecrit(transitions[-1], vue))

    async def _executer(
        self,
        activite: Callable[[Any, Argument], Awaitable[Resultat]],
        construire: Callable[[], Argument],
        delai: timedelta,
        ecrite: Callable[[], None] | None = None,
    ) -> Resultat:
        while True:
            try:
                resultat = await workflow.execute_activity_method(
                    activite, construire(), start_to_close_timeout=delai, retry_policy=self._reessais
                )
            except ActivityError as echec:
                await self._incident(echec)
                continue
            if ecrite is not None:
                ecrite()
            if self.incident is not None:
                await self._resoudre(etat_ecrit=ecrite is not None)
            return resultat

    # ------------------------------------------------------------------ incidents

    async def _incident(self, echec: ActivityError) -> None:
        """The step failed: a business failure (the data break a rule: not retried) or a technical one (retried
        with a bounded backoff until the attempts ran out). The process enters the incident state, a supervisors'
        task opens; it waits to be resumed (returns: the step runs again), cancelled (``Annulation``) or
        withdrawn (``Interruption``). A technical incident is tried again on its own after a while."""
        cause = echec.cause
        etape = ETAPES.get(echec.activity_type, echec.activity_type)
        precedent = self.incident
        epuise = echec.retry_state == RetryState.MAXIMUM_ATTEMPTS_REACHED
        tentatives = (precedent.tentatives if precedent else 0) + (self._regles.tentatives if epuise else 1)
        if isinstance(cause, ApplicationError) and cause.type == DONNEES_INVALIDES:
            incident = Incident(TypeIncident.metier, cause.message, workflow.now(), tentatives, etape)
        else:
            erreur = _erreur(cause)
            incident = Incident(
                TypeIncident.technique,
                f"L'étape « {etape} » échoue après {tentatives} tentatives (dernière erreur : {erreur}). L'équipe "
                f"d'exploitation doit rétablir le composant en cause ; le processus réessaie de lui-même toutes les "
                f"{_duree(self._regles.reprise_automatique)}, ou un superviseur le relance.",
                workflow.now(),
                tentatives,
                etape,
                erreur,
            )
        if precedent is None or self.tache_incident is None:
            await self._ouvrir_incident(incident)
        else:
            incident = replace(incident, depuis=precedent.depuis)
            self.incident = incident
            await self.etat(
                replace(self.vue, incident=incident),
                "incident_persistant",
                details={"tentatives": tentatives, "motif": incident.motif},
            )
        await self._attendre_issue()

    async def _ouvrir_incident(self, incident: Incident) -> None:
        self._avant_incident = self.vue
        self._incidents += 1
        self.incident = incident
        vue = replace(self.vue, etat=type(self.vue.etat)("incident"), incident=incident)
        details = {"type": incident.type.value, "etape": incident.etape, "motif": incident.motif}
        self.tache_incident = await self._creer_tache(
            DemandeTache(
                TypeTache.incident,
                vue,
                Acteur.superviseur,
                None,
                DelaisTache(self._regles.delai_traitement, self._regles.delai_traitement),
                details | {"tentatives": incident.tentatives},
            ),
            "incident_ouvert",
            f"{self.workflow_id}:incident:{self._incidents}",
        )

    async def _attendre_issue(self) -> None:
        incident = self.incident
        automatique = self._regles.reprise_automatique if incident and incident.type is TypeIncident.technique else None
        self._decision_attendue = True
        try:
            await self.attendre(lambda: self._reprise is not None or self.annulation is not None, automatique)
        finally:
            self._decision_attendue = False
        if self.annulation is not None:
            raise Annulation()
        reprise, self._reprise = self._reprise, None
        if reprise is not None:
            # resumed by a supervisor, or by the correction of the agent's CIR itself (who corrected it)
            par_correction = reprise.correction_par is not None
            await self.etat(
                self.vue,
                "incident_relance_par_correction" if par_correction else "incident_relance",
                acteur=reprise.correction_par or Acteur.superviseur,
                compte_id=reprise.compte_id or None,
                details={"motif": reprise.motif},
            )

    async def _resoudre(self, etat_ecrit: bool) -> None:
        """The step succeeded after an incident: its task closed, the state before it written back (or the one
        the step itself wrote)."""
        avant = self.vue if etat_ecrit or self._avant_incident is None else self._avant_incident
        vue = replace(avant, incident=None)
        tentatives = self.incident.tentatives if self.incident else 0
        if self.tache_incident is None:
            await self.etat(vue, "incident_resolu", details={"tentatives": tentatives})
        else:
            await self.clore_tache(self.tache_incident, vue, "incident_resolu", details={"tentatives": tentatives})
        self.incident, self.tache_incident, self._avant_incident = None, None, None
        self._reprise = None  # a correction's resumption taken during the run that succeeded: nothing left to do

    def _exiger_decision_attendue(self, action: str) -> None:
        if self.incident is None:
            raise refus(f"Ce processus n'est pas en incident : il n'y a rien à {action}. Sa page indique où il en est.")
        if not self._decision_attendue or self._reprise is not None or self.annulation is not None:
            raise refus(
                f"Impossible de {action} maintenant : l'étape arrêtée est en train d'être essayée de nouveau. "
                "Rechargez la page dans un instant : l'incident sera résolu, ou de nouveau en attente."
            )

    def verifier_reprise(self, action: ActionSuperviseur | None = None) -> None:
        """A supervisor resumes only a process waiting for a decision. A correction of the CIR resumes it also
        while its step is being tried again (that run may have read the data before the correction): it is then
        taken when that run fails, and dropped if it succeeds."""
        if (
            action is not None
            and action.correction_par is not None
            and self.incident is not None
            and not self._decision_attendue
            and self._reprise is None
            and self.annulation is None
        ):
            return
        self._exiger_decision_attendue("relancer")

    async def reprendre(self, action: ActionSuperviseur) -> VueT:
        """The ``reprendre`` update of every process: the failed step runs again."""
        await self.rattraper(action.sequence, lambda: self.verifier_reprise(action))
        self._reprise = action
        return await self.apres_ecriture()

    # ------------------------------------------------------------------ withdrawn, cancelled, closed

    async def terminer(self, vue: VueT, evenement: str, **auteur: Unpack[Auteur]) -> int | None:
        """End the process in ``vue`` (withdrawn, cancelled, closed): its open tasks (a person's, an incident's)
        cancelled with that state, in one write. Returns the employer's task that was open (see ``prevenir_fin``)."""
        taches = [t for t in (self.tache_ouverte, self.tache_incident) if t is not None]
        tache_employeur = self.tache_ouverte if self._destinataire_ouverte is Acteur.employeur else None
        if not taches:
            await self.etat(vue, evenement, **auteur)
        else:
            await self.clore_tache(taches[0], vue, evenement, etat=EtatTache.annulee, autres=taches[1:], **auteur)
        self.tache_ouverte, self.tache_incident, self.incident, self._reponse_attendue = None, None, None, None
        self._relancable, self._relance = None, None  # a reminder asked meanwhile is not sent (its update says so)
        return tache_employeur

    async def terminer_annule(self, vue: VueT, action: ActionSuperviseur | None) -> int | None:
        """A supervisor cancelled the process (``action``: at any step; none: in incident, ``annulation``): it ends in
        ``vue``, its tasks cancelled, who and why in the history."""
        action = action or self.annulation
        return await self.terminer(
            replace(vue, incident=None),
            "processus_annule",
            acteur=Acteur.superviseur,
            compte_id=action.compte_id if action else None,
            details={"motif": action.motif if action else ""},
        )

    async def terminer_retire(self, vue: VueT) -> int | None:
        """The agent withdrew the request: it ends in ``vue``, its tasks cancelled, by whom in the history."""
        compte_id = self.retrait.compte_id if self.retrait else None
        return await self.terminer(vue, "demande_retiree", acteur=Acteur.affilie, compte_id=compte_id)

    async def terminer_clos(self, vue: VueT, fin: FinProcessus) -> int | None:
        """End the process in ``vue`` for ``fin``: its tasks cancelled, the named outcome in the history."""
        # ``fin``, not ``motif``: the pages show an event's ``motif`` as a person's words; the event names the end.
        details: dict[str, Any] = {"fin": fin.motif.value}
        if fin.date_effet is not None:
            details["date_effet"] = fin.date_effet.isoformat()
        return await self.terminer(replace(vue, incident=None), fin.evenement, details=details)

    async def prevenir_fin(self, tache_employeur: int | None, evenement_agent: str | None) -> None:
        """The process ended early: the employer whose task was cancelled told, then the agent (``evenement_agent``;
        none after a death: the agent's file is closed by the fund's own procedure)."""
        if tache_employeur is not None:
            await self.notifier("tache_annulee", Acteur.employeur, tache_id=tache_employeur)
        if evenement_agent is not None:
            await self.notifier(evenement_agent, Acteur.affilie)

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
            await workflow.wait_condition(lambda: self._arrete() or condition(), timeout=delai)
        except TimeoutError:
            return False
        if self.retrait is not None or self.annulation_en_cours is not None:
            raise Interruption()
        if self.fin is not None:
            raise Cloture(self.fin)
        return True

    def _arrete(self) -> bool:
        return self.retrait is not None or self.annulation_en_cours is not None or self.fin is not None

    # ------------------------------------------------------------------ the ends before the main line's end

    def borner(self) -> None:
        """The process's overall delay, from its start: once passed, its next wait ends it (``delai_global``),
        unless ``lever_borne`` came first."""
        duree = self._delai_global
        if duree is None:
            return

        async def echeance() -> None:
            await workflow.sleep(duree)
            if self.fin is None:
                self.fin = FinProcessus(MotifFin.delai_global)

        self._borne = asyncio.create_task(echeance())

    def lever_borne(self) -> None:
        """The process reached the step its overall delay bounds (the EIR's bilan): no end by that delay now."""
        if self._borne is not None and not self._borne.done():
            self._borne.cancel()
        self._borne = None

    def situation_affilie(self, fin: FinProcessus) -> None:
        """The ``situation_affilie`` signal of every process: the agent retired or died; its next wait ends it.
        A death overrides an end not yet taken (its mails differ)."""
        if not self._cloturable or fin.motif not in (MotifFin.retraite, MotifFin.deces):
            return
        if self.fin is None or fin.motif is MotifFin.deces:
            self.fin = fin

    async def verifier_situation(self) -> None:
        """Before a step that asks a person: the agent's situation read again (a signal lost between the status's
        write and its sending still ends the process)."""
        if not self._cloturable:
            return
        if self.fin is None:
            self.fin = await self.ecrire(ActivitesProcessus.situation, self.reference)
        if self.fin is not None:
            raise Cloture(self.fin)

    # ------------------------------------------------------------------ a cancellation, a withdrawal at any step

    def verifier_annulation(self, action: ActionSuperviseur) -> None:
        """A supervisor cancels a process at any step until it ends; in incident, only while it waits for a
        decision (not while its step is tried again)."""
        if not action.motif.strip():
            annule = "le processus est annulé" if self.incident is not None else "la demande est annulée"
            raise refus(f"motif : indiquez pourquoi {annule} ; la raison est gardée dans l'historique.")
        if self.incident is not None:
            self._exiger_decision_attendue("annuler")
            return
        if self.vue.projection().termine:
            raise refus("La demande est déjà terminée : il n'y a plus rien à annuler.")
        if self.annulation_en_cours is not None:
            raise refus("Cette demande est déjà en cours d'annulation : rechargez la page dans un instant.")
        if self.retrait is not None:
            raise refus("L'agent vient de retirer cette demande : il n'y a plus rien à annuler.")

    async def annuler(self, action: ActionSuperviseur) -> VueT:
        """The ``annuler`` update of every process. In incident it ends at once (see ``terminer_annule``); else the
        cancellation is recorded at once and takes effect when the current step ends."""
        await self.rattraper(action.sequence, lambda: self.verifier_annulation(action))
        if self.incident is not None:
            self.annulation = action
            return await self.apres_ecriture()
        self.annulation_en_cours = action
        return await self._apres_interruption("annulee")

    def verifier_retrait(self, retirable: bool, trop_tard: str) -> None:
        """The agent withdraws a request until it ends (``retirable``; else the refusal ``trop_tard``)."""
        if self.annulation_en_cours is not None:
            raise refus("La demande ne peut plus être retirée : un conseiller de la CNRACL vient de l'annuler.")
        if self.retrait is not None or not retirable:
            raise refus(trop_tard)

    async def retirer(self, action: ActionAffilie, verifier: Callable[[], None]) -> VueT:
        """The ``retirer`` update of a request the agent may withdraw: recorded at once, in effect when the current
        step ends (see ``terminer_retire``)."""
        await self.rattraper(action.sequence, verifier)
        self.retrait = action
        return await self._apres_interruption("retiree")

    async def _apres_interruption(self, etat: str) -> VueT:
        """A step held up must not hold the person who interrupted the process: answered with ``etat`` once written,
        or after a while with the state as it is, the interruption following."""
        try:
            await workflow.wait_condition(lambda: self.vue.etat == etat, timeout=ATTENTE_INTERRUPTION)
        except TimeoutError:
            workflow.logger.info("interruption (%s) enregistrée, en attente de la fin de l'étape en cours", etat)
        return self.vue

    async def delai(self, duree: timedelta) -> None:
        """A timer; the interruption stops it."""
        await self.attendre(lambda: False, duree)

    # ------------------------------------------------------------------ human tasks

    async def ouvrir_tache(self, demande: DemandeTache[VueT]) -> int:
        """Create the task (with its due date) and write the state that opens it, in one local activity."""
        tache_id = await self._creer_tache(
            demande, f"{demande.type.value}_demandee", f"{self.workflow_id}:{demande.type.value}:{self.tour}"
        )
        self.tache_ouverte, self._destinataire_ouverte = tache_id, demande.destinataire
        return tache_id

    async def _creer_tache(self, demande: DemandeTache[VueT], evenement: str, cle: str) -> int:
        horodatage = workflow.now()
        echeance = horodatage + demande.delais.relance
        vue = replace(demande.vue, en_attente_de=demande.destinataire, echeance=echeance, tache_id=None)
        transition = self.transition(
            vue,
            evenement,
            acteur=demande.acteur,
            compte_id=demande.compte_id,
            details=demande.details,
        )
        nouvelle = NouvelleTache(
            cle=cle,
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
        self.ecrit(transition, replace(vue, tache_id=tache_id))
        return tache_id

    async def tache(self, demande: DemandeTache[VueT], mails: MailsTache) -> ReponseTache:
        """The human-task step: the task opened and announced to its recipient; reminded when overdue,
        escalated to supervisors later; its answer stored with the state that follows (who must act: the
        CNRACL). Returns the answer."""
        await self.verifier_situation()
        tache_id = await self.ouvrir_tache(demande)
        self._reponse_attendue = tache_id

        async def annoncer(evenement: str, destinataire: Acteur) -> None:
            await self.notifier(evenement, destinataire, employeur_id=demande.employeur_id, tache_id=tache_id)

        await annoncer(mails.demande, demande.destinataire)
        delais = demande.delais
        self._relancable = _TacheRelancable(tache_id, demande.destinataire, demande.employeur_id, mails.relance)
        if not await self._attendre_reponse(delais.relance):
            await self._marquer(tache_id, "relance_employeur", relancee=True)
            await annoncer(mails.relance, demande.destinataire)
            if not await self._attendre_reponse(delais.escalade - delais.relance):
                await self._marquer(tache_id, "escalade_superviseur", escaladee=True)
                await annoncer(mails.escalade, Acteur.superviseur)
                if demande.expiration is not None:  # this task's own limit: its process names the outcome
                    if not await self._attendre_reponse(demande.expiration - delais.escalade):
                        self._relancable = None
                        raise TacheExpiree(tache_id)
                elif delais.expiration is None or not self._cloturable:
                    await self._attendre_reponse()
                elif not await self._attendre_reponse(delais.expiration - delais.escalade):
                    self.fin = FinProcessus(MotifFin.tache_sans_reponse)
                    raise Cloture(self.fin)
        while True:
            reponse = self.reponse
            if reponse is None:  # ``attendre`` returns only once answered (or raises)
                raise RuntimeError("tâche sans réponse")
            self.reponse = None
            self._reponse_attendue = None
            try:
                await self.clore_tache(
                    tache_id,
                    replace(self.vue, en_attente_de=Acteur.cnracl, echeance=None, tache_id=None),
                    f"{demande.type.value}_terminee",
                    reponse=reponse,
                    ecrire_cir=demande.ecrire_cir,
                    acteur=demande.destinataire,
                    compte_id=reponse.compte_id,
                    details={
                        "indice_fin_de_carriere": reponse.indice_fin_de_carriere,
                        "corrections": len(reponse.corrections),
                    },
                )
            except (ActivityError, ApplicationError) as echec:
                # a local activity's failure may come as its ApplicationError itself
                cause = echec.cause if isinstance(echec, ActivityError) else echec
                if not (isinstance(cause, ApplicationError) and cause.type == CORRECTIONS_REFUSEES):
                    raise
                await self._refuser_reponse(tache_id, reponse, cause.message, demande.destinataire)
                await self._attendre_reponse()
                continue
            self._relancable = None
            return reponse

    async def _attendre_reponse(self, delai: timedelta | None = None) -> bool:
        """Wait for the open task's answer (``False`` when ``delai`` passes first). A supervisor's reminder asked
        meanwhile is sent here, and the wait goes on until the same deadline. Without a reminder this is exactly
        ``attendre(self._repondue, delai)``: the histories of processes under way replay unchanged."""
        fin = None if delai is None else workflow.now() + delai
        while True:
            reste = None if fin is None else fin - workflow.now()
            if reste is not None and reste <= timedelta(0):
                return self._repondue()
            if not await self.attendre(lambda: self._repondue() or self._relance is not None, reste):
                return False
            if self._repondue():
                self._relance = None  # answered meanwhile: nobody to remind (its update says so)
                return True
            await self._envoyer_relance()

    async def _envoyer_relance(self) -> None:
        """The reminder a supervisor asked: noted on the task with the state that records it (by whom), then
        mailed to the task's recipient under a key of its own, so that each press mails once."""
        action, relancable = self._relance, self._relancable
        if action is None or relancable is None:
            self._relance = None
            return
        transition = self.transition(
            self.vue,
            "relance_employeur",
            acteur=Acteur.superviseur,
            compte_id=action.compte_id,
            details={"tache_id": relancable.tache_id, "motif": action.motif},
        )
        await self.ecrire(
            ActivitesProcessus.marquer_tache,
            MarquageTache(relancable.tache_id, workflow.now(), transition, relancee=True),
        )
        self.ecrit(transition, self.vue)
        self._relances += 1
        self._sequence_relance = transition.sequence
        notification = await self.notification(
            relancable.mail,
            relancable.destinataire,
            employeur_id=relancable.employeur_id,
            tache_id=relancable.tache_id,
        )
        cle = f"{notification.cle}:superviseur-{self._relances}"
        await self.executer(ActivitesProcessus.notifier, replace(notification, cle=cle), ENVOI)
        self._relance = None

    async def _refuser_reponse(self, tache_id: int, reponse: ReponseTache, motif: str, auteur: Acteur) -> None:
        """The answer's corrections no longer fit the agent's CIR (it changed since the service checked them):
        nothing of the answer is stored, the refusal is in the history and goes back to the person who answered
        (``recevoir_reponse``), the task stays open for another answer. Not retried: the same corrections would be
        refused again."""
        message = (
            "Votre réponse n'est pas enregistrée : le compte individuel retraite de l'agent a changé depuis que vous "
            f"l'avez lu, et vos corrections ne le respectent plus ({motif}). Rechargez la tâche, vérifiez les "
            "périodes de l'agent et répondez à nouveau ; la tâche reste ouverte."
        )
        self._reponse_refusee = (reponse, message)
        self._reponse_attendue = tache_id
        await self.etat(
            self.vue,
            "reponse_refusee",
            acteur=auteur,
            compte_id=reponse.compte_id,
            details={"tache_id": tache_id, "motif": motif},
        )

    async def clore_tache(
        self,
        tache_id: int,
        vue: VueT,
        evenement: str,
        reponse: ReponseTache | None = None,
        etat: EtatTache = EtatTache.terminee,
        autres: list[int] | None = None,
        ecrire_cir: bool = True,
        **auteur: Unpack[Auteur],
    ) -> None:
        """Close the task (with ``reponse``: the answer stored, its CIR lines written unless ``ecrire_cir`` is
        false; else as ``etat``, and the ``autres`` tasks too) and write ``vue``, in one local activity. The
        person's open task closed, none is open any more."""
        transition = self.transition(vue, evenement, **auteur)
        await self.ecrire(
            ActivitesProcessus.clore_tache,
            ClotureTache(tache_id, workflow.now(), transition, reponse, etat, list(autres or []), ecrire_cir),
        )
        self.ecrit(transition, vue)
        if tache_id == self.tache_ouverte:
            self.tache_ouverte, self._reponse_attendue = None, None

    async def marquer(self, tache_id: int, evenement: str, relancee: bool = False, escaladee: bool = False) -> None:
        """Note a reminder or an escalation on an open task (a task whose answer is not a ``completer_tache``,
        e.g. a decision), with the state that records it."""
        await self._marquer(tache_id, evenement, relancee, escaladee)

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

    async def recevoir_reponse(self, reponse: ReponseTache) -> VueT:
        """The ``completer_tache`` update of every process."""
        await self.rattraper(reponse.sequence, lambda: self.verifier_reponse(reponse))
        self.reponse = reponse
        vue = await self.apres_ecriture()
        if self._reponse_refusee is not None and self._reponse_refusee[0] is reponse:
            message = self._reponse_refusee[1]
            self._reponse_refusee = None
            raise refus(message)
        return vue

    def verifier_relance(self, action: ActionSuperviseur) -> None:
        relancable = self._relancable
        if self.incident is not None:
            raise refus(
                "Ce processus est arrêté sur un incident : relancez l'étape arrêtée depuis la console des "
                "incidents, il n'y a pas de tâche à rappeler."
            )
        if relancable is None or self._reponse_attendue != relancable.tache_id or self.reponse is not None:
            raise refus("Ce processus n'attend la réponse d'aucune tâche : il n'y a personne à relancer.")
        if self._relance is not None:
            raise refus("Une relance de cette tâche est en cours d'envoi : rechargez la page dans un instant.")
        if action.sequence is not None and action.sequence < self._sequence_relance:
            raise refus(
                "Une relance vient d'être envoyée pour cette tâche, après l'affichage de votre page : rechargez la "
                "page avant d'en envoyer une autre."
            )

    async def relancer_tache(self, action: ActionSuperviseur) -> VueT:
        """The ``relancer_tache`` update of every process: a supervisor reminds the open task's recipient now
        (one more mail per press). Returns once the mail is in the outbox; refused if the task is answered first."""
        await self.rattraper(action.sequence, lambda: self.verifier_relance(action))
        envoyees = self._relances
        self._relance = action
        await workflow.wait_condition(lambda: self._relance is None)
        if self._relances == envoyees:
            raise refus("La tâche vient d'être traitée : il n'y a plus personne à relancer.")
        return self.vue

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


class ProcessusWorkflow(Generic[VueT]):
    """What the workflow of every process (EIR, rectification, validation) does alike: how its ``run()`` ends
    (``derouler``), the person's answers it takes the same way (the answer to a task, a supervisor's resumption and
    cancellation) and its state (query ``etat``). A process holds its ``Deroulement`` in ``_processus`` and names
    its end states (``_vue_finale``) and its agent's mails (``PREFIXE_MAILS``)."""

    _processus: Deroulement[VueT]
    # The agent's mail of each end: ``{PREFIXE_MAILS}_annulee``, ``{PREFIXE_MAILS}_{fin.evenement}``.
    PREFIXE_MAILS: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # ``class EirWorkflow(DemandeWorkflow[VueEir])``: its view; none for a layer still generic
        vue = next(
            (t for base in getattr(cls, "__orig_bases__", ()) for t in get_args(base) if isinstance(t, type)), None
        )
        if vue is not None:
            _annoncer_la_vue(cls, vue)

    @abstractmethod
    def _vue_finale(self, etat: str) -> VueT:
        """The process's state once ended in ``etat`` (``annulee``, ``retiree``, ``sans_objet``, ``expiree``): each
        process workflow names its own."""

    async def derouler(self, *etapes: Callable[[], Awaitable[None]]) -> VueT:
        """The process's steps, one after the other, until its end: the main line's, or cancelled by a supervisor,
        withdrawn by the agent, closed early (``Cloture``). Returns its last state once every update is answered."""
        processus = self._processus
        processus.borner()
        try:
            for etape in etapes:
                await etape()
        except Annulation:
            await self._annuler(processus.annulation)
        except Interruption:
            if processus.annulation_en_cours is not None:
                await self._annuler(processus.annulation_en_cours)
            else:
                await self._retirer()
        except Cloture as cloture:
            await self._clore(cloture.fin)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return processus.vue

    async def _annuler(self, action: ActionSuperviseur | None) -> None:
        processus = self._processus
        tache = await processus.terminer_annule(self._vue_finale("annulee"), action)
        await processus.prevenir_fin(tache, f"{self.PREFIXE_MAILS}_annulee")

    async def _retirer(self) -> None:
        raise RuntimeError("ce processus ne se retire pas")  # interrupted only by a cancellation

    async def _clore(self, fin: FinProcessus) -> None:
        """Ended by a deadline (expired) or by the agent's retirement or death (without object)."""
        situation = fin.motif in (MotifFin.retraite, MotifFin.deces)
        tache = await self._processus.terminer_clos(self._vue_finale("sans_objet" if situation else "expiree"), fin)
        deces = fin.motif is MotifFin.deces
        await self._processus.prevenir_fin(tache, None if deces else f"{self.PREFIXE_MAILS}_{fin.evenement}")

    @workflow.update
    async def completer_tache(self, reponse: ReponseTache) -> VueT:
        """The answer to the open task (``POST /taches/{id}/completion``), an employer's or a supervisor's: answered
        once stored, with the state that follows; refused, in French, when the task no longer waits for it or when
        its corrections no longer fit the agent's CIR (the task then stays open)."""
        return await self._processus.recevoir_reponse(reponse)

    @completer_tache.validator
    def _valider_completion(self, reponse: ReponseTache) -> None:
        self._processus.valider(reponse.sequence, lambda: self._processus.verifier_reponse(reponse))

    @workflow.query
    def etat(self) -> VueT:
        """The process's state as the workflow knows it (the projection shows the same once written)."""
        return self._processus.vue

    @workflow.update
    async def reprendre(self, action: ActionSuperviseur) -> VueT:
        """A supervisor (or the correction of the CIR) resumes the process stopped on an incident."""
        return await self._processus.reprendre(action)

    @reprendre.validator
    def _valider_reprise(self, action: ActionSuperviseur) -> None:
        self._processus.valider(action.sequence, lambda: self._processus.verifier_reprise(action))

    @workflow.update
    async def annuler(self, action: ActionSuperviseur) -> VueT:
        """A supervisor cancels the process, with a reason, at any step until it ends: from the incidents' console or
        from the process's page."""
        return await self._processus.annuler(action)

    @annuler.validator
    def _valider_annulation(self, action: ActionSuperviseur) -> None:
        self._processus.valider(action.sequence, lambda: self._processus.verifier_annulation(action))


class DemandeWorkflow(ProcessusWorkflow[VueT]):
    """A process the agent asked for and may withdraw until it ends (EIR, rectification): the ``retirer`` update,
    and the end it leads to (the agent's confirmation: ``MAIL_RETRAIT``)."""

    MAIL_RETRAIT: ClassVar[str]
    # The refusal of a withdrawal once the request has ended (or may no longer be withdrawn: ``_retirable``).
    RETRAIT_TROP_TARD = "La demande ne peut plus être retirée : elle est déjà terminée."

    def _retirable(self) -> bool:
        return not self._processus.vue.projection().termine

    def _verifier_retrait(self) -> None:
        self._processus.verifier_retrait(self._retirable(), self.RETRAIT_TROP_TARD)

    @workflow.update
    async def retirer(self, action: ActionAffilie) -> VueT:
        """The agent withdraws the request (``DELETE``), until it ends."""
        return await self._processus.retirer(action, self._verifier_retrait)

    @retirer.validator
    def _valider_retrait(self, action: ActionAffilie) -> None:
        self._processus.valider(action.sequence, self._verifier_retrait)

    async def _retirer(self) -> None:
        processus = self._processus
        tache = await processus.terminer_retire(self._vue_finale("retiree"))
        await processus.prevenir_fin(tache, self.MAIL_RETRAIT)


def _annoncer_la_vue(cls: type, vue: type) -> None:
    """Temporal reads the result type of an update (and of a query) from its method's return annotation, where the
    method is decorated: inherited from ``ProcessusWorkflow``, it would be the type variable, and a client calling
    ``EirWorkflow.annuler`` would get back an undecoded view. Each process gets its own copy of those handlers,
    announcing its own view, its validator the same."""
    for base in (DemandeWorkflow, ProcessusWorkflow):
        for nom, membre in vars(base).items():
            requete = getattr(membre, "__temporal_query_definition", None) is not None
            mise_a_jour = isinstance(membre, workflow.UpdateMethodMultiParam)
            herite = getattr(cls, nom, None) is membre  # not overridden by the process
            if not herite or not (requete or mise_a_jour):
                continue
            copie = types.FunctionType(membre.__code__, membre.__globals__, nom, None, membre.__closure__)
            copie.__qualname__ = f"{cls.__qualname__}.{nom}"
            copie.__annotations__ = membre.__annotations__ | {"return": vue}
            if requete:
                setattr(cls, nom, workflow.query(name=nom)(copie))
                continue
            definition = membre._defn
            annoncee = workflow.update(name=definition.name, unfinished_policy=definition.unfinished_policy)(copie)
            if definition.validator is not None:
                annoncee.validator(definition.validator)
            setattr(cls, nom, annoncee)


def _erreur(cause: BaseException | None) -> str:
    """The last error of a failing step, as the engine reported it."""
    if isinstance(cause, ApplicationError):
        return f"{cause.type} : {cause.message}" if cause.type else cause.message
    if cause is None:
        return "inconnue"
    return str(cause) or type(cause).__name__


def _duree(duree: timedelta) -> str:
    """``30 minutes``, ``2 heures``, ``1 jour``: the period of a technical incident's own retries, in words."""
    secondes = int(duree.total_seconds())
    for unite, nom in ((86400, "jour"), (3600, "heure"), (60, "minute")):
        if secondes >= unite and secondes % unite == 0:
            nombre = secondes // unite
            return f"{nombre} {nom}{'s' if nombre > 1 else ''}"
    return f"{secondes} secondes"
