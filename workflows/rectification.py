"""RectificationWorkflow — a rectificative RIS/EIG request, routed by the period's employer (DESIGN §4.3).

- current public employer → a correction task for it (each former employer of the period, if any, first
  transmits its data: one task each);
- previous public employer(s) → a task for each former employer of the period to transmit its data, then a task for
  the current employer to obtain and correct; an agent with no current employer: a correction task for each former
  employer of the period (never two tasks in a row to the same employer);
- private employer or another regime → the agent is told which regime to contact; the request closes.
The correcting employers answer « corrigée » or « aucune erreur constatée » with a reason: each outcome its own
document (the rectified document with the lines changed, or the document as it stands with the reasons) and its own
mail. For an EIG the correction carries ``reclamation_eig = true``.
The agent may withdraw the request and a supervisor cancel it (with a reason) at any step; it ends after its overall
delay, when an escalated task expires, and when the agent retires or dies.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.rectification import ActivitesRectification
    from domain.eir import ActionAffilie
    from domain.etats import Acteur, TypeTache
    from domain.processus import ActionSuperviseur, FinProcessus, MotifFin, ReferenceProcessus, TypeProcessus
    from domain.rectification import (
        DemandeRectification,
        EtatRectification,
        ProductionRectifie,
        Routage,
        VueRectification,
    )
    from domain.taches import ReponseTache, ResultatRectification
    from workflows.processus import (
        ATTENTE_INTERRUPTION,
        Annulation,
        Cloture,
        DemandeTache,
        Deroulement,
        Interruption,
        MailsTache,
        refus,
    )

_PRODUCTION = timedelta(minutes=2)
_MAILS_TACHE = ("rectification_relance", "rectification_escalade")


@workflow.defn
class RectificationWorkflow:
    @workflow.init
    def __init__(self, demande: DemandeRectification) -> None:
        self._demande = demande
        self._retrait: ActionAffilie | None = None
        self._processus = Deroulement(
            ReferenceProcessus(TypeProcessus.rectification, demande.rectification_id),
            VueRectification(etat=EtatRectification.enregistree, en_attente_de=Acteur.cnracl),
            interrompu=lambda: self._retrait is not None,
            regles=demande.delais.incidents,
            # A request started before these ends existed (no overall delay in its input) replays as it ran.
            cloturable=demande.delai_global is not None,
        )

    @workflow.run
    async def run(self, demande: DemandeRectification) -> VueRectification:
        processus = self._processus
        processus.borner(demande.delai_global)
        try:
            await self._instruire(demande)
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

    async def _instruire(self, demande: DemandeRectification) -> None:
        processus = self._processus
        await processus.notifier("rectification_enregistree", Acteur.affilie)
        if demande.routage is Routage.autre_regime:
            await processus.notifier("rectification_autre_regime", Acteur.affilie)
            await processus.etat(
                VueRectification(etat=EtatRectification.orientee_autre_regime, termine=True), "orientee_autre_regime"
            )
            return

        reponses: list[ReponseTache] = []
        if demande.employeur_actuel_id is None:
            # No current employer: each former employer of the period corrects its part (one task each).
            for employeur_id in self._anciens():
                reponses.append(
                    await self._tache(
                        TypeTache.correction_cir_rectification, employeur_id, EtatRectification.correction_employeur
                    )
                )
        else:
            # Data from each former employer of the period first, for the current employer to correct with.
            for employeur_id in self._anciens():
                await self._tache(
                    TypeTache.transmission_donnees_rectification,
                    employeur_id,
                    EtatRectification.transmission_ancien_employeur,
                )
            type_de_correction = (
                TypeTache.correction_cir_rectification
                if demande.routage is Routage.employeur_actuel
                else TypeTache.obtention_donnees_rectification
            )
            reponses.append(
                await self._tache(
                    type_de_correction, demande.employeur_actuel_id, EtatRectification.correction_employeur
                )
            )

        # « Corrigée » once one employer corrected; « aucune erreur » when none did (each gave its reason).
        resultat: ResultatRectification = (
            "corrigee" if any(r.resultat == "corrigee" for r in reponses) else "aucune_erreur"
        )
        document = await processus.executer(
            ActivitesRectification.produire_document,
            ProductionRectifie(demande.rectification_id, workflow.now(), resultat),
            _PRODUCTION,
        )
        details = {"document_id": document, "reclamation_eig": demande.reclamation_eig}
        if resultat == "aucune_erreur":
            await processus.etat(
                VueRectification(etat=EtatRectification.aucune_erreur_constatee, termine=True),
                "aucune_erreur_constatee",
                details=details | {"motif": " ; ".join(r.motif for r in reponses)},
            )
            await processus.notifier("rectification_aucune_erreur", Acteur.affilie, document_id=document)
            return
        await processus.etat(
            VueRectification(etat=EtatRectification.document_rectifie, termine=True),
            "document_rectifie",
            details=details,
        )
        await processus.notifier("document_rectifie", Acteur.affilie, document_id=document)

    def _anciens(self) -> list[int]:
        """The former employers of the period that get a task: none besides the current one (its own task)."""
        demande = self._demande
        anciens = [e for e in demande.anciens_employeurs if e != demande.employeur_actuel_id]
        if demande.employeur_actuel_id is None and not anciens:
            raise ApplicationError(
                "rectification sans employeur correcteur : son routage aurait dû l'orienter", non_retryable=True
            )
        return anciens

    async def _tache(self, type: TypeTache, employeur_id: int, etat: EtatRectification) -> ReponseTache:
        demande, processus = self._demande, self._processus
        processus.tour += 1  # one task (and its mails) per employer: each its own key
        return await processus.tache(
            DemandeTache(
                type,
                VueRectification(etat=etat),
                Acteur.employeur,
                employeur_id,
                demande.delais,
                {"rectification_id": demande.rectification_id, "reclamation_eig": demande.reclamation_eig},
            ),
            MailsTache(f"rectification_{type.value}", *_MAILS_TACHE),
        )

    # ---- the ends before the main line's end

    async def _terminee(self, tache: int | None, evenement_agent: str | None) -> None:
        """The request ended: the employer whose task was open told, and the agent (``evenement_agent``)."""
        processus = self._processus
        if tache is not None:
            await processus.notifier("tache_annulee", Acteur.employeur, tache_id=tache)
        if evenement_agent is not None:
            await processus.notifier(evenement_agent, Acteur.affilie)

    async def _annuler(self, action: ActionSuperviseur | None) -> None:
        tache = await self._processus.terminer_annule(
            VueRectification(etat=EtatRectification.annulee, termine=True), action
        )
        await self._terminee(tache, "rectification_annulee")

    async def _retirer(self) -> None:
        processus = self._processus
        tache = processus.tache_ouverte
        await processus.terminer(
            VueRectification(etat=EtatRectification.retiree, termine=True),
            "demande_retiree",
            acteur=Acteur.affilie,
            compte_id=self._retrait.compte_id if self._retrait else None,
        )
        await self._terminee(tache, "rectification_retiree")

    async def _clore(self, fin: FinProcessus) -> None:
        deces = fin.motif is MotifFin.deces
        etat = (
            EtatRectification.sans_objet
            if fin.motif in (MotifFin.retraite, MotifFin.deces)
            else EtatRectification.expiree
        )
        tache = await self._processus.terminer_clos(VueRectification(etat=etat, termine=True), fin)
        await self._terminee(tache, None if deces else f"rectification_{fin.evenement}")

    # ---- updates and query

    @workflow.update
    async def completer_tache(self, reponse: ReponseTache) -> VueRectification:
        return await self._processus.recevoir_reponse(reponse)

    @completer_tache.validator
    def _valider_completion(self, reponse: ReponseTache) -> None:
        self._processus.valider_reponse(reponse)

    @workflow.update
    async def reprendre(self, action: ActionSuperviseur) -> VueRectification:
        return await self._processus.reprendre(action)

    @reprendre.validator
    def _valider_reprise(self, action: ActionSuperviseur) -> None:
        self._processus.valider_reprise(action)

    @workflow.update
    async def annuler(self, action: ActionSuperviseur) -> VueRectification:
        processus = self._processus
        return await processus.annuler_en_cours(
            action,
            lambda: self._verifier_annulation(action),
            lambda: processus.vue.etat is EtatRectification.annulee,
        )

    @annuler.validator
    def _valider_annulation(self, action: ActionSuperviseur) -> None:
        self._processus.valider(action.sequence, lambda: self._verifier_annulation(action))

    @workflow.update
    async def retirer(self, action: ActionAffilie) -> VueRectification:
        processus = self._processus
        await processus.rattraper(action.sequence, self._verifier_retrait)
        self._retrait = action
        try:
            await workflow.wait_condition(
                lambda: processus.vue.etat is EtatRectification.retiree, timeout=ATTENTE_INTERRUPTION
            )
        except TimeoutError:
            workflow.logger.info("retrait enregistré, en attente de la fin de l'étape en cours")
        return processus.vue

    @retirer.validator
    def _valider_retrait(self, action: ActionAffilie) -> None:
        self._processus.valider(action.sequence, self._verifier_retrait)

    @workflow.query
    def etat(self) -> VueRectification:
        return self._processus.vue

    # ---- checks

    def _verifier_annulation(self, action: ActionSuperviseur) -> None:
        processus = self._processus
        processus.verifier_annulation_en_cours(action, processus.vue.termine, retire=self._retrait is not None)

    def _verifier_retrait(self) -> None:
        processus = self._processus
        if processus.annulation_en_cours is not None:
            raise refus("La demande ne peut plus être retirée : un conseiller de la CNRACL vient de l'annuler.")
        if processus.vue.termine or self._retrait is not None:
            raise refus("La demande ne peut plus être retirée : elle est déjà terminée.")
