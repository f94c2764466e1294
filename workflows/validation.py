"""EcheanceValidationWorkflow — one agent's deadline to ask the validation of non-titular services.

Reminders to the agent and the employer before the deadline; a request before it opens a dossier
(employer task: service certificates; then a supervisor decision); a request after it is refused
with the rule that refuses it; no request → closed as *forclos*.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.taches import ActivitesTaches
    from activities.validation import ActivitesValidation
    from domain.eir import MarquageTache, ReponseTache
    from domain.etats import Acteur, EtatTache, TypeTache
    from domain.taches import CompletionTacheProcessus, NouvelleTacheProcessus
    from domain.validation import (
        DecisionValidation,
        DemandeValidation,
        EcheanceValidationEntree,
        EtatValidation,
        NotificationValidation,
        TransitionValidation,
        VueValidation,
        fin_du_delai,
    )
    from workflows._taches import attendre_reponse

_COURTE = timedelta(seconds=30)
_REESSAIS = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@workflow.defn
class EcheanceValidationWorkflow:
    def __init__(self) -> None:
        self._vue = VueValidation(etat=EtatValidation.ouverte, en_attente_de=Acteur.affilie)
        self._entree: EcheanceValidationEntree | None = None
        self._sequence = 0
        self._demande: DemandeValidation | None = None
        self._tache_ouverte: int | None = None
        self._reponse: ReponseTache | None = None
        self._decision: DecisionValidation | None = None

    @workflow.run
    async def run(self, entree: EcheanceValidationEntree) -> VueValidation:
        self._entree = entree
        fin = self._fin_du_delai
        if workflow.now() >= fin:
            # Started after the deadline: closed without mailing anyone (the right lapsed long ago).
            await self._etat(EtatValidation.forclose, "forclos_au_demarrage", termine=True)
            return self._vue
        await self._etat(EtatValidation.ouverte, "echeance_ouverte", en_attente_de=Acteur.affilie, echeance=fin)
        for rang, avance in enumerate(sorted(entree.rappels, reverse=True)):
            moment = fin - avance
            if moment <= workflow.now():
                continue
            if await self._attendre(lambda: self._demande is not None, moment - workflow.now()):
                break
            await self._notifier("validation_rappel_agent", Acteur.affilie, rang)
            if entree.employeur_id is not None:
                await self._notifier("validation_rappel_employeur", Acteur.employeur, rang)
            await self._etat(
                EtatValidation.ouverte,
                "rappel_envoye",
                en_attente_de=Acteur.affilie,
                echeance=fin,
                details={"rang": rang},
            )
        if self._demande is None and not await self._attendre(lambda: self._demande is not None, fin - workflow.now()):
            await self._etat(EtatValidation.forclose, "forclos", termine=True)
            await self._notifier("validation_forclusion", Acteur.affilie)
            await workflow.wait_condition(workflow.all_handlers_finished)
            return self._vue
        await self._instruire()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._vue

    async def _instruire(self) -> None:
        entree = self._e
        assert self._demande is not None
        await self._etat(
            EtatValidation.instruction_employeur,
            "demande_recue",
            en_attente_de=Acteur.employeur,
            acteur=Acteur.affilie,
            compte_id=self._demande.compte_id,
        )
        await self._notifier("validation_demande_recue", Acteur.affilie)
        if entree.employeur_id is not None:
            await self._tache(
                TypeTache.certificats_services_validation,
                entree.employeur_id,
                "employeur",
                EtatValidation.instruction_employeur,
                Acteur.employeur,
                "validation_certificats_employeur",
            )
            self._reponse = None
        tache = await self._creer_tache(
            TypeTache.decision_validation, None, "superviseur", EtatValidation.decision_superviseur, Acteur.superviseur
        )
        await self._notifier("validation_decision_attendue", Acteur.superviseur, tache_id=tache)
        await self._attendre(lambda: self._decision is not None, None)
        decision = self._decision
        assert decision is not None
        await self._executer(ActivitesTaches.marquer, MarquageTache(tache, EtatTache.terminee, workflow.now()))
        self._tache_ouverte = None
        etat = EtatValidation(decision.decision)
        await self._etat(
            etat,
            f"decision_{decision.decision}",
            termine=True,
            acteur=Acteur.superviseur,
            compte_id=decision.compte_id,
            details={"motif": decision.motif},
        )
        await self._notifier("validation_decision_agent", Acteur.affilie)
        if entree.employeur_id is not None:
            await self._notifier("validation_decision_employeur", Acteur.employeur)

    async def _creer_tache(
        self, type: TypeTache, employeur_id: int | None, destinataire: str, etat: EtatValidation, en_attente_de: Acteur
    ) -> int:
        echeance = workflow.now() + self._e.delais.relance
        tache = await self._executer(
            ActivitesTaches.creer,
            NouvelleTacheProcessus(
                cle=f"{self._id}:{type.value}",
                type=type,
                workflow_id=self._id,
                affilie_id=self._e.affilie_id,
                employeur_id=employeur_id,
                destinataire=destinataire,
                echeance=echeance,
                horodatage=workflow.now(),
                details={"dossier_id": self._e.dossier_id},
            ),
        )
        self._tache_ouverte = tache
        await self._etat(etat, f"{type.value}_demandee", en_attente_de=en_attente_de, echeance=echeance, tache_id=tache)
        return tache

    async def _tache(
        self,
        type: TypeTache,
        employeur_id: int,
        destinataire: str,
        etat: EtatValidation,
        en_attente_de: Acteur,
        evenement: str,
    ) -> None:
        tache = await self._creer_tache(type, employeur_id, destinataire, etat, en_attente_de)
        await self._notifier(evenement, Acteur.employeur, tache_id=tache)

        async def relancer() -> None:
            await self._executer(ActivitesTaches.marquer, MarquageTache(tache, None, workflow.now(), relancee=True))
            await self._notifier("validation_relance", Acteur.employeur, tache_id=tache)

        async def escalader() -> None:
            await self._executer(ActivitesTaches.marquer, MarquageTache(tache, None, workflow.now(), escaladee=True))
            await self._notifier("validation_escalade", Acteur.superviseur, tache_id=tache)

        d = self._e.delais
        await attendre_reponse(
            self._attendre, lambda: self._reponse is not None, d.relance, d.escalade, relancer, escalader
        )
        reponse = self._reponse
        assert reponse is not None
        await self._executer(
            ActivitesTaches.terminer,
            CompletionTacheProcessus(
                workflow_id=self._id,
                affilie_id=self._e.affilie_id,
                employeur_id=employeur_id,
                reponse=reponse,
                horodatage=workflow.now(),
            ),
        )
        self._tache_ouverte = None

    # ---- updates and query

    @workflow.update
    async def demander(self, demande: DemandeValidation) -> VueValidation:
        self._demande = demande
        return await self._apres_ecriture()

    @demander.validator
    def _valider_demande(self, demande: DemandeValidation) -> None:
        if workflow.now() >= self._fin_du_delai or self._vue.etat is EtatValidation.forclose:
            raise ValueError(
                f"Demande hors délai, refusée : la date limite était le "
                f"{self._e.date_limite:%d/%m/%Y} — {self._e.regle}."
            )
        if self._demande is not None:
            raise ValueError("Votre demande de validation est déjà enregistrée.")

    @workflow.update
    async def completer_tache(self, reponse: ReponseTache) -> VueValidation:
        self._reponse = reponse
        return await self._apres_ecriture()

    @completer_tache.validator
    def _valider_completion(self, reponse: ReponseTache) -> None:
        if (
            self._vue.etat is not EtatValidation.instruction_employeur
            or reponse.tache_id != self._tache_ouverte
            or self._reponse is not None
        ):
            raise ValueError("Cette tâche n'attend plus de réponse : elle est déjà traitée.")

    @workflow.update
    async def decider(self, decision: DecisionValidation) -> VueValidation:
        self._decision = decision
        return await self._apres_ecriture()

    @decider.validator
    def _valider_decision(self, decision: DecisionValidation) -> None:
        if self._vue.etat is not EtatValidation.decision_superviseur or self._decision is not None:
            raise ValueError(
                f"Aucune décision n'est attendue sur ce dossier maintenant (état : {self._vue.etat.value})."
            )

    @workflow.query
    def etat(self) -> VueValidation:
        return self._vue

    # ---- helpers

    @property
    def _e(self) -> EcheanceValidationEntree:
        assert self._entree is not None
        return self._entree

    @property
    def _id(self) -> str:
        return workflow.info().workflow_id

    @property
    def _fin_du_delai(self) -> datetime:
        return fin_du_delai(self._e.date_limite)

    async def _apres_ecriture(self) -> VueValidation:
        sequence = self._sequence
        await workflow.wait_condition(lambda: self._sequence > sequence)
        return self._vue

    async def _attendre(self, condition, timeout: timedelta | None) -> bool:
        try:
            await workflow.wait_condition(condition, timeout=timeout)
        except TimeoutError:
            return False
        return True

    async def _executer(self, methode, argument):
        return await workflow.execute_activity_method(
            methode, argument, start_to_close_timeout=_COURTE, retry_policy=_REESSAIS
        )

    async def _etat(
        self,
        etat: EtatValidation,
        evenement: str,
        en_attente_de: Acteur | None = None,
        echeance: datetime | None = None,
        tache_id: int | None = None,
        termine: bool = False,
        acteur: Acteur = Acteur.cnracl,
        compte_id: int | None = None,
        details: dict | None = None,
    ) -> None:
        vue = VueValidation(
            etat=etat, en_attente_de=en_attente_de, echeance=echeance, tache_id=tache_id, termine=termine
        )
        await self._executer(
            ActivitesValidation.transition,
            TransitionValidation(
                self._e.dossier_id, self._id, vue, evenement, workflow.now(), acteur, compte_id or None, details or {}
            ),
        )
        self._vue = vue
        self._sequence += 1

    async def _notifier(self, evenement: str, destinataire: Acteur, rang: int = 0, tache_id: int | None = None) -> None:
        await workflow.execute_activity_method(
            ActivitesValidation.notifier,
            NotificationValidation(
                f"{self._id}:{evenement}:{destinataire.value}:{rang}",
                self._e.dossier_id,
                evenement,
                destinataire,
                workflow.now(),
                tache_id,
            ),
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=_REESSAIS,
        )
