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
    from domain.etats import Acteur, TypeTache
    from domain.processus import ReferenceProcessus, TypeProcessus
    from domain.rectification import (
        DemandeRectification,
        EtatRectification,
        ProductionRectifie,
        Routage,
        VueRectification,
    )
    from domain.taches import ReponseTache, ResultatRectification
    from workflows.processus import DemandeTache, DemandeWorkflow, Deroulement, MailsTache

_PRODUCTION = timedelta(minutes=2)
_MAILS_TACHE = ("rectification_relance", "rectification_escalade")


@workflow.defn
class RectificationWorkflow(DemandeWorkflow[VueRectification]):
    PREFIXE_MAILS = "rectification"
    MAIL_RETRAIT = "rectification_retiree"

    @workflow.init
    def __init__(self, demande: DemandeRectification) -> None:
        self._demande = demande
        reference = ReferenceProcessus(TypeProcessus.rectification, demande.rectification_id)
        debut = VueRectification(etat=EtatRectification.enregistree, en_attente_de=Acteur.cnracl)
        self._processus = Deroulement(
            reference, debut, regles=demande.delais.incidents, delai_global=demande.delai_global
        )

    @workflow.run
    async def run(self, demande: DemandeRectification) -> VueRectification:
        return await self.derouler(self._instruire)

    async def _instruire(self) -> None:
        demande, processus = self._demande, self._processus
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
        details = {"rectification_id": demande.rectification_id, "reclamation_eig": demande.reclamation_eig}
        vue = VueRectification(etat=etat)
        tache = DemandeTache(type, vue, Acteur.employeur, employeur_id, demande.delais, details)
        return await processus.tache(tache, MailsTache(f"rectification_{type.value}", *_MAILS_TACHE))

    def _vue_finale(self, etat: str) -> VueRectification:
        return VueRectification(etat=EtatRectification(etat), termine=True)
