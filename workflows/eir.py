"""EirWorkflow — the Entretien Information Retraite, as the seed describes it (DESIGN §4.1).

1. Enregistrement: acknowledgment mailed with the registration date.
2. Préparation, phase 1: the agent is asked to contact the employer; after a delay the employer is
   notified (mail + task with a due date), reminded when the task is overdue, escalated later.
   Phase 2: the agent validates the RIS or asks a consolidation (a task for the employer, then a
   new RIS, then back to phase 2).
3. Réalisation: simulations → bilan personnalisé; after a delay the closure mail with the survey.
The agent may withdraw at any time until the closure.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.eir import ActivitesEir
    from activities.taches import ActivitesTaches
    from domain.eir import (
        ActionAffilie,
        CompletionTache,
        DemandeConsolidation,
        DemandeEir,
        EnregistrementEnquete,
        MarquageTache,
        NotificationEir,
        NouvelleTache,
        ProductionDocument,
        PublicationRis,
        ReponsesEnquete,
        ReponseTache,
        TerminaisonTache,
        Transition,
        VueEir,
    )
    from domain.etats import Acteur, EtapeEir, EtatEir, EtatTache, TypeTache
    from workflows._taches import attendre_reponse

_COURTE = timedelta(seconds=30)
_CALCUL = timedelta(minutes=2)
_ATTENTE_RETRAIT = timedelta(seconds=10)
_REESSAIS = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
_ECRITURES_LOCALES = "ecritures-locales"  # patch: the process's own short writes as local activities
_RIS_PUBLIE = "ris-publie"  # patch: the RIS and its mail in one activity
_TERMINAISON_UNIQUE = "terminaison-unique"  # patch: an answer and the state after it in one local activity
_RIS_ET_ETAT = "ris-et-etat"  # patch: the state « RIS disponible » written by the RIS's activity
_RETRAIT_BORNE = "retrait-attente-bornee"  # patch: the withdrawal answered after a while at most
_SANS_MARQUEURS = 2  # the first version (domain.eir.VERSION_EIR) that takes all the patches above without asking


class _Retrait(Exception):
    """Raised inside ``run`` when the agent has withdrawn: the closing branch takes over."""


@workflow.defn
class EirWorkflow:
    def __init__(self) -> None:
        self._vue = VueEir(etape=EtapeEir.enregistrement, etat=EtatEir.enregistree, en_attente_de=Acteur.cnracl)
        self._demande: DemandeEir | None = None
        self._sequence = 0  # increases each time the projection is written
        self._tache_ouverte: int | None = None
        self._reponse_tache: ReponseTache | None = None
        self._validation: ActionAffilie | None = None
        self._consolidation: DemandeConsolidation | None = None
        self._enquete: ReponsesEnquete | None = None
        self._retrait: ActionAffilie | None = None
        self._tour = 0  # consolidation rounds

    # ------------------------------------------------------------------ process

    @workflow.run
    async def run(self, demande: DemandeEir) -> VueEir:
        self._demande = demande
        try:
            await self._enregistrement()
            await self._preparation()
            await self._realisation()
        except _Retrait:
            await self._retirer()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._vue

    async def _enregistrement(self) -> None:
        await self._notifier("accuse_reception", Acteur.affilie)
        # Phase 1: the agent contacts the employer; the employer is notified after the delay.
        await self._etat(
            EtapeEir.preparation,
            EtatEir.attente_notification_employeur,
            "preparation_commencee",
            phase=1,
            en_attente_de=Acteur.affilie,
            echeance=workflow.now() + self._d.delais.notification_employeur,
        )
        await self._notifier("contacter_employeur", Acteur.affilie)

    async def _preparation(self) -> None:
        d = self._d.delais
        await self._attendre(lambda: False, d.notification_employeur)
        await self._tache_employeur(
            TypeTache.verification_carriere_eir, "notification_employeur", EtatEir.verification_employeur, phase=1
        )
        await self._publier_ris("ris-0", "ris_disponible")
        # Phase 2: validate, or ask a consolidation and loop.
        while True:
            await self._attendre(lambda: self._validation is not None or self._consolidation is not None)
            if self._validation is not None:
                break
            consolidation = self._consolidation
            assert consolidation is not None
            self._consolidation = None
            self._tour += 1
            await self._tache_employeur(
                TypeTache.consolidation_eir,
                "consolidation_employeur",
                EtatEir.consolidation_employeur,
                phase=2,
                details={
                    "annees": sorted({p.annee for p in consolidation.periodes}),
                    "periodes": [p.model_dump() for p in consolidation.periodes],
                },
                demandeur=consolidation.compte_id,
            )
            await self._publier_ris(f"ris-{self._tour}", "ris_consolide")

    async def _realisation(self) -> None:
        assert self._validation is not None
        await self._etat(
            EtapeEir.realisation,
            EtatEir.simulations_en_cours,
            "ris_valide",
            en_attente_de=Acteur.cnracl,
            acteur=Acteur.affilie,
            compte_id=self._validation.compte_id,
        )
        bilan = await self._document(ActivitesEir.calculer_bilan, "bilan", timeout=_CALCUL)
        delai_enquete = self._d.delais.enquete
        await self._etat(
            EtapeEir.realisation,
            EtatEir.bilan_disponible,
            "bilan_disponible",
            en_attente_de=None,
            echeance=workflow.now() + delai_enquete,
            details={"document_id": bilan},
        )
        await self._notifier("bilan_disponible", Acteur.affilie, document_id=bilan)
        await self._attendre(lambda: False, delai_enquete)
        # Closure: the survey; answers are awaited for a while, then the request closes anyway.
        delai_reponse = self._d.delais.reponse_enquete
        await self._etat(
            EtapeEir.cloture,
            EtatEir.enquete_envoyee,
            "enquete_envoyee",
            en_attente_de=Acteur.affilie,
            echeance=workflow.now() + delai_reponse,
        )
        await self._notifier("cloture_enquete", Acteur.affilie)
        try:
            await workflow.wait_condition(lambda: self._enquete is not None, timeout=delai_reponse)
        except TimeoutError:
            pass  # no answer within the delay: the request closes without one
        if self._enquete is not None:
            await self._ecrire(
                ActivitesEir.enregistrer_enquete,
                EnregistrementEnquete(self._d.demande_id, self._enquete, workflow.now()),
            )
            await self._etat(
                EtapeEir.cloture,
                EtatEir.close,
                "enquete_repondue",
                en_attente_de=None,
                acteur=Acteur.affilie,
                compte_id=self._enquete.compte_id,
                details={"reponses": self._enquete.reponses},
            )
        else:
            await self._etat(EtapeEir.cloture, EtatEir.close, "cloture_sans_reponse", en_attente_de=None)

    async def _retirer(self) -> None:
        assert self._retrait is not None
        if self._tache_ouverte is not None:
            tache = self._tache_ouverte
            await self._ecrire(ActivitesTaches.marquer, MarquageTache(tache, EtatTache.annulee, workflow.now()))
            await self._notifier("tache_annulee", Acteur.employeur, tache_id=tache)
            self._tache_ouverte = None
        await self._etat(
            self._vue.etape,
            EtatEir.retiree,
            "demande_retiree",
            en_attente_de=None,
            acteur=Acteur.affilie,
            compte_id=self._retrait.compte_id,
        )
        await self._notifier("retrait_confirme", Acteur.affilie)

    # ------------------------------------------------------------------ human tasks

    async def _tache_employeur(
        self,
        type: TypeTache,
        evenement: str,
        etat: EtatEir,
        phase: int,
        details: dict | None = None,
        demandeur: int | None = None,
    ) -> None:
        """Create the employer's task, mail it, remind when overdue, escalate later, wait for the answer."""
        d = self._d.delais
        cree_le = workflow.now()
        echeance = cree_le + d.relance_employeur
        tache = await self._ecrire(
            ActivitesEir.creer_tache,
            NouvelleTache(
                f"{self._id}:{type.value}:{self._tour}",
                self._d.demande_id,
                self._id,
                type,
                echeance,
                cree_le,
                details or {},
            ),
        )
        self._tache_ouverte = tache
        acteur = Acteur.affilie if demandeur else Acteur.cnracl
        await self._etat(
            EtapeEir.preparation,
            etat,
            f"{type.value}_demandee",
            phase=phase,
            en_attente_de=Acteur.employeur,
            echeance=echeance,
            tache_id=tache,
            acteur=acteur,
            compte_id=demandeur,
            details=details,
        )
        await self._notifier(evenement, Acteur.employeur, tache_id=tache)

        async def relancer() -> None:
            await self._ecrire(ActivitesTaches.marquer, MarquageTache(tache, None, workflow.now(), relancee=True))
            await self._etat(
                EtapeEir.preparation,
                etat,
                "relance_employeur",
                phase=phase,
                en_attente_de=Acteur.employeur,
                echeance=echeance,
                tache_id=tache,
            )
            await self._notifier("relance_employeur", Acteur.employeur, tache_id=tache)

        async def escalader() -> None:
            await self._ecrire(ActivitesTaches.marquer, MarquageTache(tache, None, workflow.now(), escaladee=True))
            await self._etat(
                EtapeEir.preparation,
                etat,
                "escalade_superviseur",
                phase=phase,
                en_attente_de=Acteur.employeur,
                echeance=echeance,
                tache_id=tache,
            )
            await self._notifier("escalade_superviseur", Acteur.superviseur, tache_id=tache)

        await attendre_reponse(
            self._attendre, self._tache_repondue, d.relance_employeur, d.escalade_superviseur, relancer, escalader
        )
        reponse = self._reponse_tache
        assert reponse is not None
        self._reponse_tache = None
        completion = CompletionTache(self._d.demande_id, reponse, workflow.now())
        unique = self._patch(_TERMINAISON_UNIQUE)
        if not unique:
            await self._ecrire(ActivitesEir.terminer_tache, completion)
        self._tache_ouverte = None
        await self._etat(
            EtapeEir.preparation,
            etat,
            f"{type.value}_terminee",
            phase=phase,
            en_attente_de=Acteur.cnracl,
            acteur=Acteur.employeur,
            compte_id=reponse.compte_id,
            details={"indice_fin_de_carriere": reponse.indice_fin_de_carriere, "corrections": len(reponse.corrections)},
            completion=completion if unique else None,
        )

    def _tache_repondue(self) -> bool:
        return self._reponse_tache is not None

    # ------------------------------------------------------------------ updates and query

    @workflow.update
    async def completer_tache(self, reponse: ReponseTache) -> VueEir:
        self._reponse_tache = reponse
        return await self._apres_ecriture()

    @completer_tache.validator
    def _valider_completion(self, reponse: ReponseTache) -> None:
        if self._tache_ouverte is None or reponse.tache_id != self._tache_ouverte or self._reponse_tache is not None:
            raise ValueError("Cette tâche n'attend plus de réponse : elle est déjà traitée ou annulée.")

    @workflow.update
    async def valider_ris(self, action: ActionAffilie) -> VueEir:
        self._validation = action
        return await self._apres_ecriture()

    @valider_ris.validator
    def _valider_validation(self, action: ActionAffilie) -> None:
        self._exiger_ris_disponible("valider le relevé")

    @workflow.update
    async def demander_consolidation(self, demande: DemandeConsolidation) -> VueEir:
        self._consolidation = demande
        return await self._apres_ecriture()

    @demander_consolidation.validator
    def _valider_consolidation(self, demande: DemandeConsolidation) -> None:
        self._exiger_ris_disponible("demander une consolidation")

    @workflow.update
    async def repondre_enquete(self, reponses: ReponsesEnquete) -> VueEir:
        self._enquete = reponses
        return await self._apres_ecriture()

    @repondre_enquete.validator
    def _valider_enquete(self, reponses: ReponsesEnquete) -> None:
        if self._vue.etat is not EtatEir.enquete_envoyee or self._enquete is not None:
            raise ValueError("L'enquête de satisfaction n'est pas ouverte pour cette demande (ou déjà répondue).")

    @workflow.update
    async def retirer(self, action: ActionAffilie) -> VueEir:
        self._retrait = action
        if not self._patch(_RETRAIT_BORNE):
            await workflow.wait_condition(lambda: self._vue.etat is EtatEir.retiree)
            return self._vue
        # The withdrawal is recorded at once; it takes effect when the current step ends. A step held up
        # (mail server down, an activity retrying) must not hold the agent's request: answer after a while
        # with the state as it is, the withdrawal following.
        try:
            await workflow.wait_condition(lambda: self._vue.etat is EtatEir.retiree, timeout=_ATTENTE_RETRAIT)
        except TimeoutError:
            workflow.logger.info("retrait enregistré, en attente de la fin de l'étape en cours")
        return self._vue

    @retirer.validator
    def _valider_retrait(self, action: ActionAffilie) -> None:
        if self._vue.etape is EtapeEir.cloture or self._vue.etat.est_termine or self._retrait is not None:
            raise ValueError("La demande ne peut plus être retirée : l'entretien est déjà terminé.")

    @workflow.query
    def etat(self) -> VueEir:
        return self._vue

    def _exiger_ris_disponible(self, action: str) -> None:
        if (
            self._vue.etat is not EtatEir.ris_disponible
            or self._validation is not None
            or self._consolidation is not None
        ):
            raise ValueError(
                f"Impossible de {action} maintenant : le relevé de situation n'attend pas votre réponse "
                f"(état actuel : {self._vue.etat.value})."
            )

    async def _apres_ecriture(self) -> VueEir:
        """Return once the process has written its next state: the caller reads its own write."""
        sequence = self._sequence
        await workflow.wait_condition(lambda: self._sequence > sequence)
        return self._vue

    # ------------------------------------------------------------------ helpers

    @property
    def _d(self) -> DemandeEir:
        assert self._demande is not None
        return self._demande

    def _patch(self, nom: str) -> bool:
        """Whether this process runs the code after the change ``nom``: always from version 2 on (no marker);
        before, as its history recorded it (``workflow.patched``)."""
        return self._d.version >= _SANS_MARQUEURS or workflow.patched(nom)

    @property
    def _id(self) -> str:
        return workflow.info().workflow_id

    async def _attendre(self, condition, timeout: timedelta | None = None) -> bool:
        """Wait for ``condition`` (or the delay); withdrawal interrupts any wait."""
        try:
            await workflow.wait_condition(lambda: self._retrait is not None or condition(), timeout=timeout)
        except TimeoutError:
            return False
        if self._retrait is not None:
            raise _Retrait()
        return True

    async def _etat(self, *etat, completion: CompletionTache | None = None, **precisions) -> None:
        """Write the new state (the arguments of ``_transition``); with ``completion``: the answer that leads to
        it, in the same local activity."""
        transition = self._transition(*etat, **precisions)
        if completion is None:
            await self._ecrire(ActivitesEir.transition, transition)
        else:
            await workflow.execute_local_activity_method(
                ActivitesEir.terminer_et_transiter,
                TerminaisonTache(completion, transition),
                start_to_close_timeout=_COURTE,
                retry_policy=_REESSAIS,
            )
        self._ecrit(transition.vue)

    def _transition(
        self,
        etape: EtapeEir,
        etat: EtatEir,
        evenement: str,
        phase: int | None = None,
        en_attente_de: Acteur | None = None,
        echeance: datetime | None = None,
        tache_id: int | None = None,
        acteur: Acteur = Acteur.cnracl,
        compte_id: int | None = None,
        details: dict | None = None,
    ) -> Transition:
        vue = VueEir(
            etape=etape, etat=etat, phase=phase, en_attente_de=en_attente_de, echeance=echeance, tache_id=tache_id
        )
        return Transition(
            self._d.demande_id, self._id, vue, evenement, workflow.now(), acteur, compte_id or None, details or {}
        )

    def _ecrit(self, vue: VueEir) -> None:
        """The state just written (by a local activity or an activity): queries and updates answer with it."""
        self._vue = vue
        self._sequence += 1

    async def _ecrire(self, methode, argument):
        """A short write of the process's own rows (its projection, its tasks, the survey) as a local activity:
        run by this worker inside the workflow task, it does not wait behind the activity queue (mails,
        documents, a campaign), so the answer a person just gave is written, and acknowledged, at once.
        Processes started before this change keep regular activities (patch)."""
        if self._patch(_ECRITURES_LOCALES):
            return await workflow.execute_local_activity_method(
                methode, argument, start_to_close_timeout=_COURTE, retry_policy=_REESSAIS
            )
        return await workflow.execute_activity_method(
            methode, argument, start_to_close_timeout=_COURTE, retry_policy=_REESSAIS
        )

    async def _notifier(
        self, evenement: str, destinataire: Acteur, tache_id: int | None = None, document_id: int | None = None
    ) -> None:
        await workflow.execute_activity_method(
            ActivitesEir.notifier,
            self._notification(evenement, destinataire, tache_id, document_id),
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=_REESSAIS,
        )

    async def _publier_ris(self, suffixe: str, evenement: str) -> None:
        """The RIS, its mail to the agent, then the state « RIS disponible » (phase 2, the agent's turn): one
        activity (patches), three steps before."""
        etat = (EtapeEir.preparation, EtatEir.ris_disponible, "ris_disponible")
        attente = {"phase": 2, "en_attente_de": Acteur.affilie}
        if not self._patch(_RIS_PUBLIE):
            ris = await self._document(ActivitesEir.generer_ris, suffixe)
            await self._notifier(evenement, Acteur.affilie, document_id=ris)
            await self._etat(*etat, **attente)
            return
        transition = self._transition(*etat, **attente) if self._patch(_RIS_ET_ETAT) else None
        await workflow.execute_activity_method(
            ActivitesEir.publier_ris,
            PublicationRis(
                ProductionDocument(f"{self._id}:{suffixe}", self._d.demande_id, workflow.now()),
                self._notification(evenement, Acteur.affilie),
                transition,
            ),
            start_to_close_timeout=timedelta(minutes=1) + _COURTE,
            retry_policy=_REESSAIS,
        )
        if transition is None:
            await self._etat(*etat, **attente)
        else:
            self._ecrit(transition.vue)

    def _notification(
        self, evenement: str, destinataire: Acteur, tache_id: int | None = None, document_id: int | None = None
    ) -> NotificationEir:
        return NotificationEir(
            f"{self._id}:{evenement}:{destinataire.value}:{self._tour}",
            self._d.demande_id,
            evenement,
            destinataire,
            workflow.now(),
            tache_id,
            document_id,
        )

    async def _document(self, methode, suffixe: str, timeout: timedelta = _COURTE) -> int:
        return await workflow.execute_activity_method(
            methode,
            ProductionDocument(f"{self._id}:{suffixe}", self._d.demande_id, workflow.now()),
            start_to_close_timeout=timeout,
            retry_policy=_REESSAIS,
        )
