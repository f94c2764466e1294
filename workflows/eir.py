"""EirWorkflow — the Entretien Information Retraite, as the seed describes it (DESIGN §4.1).

1. Enregistrement: acknowledgment mailed with the registration date.
2. Préparation, phase 1: the agent is asked to contact the employer; after a delay the employer is
   notified (mail + task with a due date), reminded when the task is overdue, escalated later.
   Phase 2: the agent validates the RIS or asks a consolidation (a task for the employer, then a
   new RIS, then back to phase 2).
3. Réalisation: simulations → bilan personnalisé; after a delay the closure mail with the survey.
The agent may withdraw at any time until the closure; a supervisor may cancel it, with a reason, at any step.
Every request ends: its overall delay until the bilan, the agent's answer to a RIS and an escalated employer task
are bounded (each a named end), and the agent's retirement or death closes it (``Deroulement.fin``).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.eir import ActivitesEir
    from domain.eir import (
        ActionAffilie,
        DemandeConsolidation,
        DemandeEir,
        EnregistrementEnquete,
        ProductionDocument,
        PublicationRis,
        ReponsesEnquete,
        VueEir,
    )
    from domain.etats import Acteur, EtapeEir, EtatEir, TypeTache
    from domain.processus import FinProcessus, MotifFin, ReferenceProcessus, TypeProcessus
    from workflows.processus import (
        COURTE,
        ENVOI,
        Cloture,
        DemandeTache,
        DemandeWorkflow,
        Deroulement,
        MailsTache,
        refus,
    )

_CALCUL = timedelta(minutes=2)
_MAILS_EMPLOYEUR = ("relance_employeur", "escalade_superviseur")


@workflow.defn
class EirWorkflow(DemandeWorkflow[VueEir]):
    PREFIXE_MAILS = "eir"
    MAIL_RETRAIT = "retrait_confirme"
    RETRAIT_TROP_TARD = "La demande ne peut plus être retirée : l'entretien est déjà terminé."

    @workflow.init
    def __init__(self, demande: DemandeEir) -> None:
        self._demande = demande
        self._validation: ActionAffilie | None = None
        self._consolidation: DemandeConsolidation | None = None
        self._enquete: ReponsesEnquete | None = None
        reference = ReferenceProcessus(TypeProcessus.eir, demande.demande_id)
        debut = VueEir(etape=EtapeEir.enregistrement, etat=EtatEir.enregistree, en_attente_de=Acteur.cnracl)
        delais = demande.delais
        self._processus = Deroulement(reference, debut, regles=delais.incidents, delai_global=delais.delai_global)

    # ------------------------------------------------------------------ process

    @workflow.run
    async def run(self, demande: DemandeEir) -> VueEir:
        return await self.derouler(self._enregistrement, self._preparation, self._realisation)

    async def _enregistrement(self) -> None:
        processus, delais = self._processus, self._demande.delais
        await processus.notifier("accuse_reception", Acteur.affilie)
        # Phase 1: the agent contacts the employer; the employer is notified after the delay.
        await processus.etat(
            VueEir(
                etape=EtapeEir.preparation,
                etat=EtatEir.attente_notification_employeur,
                phase=1,
                en_attente_de=Acteur.affilie,
                echeance=workflow.now() + delais.notification_employeur,
            ),
            "preparation_commencee",
        )
        await processus.notifier("contacter_employeur", Acteur.affilie)

    async def _preparation(self) -> None:
        processus = self._processus
        await processus.delai(self._demande.delais.notification_employeur)
        await self._tache_employeur(TypeTache.verification_carriere_eir, EtatEir.verification_employeur, phase=1)
        await self._publier_ris("ris_disponible")
        # Phase 2: validate, or ask a consolidation and loop.
        while True:
            if not await processus.attendre(
                lambda: self._validation is not None or self._consolidation is not None,
                self._demande.delais.validation_ris,
            ):
                raise Cloture(FinProcessus(MotifFin.ris_sans_reponse))
            consolidation = self._consolidation
            if consolidation is None:
                break
            self._consolidation = None
            processus.tour += 1
            await self._tache_employeur(
                TypeTache.consolidation_eir,
                EtatEir.consolidation_employeur,
                phase=2,
                details={
                    "annees": sorted({periode.annee for periode in consolidation.periodes}),
                    "periodes": [periode.model_dump() for periode in consolidation.periodes],
                },
                demandeur=consolidation.compte_id,
            )
            await self._publier_ris("ris_consolide")

    async def _realisation(self) -> None:
        processus, delais = self._processus, self._demande.delais
        processus.lever_borne()  # the entretien is held: its overall delay bounds what came before
        await processus.etat(
            VueEir(etape=EtapeEir.realisation, etat=EtatEir.simulations_en_cours, en_attente_de=Acteur.cnracl),
            "ris_valide",
            acteur=Acteur.affilie,
            compte_id=self._validation.compte_id if self._validation else None,
        )
        bilan = await processus.executer(ActivitesEir.calculer_bilan, self._production("bilan"), _CALCUL)
        await processus.etat(
            VueEir(etape=EtapeEir.realisation, etat=EtatEir.bilan_disponible, echeance=workflow.now() + delais.enquete),
            "bilan_disponible",
            details={"document_id": bilan},
        )
        await processus.notifier("bilan_disponible", Acteur.affilie, document_id=bilan)
        await processus.delai(delais.enquete)
        # Closure: the survey; answers are awaited for a while, then the request closes anyway.
        await processus.etat(
            VueEir(
                etape=EtapeEir.cloture,
                etat=EtatEir.enquete_envoyee,
                en_attente_de=Acteur.affilie,
                echeance=workflow.now() + delais.reponse_enquete,
            ),
            "enquete_envoyee",
        )
        await processus.notifier("cloture_enquete", Acteur.affilie)
        await processus.attendre(lambda: self._enquete is not None, delais.reponse_enquete)
        close = VueEir(etape=EtapeEir.cloture, etat=EtatEir.close)
        if self._enquete is None:
            await processus.etat(close, "cloture_sans_reponse")
            return
        await processus.ecrire(
            ActivitesEir.enregistrer_enquete,
            EnregistrementEnquete(self._demande.demande_id, self._enquete, workflow.now()),
        )
        await processus.etat(
            close,
            "enquete_repondue",
            acteur=Acteur.affilie,
            compte_id=self._enquete.compte_id,
            details={"reponses": self._enquete.reponses},
        )

    def _vue_finale(self, etat: str) -> VueEir:
        return VueEir(etape=self._processus.vue.etape, etat=EtatEir(etat))

    # ------------------------------------------------------------------ steps

    async def _tache_employeur(
        self,
        type: TypeTache,
        etat: EtatEir,
        phase: int,
        details: dict[str, object] | None = None,
        demandeur: int | None = None,
    ) -> None:
        """The employer's task (verification, consolidation), answered: see ``Deroulement.tache``."""
        processus = self._processus
        vue = VueEir(etape=EtapeEir.preparation, etat=etat, phase=phase)
        employeur_id, delais = (await processus.parties()).employeur_id, self._demande.delais.taches
        auteur = Acteur.affilie if demandeur else Acteur.cnracl  # the agent, for a consolidation
        tache = DemandeTache(
            type, vue, Acteur.employeur, employeur_id, delais, dict(details or {}), acteur=auteur, compte_id=demandeur
        )
        mails = MailsTache("notification_employeur" if phase == 1 else "consolidation_employeur", *_MAILS_EMPLOYEUR)
        await processus.tache(tache, mails)

    async def _publier_ris(self, evenement: str) -> None:
        """The RIS, its mail to the agent, then the state « RIS disponible » (phase 2, the agent's turn): one
        activity."""
        processus = self._processus
        vue = VueEir(etape=EtapeEir.preparation, etat=EtatEir.ris_disponible, phase=2, en_attente_de=Acteur.affilie)
        production = self._production(f"ris-{processus.tour}")
        avis = await processus.notification(evenement, Acteur.affilie)
        await processus.executer_et_ecrire(
            ActivitesEir.publier_ris,
            lambda transition: PublicationRis(production, avis, transition),
            vue,
            "ris_disponible",
            ENVOI + COURTE,
        )

    def _production(self, etape: str) -> ProductionDocument:
        return ProductionDocument(f"{self._processus.workflow_id}:{etape}", self._demande.demande_id, workflow.now())

    # ------------------------------------------------------------------ the agent's answers of its own

    @workflow.update
    async def valider_ris(self, action: ActionAffilie) -> VueEir:
        await self._processus.rattraper(action.sequence, self._verifier_validation)
        self._validation = action
        return await self._processus.apres_ecriture()

    @valider_ris.validator
    def _valider_validation(self, action: ActionAffilie) -> None:
        self._processus.valider(action.sequence, self._verifier_validation)

    @workflow.update
    async def demander_consolidation(self, demande: DemandeConsolidation) -> VueEir:
        await self._processus.rattraper(demande.sequence, self._verifier_consolidation)
        self._consolidation = demande
        return await self._processus.apres_ecriture()

    @demander_consolidation.validator
    def _valider_consolidation(self, demande: DemandeConsolidation) -> None:
        self._processus.valider(demande.sequence, self._verifier_consolidation)

    @workflow.update
    async def repondre_enquete(self, reponses: ReponsesEnquete) -> VueEir:
        await self._processus.rattraper(reponses.sequence, self._verifier_enquete)
        self._enquete = reponses
        return await self._processus.apres_ecriture()

    @repondre_enquete.validator
    def _valider_enquete(self, reponses: ReponsesEnquete) -> None:
        self._processus.valider(reponses.sequence, self._verifier_enquete)

    # ------------------------------------------------------------------ checks of a person's answers

    def _verifier_validation(self) -> None:
        self._exiger_ris_disponible("valider le relevé")

    def _verifier_consolidation(self) -> None:
        self._exiger_ris_disponible("demander une consolidation")

    def _exiger_ris_disponible(self, action: str) -> None:
        vue = self._processus.vue
        if vue.etat is not EtatEir.ris_disponible or self._validation is not None or self._consolidation is not None:
            # The state's stored value is a code, not words for the agent: the request's page says where it stands.
            raise refus(
                f"Impossible de {action} maintenant : le relevé de situation n'attend pas votre réponse. "
                "La page de votre demande indique l'étape en cours et qui doit agir."
            )

    def _verifier_enquete(self) -> None:
        if self._processus.vue.etat is not EtatEir.enquete_envoyee or self._enquete is not None:
            raise refus("L'enquête de satisfaction n'est pas ouverte pour cette demande (ou déjà répondue).")

    def _retirable(self) -> bool:
        """Until the survey: the entretien is held."""
        return self._processus.vue.etape is not EtapeEir.cloture and super()._retirable()
