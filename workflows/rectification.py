"""RectificationWorkflow — a rectificative RIS/EIG request, routed by the period's employer (DESIGN §4.3).

- current public employer → a correction task for it;
- previous public employer → a task for the current employer to obtain the data (and first a task for
  the former employer when it is in the system), then the correction; an agent with no current employer: a
  correction task for the former employer;
- private employer or another regime → the agent is told which regime to contact; the request closes.
The correcting employer answers « corrigée » (a rectified document is produced and announced) or « aucune
erreur constatée » with its reason (mailed to the agent, no document). For an EIG the correction
carries ``reclamation_eig = true``.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.rectification import ActivitesRectification
    from domain.etats import Acteur, TypeTache
    from domain.processus import ActionSuperviseur, ReferenceProcessus, TypeProcessus
    from domain.rectification import (
        DemandeRectification,
        EtatRectification,
        ProductionRectifie,
        Routage,
        VueRectification,
    )
    from domain.taches import ReponseTache
    from workflows.processus import Annulation, DemandeTache, Deroulement, MailsTache

_PRODUCTION = timedelta(minutes=2)
_MAILS_TACHE = ("rectification_relance", "rectification_escalade")


@workflow.defn
class RectificationWorkflow:
    @workflow.init
    def __init__(self, demande: DemandeRectification) -> None:
        self._demande = demande
        self._processus = Deroulement(
            ReferenceProcessus(TypeProcessus.rectification, demande.rectification_id),
            VueRectification(etat=EtatRectification.enregistree, en_attente_de=Acteur.cnracl),
            regles=demande.delais.incidents,
        )

    @workflow.run
    async def run(self, demande: DemandeRectification) -> VueRectification:
        try:
            await self._instruire(demande)
        except Annulation:
            tache = await self._processus.terminer_annule(
                VueRectification(etat=EtatRectification.annulee, termine=True)
            )
            if tache is not None:
                await self._processus.notifier("tache_annulee", Acteur.employeur, tache_id=tache)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._processus.vue

    async def _instruire(self, demande: DemandeRectification) -> None:
        processus = self._processus
        await processus.notifier("rectification_enregistree", Acteur.affilie)
        if demande.routage is Routage.autre_regime:
            await processus.notifier("rectification_autre_regime", Acteur.affilie)
            await processus.etat(
                VueRectification(etat=EtatRectification.orientee_autre_regime, termine=True), "orientee_autre_regime"
            )
            return

        # Data from the former employer first, for a current employer to correct with; an agent with no current
        # employer has the former one correct directly (one task, never two in a row to the same employer).
        if (
            demande.routage is Routage.employeur_precedent
            and demande.employeur_precedent_id is not None
            and demande.employeur_actuel_id is not None
        ):
            await self._tache(
                TypeTache.transmission_donnees_rectification,
                demande.employeur_precedent_id,
                EtatRectification.transmission_ancien_employeur,
            )
        reponse = await self._tache(self._type_de_correction, self._correcteur, EtatRectification.correction_employeur)
        if reponse.resultat == "aucune_erreur":
            # No correction: no rectified document; the agent is told the employer's reason (the task's answer).
            await processus.etat(
                VueRectification(etat=EtatRectification.aucune_erreur_constatee, termine=True),
                "aucune_erreur_constatee",
                details={"motif": reponse.motif, "reclamation_eig": demande.reclamation_eig},
            )
            await processus.notifier("rectification_aucune_erreur", Acteur.affilie, tache_id=reponse.tache_id)
            return

        document = await processus.executer(
            ActivitesRectification.produire_document,
            ProductionRectifie(demande.rectification_id, workflow.now()),
            _PRODUCTION,
        )
        await processus.etat(
            VueRectification(etat=EtatRectification.document_rectifie, termine=True),
            "document_rectifie",
            details={"document_id": document, "reclamation_eig": demande.reclamation_eig},
        )
        await processus.notifier("document_rectifie", Acteur.affilie)

    @property
    def _correcteur(self) -> int:
        """The employer that corrects the CIR: the current one, else the former one."""
        correcteur = self._demande.employeur_actuel_id or self._demande.employeur_precedent_id
        if correcteur is None:
            raise ApplicationError(
                "rectification sans employeur correcteur : son routage aurait dû l'orienter", non_retryable=True
            )
        return correcteur

    @property
    def _type_de_correction(self) -> TypeTache:
        demande = self._demande
        if demande.routage is Routage.employeur_actuel or demande.employeur_actuel_id is None:
            return TypeTache.correction_cir_rectification
        return TypeTache.obtention_donnees_rectification

    async def _tache(self, type: TypeTache, employeur_id: int, etat: EtatRectification) -> ReponseTache:
        demande = self._demande
        return await self._processus.tache(
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

    # ---- update and query

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
        return await self._processus.annuler(action)

    @annuler.validator
    def _valider_annulation(self, action: ActionSuperviseur) -> None:
        self._processus.valider_annulation(action)

    @workflow.query
    def etat(self) -> VueRectification:
        return self._processus.vue
