"""The process layer every workflow shares (EIR, rectification, validation): its states written and numbered,
its mails, its human tasks, and the checks of a person's answer.

A workflow holds one ``Deroulement`` and reads like its seed: each step of its ``run()`` is a line calling
``etat`` (a new state), ``notifier`` (a mail), ``tache`` (a human task, answered), ``attendre`` (a delay or an
answer). Everything here is orchestration; the writes are the activities of ``activities.processus``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Generic, TypedDict, TypeVar, Unpack

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, RetryState

with workflow.unsafe.imports_passed_through():
    from activities.processus import ActivitesProcessus
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
        interrompu: Callable[[], bool] = lambda: False,
        regles: ReglesIncident | None = None,
        cloturable: bool = False,
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
        # ``cloturable``: the process handles ``Cloture`` (a process that does not is never ended so).
        self._cloturable = cloturable
        self.fin: FinProcessus | None = None
        self._borne: asyncio.Task[None] | None = None
        # A supervisor's cancellation outside an incident: it interrupts the process as a withdrawal does (in
        # incident, ``annuler`` takes it).
        self.annulation_en_cours: ActionSuperviseur | None = None
        # Shared by every process without a line in each workflow: the update is named, not a method of the class.
        workflow.set_update_handler(UPDATE_RELANCE, self.relancer_tache, validator=self.valider_relance)
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
            await self._clore(self.tache_incident, vue, "incident_resolu", details={"tentatives": tentatives})
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

    def verifier_annulation(self, action: ActionSuperviseur) -> None:
        if not action.motif.strip():
            raise refus("motif : indiquez pourquoi le processus est annulé ; la raison est gardée dans l'historique.")
        self._exiger_decision_attendue("annuler")

    def valider_reprise(self, action: ActionSuperviseur) -> None:
        """The ``reprendre`` validator of every process."""
        self.valider(action.sequence, lambda: self.verifier_reprise(action))

    async def reprendre(self, action: ActionSuperviseur) -> VueT:
        """The ``reprendre`` update of every process: the failed step runs again."""
        await self.rattraper(action.sequence, lambda: self.verifier_reprise(action))
        self._reprise = action
        return await self.apres_ecriture()

    def valider_annulation(self, action: ActionSuperviseur) -> None:
        """The ``annuler`` validator of every process."""
        self.valider(action.sequence, lambda: self.verifier_annulation(action))

    async def annuler(self, action: ActionSuperviseur) -> VueT:
        """The ``annuler`` update of every process: it ends, cancelled (see ``terminer_annule``)."""
        await self.rattraper(action.sequence, lambda: self.verifier_annulation(action))
        self.annulation = action
        return await self.apres_ecriture()

    async def terminer(self, vue: VueT, evenement: str, **auteur: Unpack[Auteur]) -> None:
        """End the process in ``vue`` (withdrawn, cancelled): its open tasks (a person's, an incident's)
        cancelled with that state, in one write."""
        taches = [t for t in (self.tache_ouverte, self.tache_incident) if t is not None]
        if not taches:
            await self.etat(vue, evenement, **auteur)
        else:
            await self._clore(taches[0], vue, evenement, etat=EtatTache.annulee, autres=taches[1:], **auteur)
        self.tache_ouverte, self.tache_incident, self.incident, self._reponse_attendue = None, None, None, None
        self._relancable, self._relance = None, None  # a reminder asked meanwhile is not sent (its update says so)

    async def terminer_annule(self, vue: VueT, action: ActionSuperviseur | None = None) -> int | None:
        """A supervisor cancelled the process (in incident; ``action``: a process that takes a cancellation at any
        step gives it): it ends in ``vue``, its tasks cancelled, who and why in the history. Returns the person's
        task that was open (its recipient may be told)."""
        action = action or self.annulation
        tache = self.tache_ouverte
        await self.terminer(
            replace(vue, incident=None),
            "processus_annule",
            acteur=Acteur.superviseur,
            compte_id=action.compte_id if action else None,
            details={"motif": action.motif if action else ""},
        )
        return tache

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
        if self._interrompu() or self.annulation_en_cours is not None:
            raise Interruption()
        if self.fin is not None:
            raise Cloture(self.fin)
        return True

    def _arrete(self) -> bool:
        return self._interrompu() or self.annulation_en_cours is not None or self.fin is not None

    # ------------------------------------------------------------------ the ends before the main line's end

    def borner(self, duree: timedelta | None) -> None:
        """The process's overall delay: once ``duree`` has passed, its next wait ends it (``delai_global``), unless
        ``lever_borne`` came first. None: no delay (a process started before it existed)."""
        if duree is None or not self._cloturable:
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

    async def terminer_clos(self, vue: VueT, fin: FinProcessus) -> int | None:
        """End the process in ``vue`` for ``fin``: its tasks cancelled, the named outcome in the history. Returns the
        person's task that was open (its recipient may be told)."""
        tache = self.tache_ouverte
        # ``fin``, not ``motif``: the pages show an event's ``motif`` as a person's words; the event names the end.
        details: dict[str, Any] = {"fin": fin.motif.value}
        if fin.date_effet is not None:
            details["date_effet"] = fin.date_effet.isoformat()
        await self.terminer(replace(vue, incident=None), fin.evenement, details=details)
        return tache

    # ------------------------------------------------------------------ a supervisor's cancellation at any step

    def verifier_annulation_en_cours(self, action: ActionSuperviseur, termine: bool, retire: bool) -> None:
        """At any step until the process ends; in incident, as ``verifier_annulation``."""
        if self.incident is not None:
            self.verifier_annulation(action)
            return
        if not action.motif.strip():
            raise refus("motif : indiquez pourquoi la demande est annulée ; la raison est gardée dans l'historique.")
        if termine:
            raise refus("La demande est déjà terminée : il n'y a plus rien à annuler.")
        if self.annulation_en_cours is not None:
            raise refus("Cette demande est déjà en cours d'annulation : rechargez la page dans un instant.")
        if retire:
            raise refus("L'agent vient de retirer cette demande : il n'y a plus rien à annuler.")

    async def annuler_en_cours(
        self, action: ActionSuperviseur, verifier: Callable[[], None], annulee: Callable[[], bool]
    ) -> VueT:
        """The ``annuler`` update of a process a supervisor may cancel at any step: in incident as ``annuler``;
        else recorded at once, in effect when the current step ends, answered after a while at most."""
        await self.rattraper(action.sequence, verifier)
        if self.incident is not None:
            return await self.annuler(action)
        self.annulation_en_cours = action
        try:
            await workflow.wait_condition(annulee, timeout=ATTENTE_INTERRUPTION)
        except TimeoutError:
            workflow.logger.info("annulation enregistrée, en attente de la fin de l'étape en cours")
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
        self.tache_ouverte = tache_id
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
        ecrire_cir: bool = True,
        **auteur: Unpack[Auteur],
    ) -> None:
        """Close the task (with ``reponse``: the answer stored, its CIR lines written unless ``ecrire_cir`` is
        false; else as ``etat``) and write ``vue``, in one local activity."""
        await self._clore(tache_id, vue, evenement, reponse, etat, ecrire_cir=ecrire_cir, **auteur)
        self.tache_ouverte = None
        self._reponse_attendue = None

    async def _clore(
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
        transition = self.transition(vue, evenement, **auteur)
        await self.ecrire(
            ActivitesProcessus.clore_tache,
            ClotureTache(tache_id, workflow.now(), transition, reponse, etat, list(autres or []), ecrire_cir),
        )
        self.ecrit(transition, vue)

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

    def valider_reponse(self, reponse: ReponseTache) -> None:
        """The ``completer_tache`` validator of every process."""
        self.valider(reponse.sequence, lambda: self.verifier_reponse(reponse))

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

    def valider_relance(self, action: ActionSuperviseur) -> None:
        """The ``relancer_tache`` validator of every process."""
        self.valider(action.sequence, lambda: self.verifier_relance(action))

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
