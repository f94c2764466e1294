"""EcheanceValidationWorkflow — one agent's deadline to ask the validation of non-titular services.

Reminders to the agent and the employer before the deadline; a request before it opens a dossier
(employer task: service certificates; then a supervisor decision); a request after it is refused
with the rule that refuses it; no request → closed as *forclos*.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.etats import Acteur, TypeTache
    from domain.processus import ActionSuperviseur, Parties, ReferenceProcessus, TypeProcessus
    from domain.taches import ReponseTache
    from domain.validation import (
        DecisionValidation,
        DemandeValidation,
        EcheanceValidationEntree,
        EtatValidation,
        VueValidation,
        fin_du_delai,
    )
    from workflows.processus import Annulation, DemandeTache, Deroulement, MailsTache, refus


@workflow.defn
class EcheanceValidationWorkflow:
    @workflow.init
    def __init__(self, entree: EcheanceValidationEntree) -> None:
        self._entree = entree
        self._demande: DemandeValidation | None = None
        self._decision: DecisionValidation | None = None
        self._processus = Deroulement(
            ReferenceProcessus(TypeProcessus.validation, entree.dossier_id),
            VueValidation(etat=EtatValidation.ouverte, en_attente_de=Acteur.affilie),
            Parties(entree.affilie_id, entree.employeur_id),
            regles=entree.delais.incidents,
        )

    @workflow.run
    async def run(self, entree: EcheanceValidationEntree) -> VueValidation:
        try:
            await self._suivre(entree)
        except Annulation:
            tache = await self._processus.terminer_annule(VueValidation(etat=EtatValidation.annulee, termine=True))
            if tache is not None and entree.employeur_id is not None:
                await self._processus.notifier("tache_annulee", Acteur.employeur, tache_id=tache)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._processus.vue

    async def _suivre(self, entree: EcheanceValidationEntree) -> None:
        processus, fin = self._processus, self._fin_du_delai
        if workflow.now() >= fin:
            # Started after the deadline: closed without mailing anyone (the right lapsed long ago).
            await processus.etat(VueValidation(etat=EtatValidation.forclose, termine=True), "forclos_au_demarrage")
            return
        ouverte = VueValidation(etat=EtatValidation.ouverte, en_attente_de=Acteur.affilie, echeance=fin)
        await processus.etat(ouverte, "echeance_ouverte")
        for rang, avance in enumerate(sorted(entree.rappels, reverse=True)):
            moment = fin - avance
            if moment <= workflow.now():
                continue
            if await processus.attendre(self._demandee, moment - workflow.now()):
                break
            await processus.notifier("validation_rappel_agent", Acteur.affilie, tour=rang)
            if entree.employeur_id is not None:
                await processus.notifier("validation_rappel_employeur", Acteur.employeur, tour=rang)
            await processus.etat(ouverte, "rappel_envoye", details={"rang": rang})
        if self._demande is None and not await processus.attendre(self._demandee, fin - workflow.now()):
            await processus.etat(VueValidation(etat=EtatValidation.forclose, termine=True), "forclos")
            await processus.notifier("validation_forclusion", Acteur.affilie)
        else:
            await self._instruire()

    async def _instruire(self) -> None:
        processus, entree = self._processus, self._entree
        await processus.etat(
            VueValidation(etat=EtatValidation.instruction_employeur, en_attente_de=Acteur.employeur),
            "demande_recue",
            acteur=Acteur.affilie,
            compte_id=self._demande.compte_id if self._demande else None,
        )
        await processus.notifier("validation_demande_recue", Acteur.affilie)
        if entree.employeur_id is not None:
            await processus.tache(
                self._demande_de_tache(
                    TypeTache.certificats_services_validation, EtatValidation.instruction_employeur, Acteur.employeur
                ),
                MailsTache("validation_certificats_employeur", "validation_relance", "validation_escalade"),
            )
        tache = await processus.ouvrir_tache(
            self._demande_de_tache(
                TypeTache.decision_validation, EtatValidation.decision_superviseur, Acteur.superviseur
            )
        )
        await processus.notifier("validation_decision_attendue", Acteur.superviseur, tache_id=tache)
        await processus.attendre(lambda: self._decision is not None)
        decision = self._decision
        if decision is None:  # ``attendre`` returns once decided
            raise RuntimeError("dossier sans décision")
        await processus.clore_tache(
            tache,
            VueValidation(etat=EtatValidation(decision.decision), termine=True),
            f"decision_{decision.decision}",
            acteur=Acteur.superviseur,
            compte_id=decision.compte_id,
            details={"motif": decision.motif},
        )
        await processus.notifier("validation_decision_agent", Acteur.affilie)
        if entree.employeur_id is not None:
            await processus.notifier("validation_decision_employeur", Acteur.employeur)

    def _demande_de_tache(
        self, type: TypeTache, etat: EtatValidation, destinataire: Acteur
    ) -> DemandeTache[VueValidation]:
        entree = self._entree
        return DemandeTache(
            type,
            VueValidation(etat=etat),
            destinataire,
            entree.employeur_id if destinataire is Acteur.employeur else None,
            entree.delais,
            {"dossier_id": entree.dossier_id},
        )

    def _demandee(self) -> bool:
        return self._demande is not None

    @property
    def _fin_du_delai(self) -> datetime:
        return fin_du_delai(self._entree.date_limite)

    # ---- updates and query

    @workflow.update
    async def demander(self, demande: DemandeValidation) -> VueValidation:
        await self._processus.rattraper(demande.sequence, self._verifier_demande)
        self._demande = demande
        return await self._processus.apres_ecriture()

    @demander.validator
    def _valider_demande(self, demande: DemandeValidation) -> None:
        self._processus.valider(demande.sequence, self._verifier_demande)

    @workflow.update
    async def completer_tache(self, reponse: ReponseTache) -> VueValidation:
        return await self._processus.recevoir_reponse(reponse)

    @completer_tache.validator
    def _valider_completion(self, reponse: ReponseTache) -> None:
        self._processus.valider_reponse(reponse)

    @workflow.update
    async def decider(self, decision: DecisionValidation) -> VueValidation:
        await self._processus.rattraper(decision.sequence, self._verifier_decision)
        self._decision = decision
        return await self._processus.apres_ecriture()

    @decider.validator
    def _valider_decision(self, decision: DecisionValidation) -> None:
        self._processus.valider(decision.sequence, self._verifier_decision)

    @workflow.update
    async def reprendre(self, action: ActionSuperviseur) -> VueValidation:
        return await self._processus.reprendre(action)

    @reprendre.validator
    def _valider_reprise(self, action: ActionSuperviseur) -> None:
        self._processus.valider_reprise(action)

    @workflow.update
    async def annuler(self, action: ActionSuperviseur) -> VueValidation:
        return await self._processus.annuler(action)

    @annuler.validator
    def _valider_annulation(self, action: ActionSuperviseur) -> None:
        self._processus.valider_annulation(action)

    @workflow.query
    def etat(self) -> VueValidation:
        return self._processus.vue

    # ---- checks of a person's answers

    def _verifier_demande(self) -> None:
        if workflow.now() >= self._fin_du_delai or self._processus.vue.etat is EtatValidation.forclose:
            raise refus(
                f"Demande hors délai, refusée : la date limite était le "
                f"{self._entree.date_limite:%d/%m/%Y} — {self._entree.regle}."
            )
        if self._demande is not None:
            raise refus("Votre demande de validation est déjà enregistrée.")

    def _verifier_decision(self) -> None:
        etat = self._processus.vue.etat
        if etat is not EtatValidation.decision_superviseur or self._decision is not None:
            raise refus(
                "Aucune décision n'est attendue sur ce dossier maintenant : il n'est pas (ou plus) à l'étape de la "
                "décision. Sa page indique l'étape en cours."
            )
