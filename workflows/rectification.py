"""RectificationWorkflow — a rectificative RIS/EIG request, routed by the period's employer (DESIGN §4.3).

- current public employer → a correction task for it;
- previous public employer → a task for the current employer to obtain the data (and first a task for
  the former employer when it is in the system), then the correction;
- private employer or another regime → the agent is told which regime to contact; the request closes.
After the correction, a rectified document is produced and announced. For an EIG the correction
carries ``reclamation_eig = true``.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.rectification import ActivitesRectification
    from activities.taches import ActivitesTaches
    from domain.eir import MarquageTache, ReponseTache
    from domain.etats import Acteur, TypeTache
    from domain.rectification import (
        DemandeRectification,
        EtatRectification,
        NotificationRectification,
        ProductionRectifie,
        Routage,
        TransitionRectification,
        VueRectification,
    )
    from domain.taches import CompletionTacheProcessus, NouvelleTacheProcessus
    from workflows._taches import attendre_reponse

_COURTE = timedelta(seconds=30)
_REESSAIS = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@workflow.defn
class RectificationWorkflow:
    def __init__(self) -> None:
        self._vue = VueRectification(etat=EtatRectification.enregistree, en_attente_de=Acteur.cnracl)
        self._demande: DemandeRectification | None = None
        self._affilie_id = 0
        self._sequence = 0
        self._tache_ouverte: int | None = None
        self._reponse: ReponseTache | None = None

    @workflow.run
    async def run(self, demande: DemandeRectification) -> VueRectification:
        self._demande = demande
        self._affilie_id = await self._executer(ActivitesRectification.affilie, demande.rectification_id)
        await self._notifier("rectification_enregistree", Acteur.affilie)
        if demande.routage is Routage.autre_regime:
            await self._notifier("rectification_autre_regime", Acteur.affilie)
            await self._etat(EtatRectification.orientee_autre_regime, "orientee_autre_regime", termine=True)
            await workflow.wait_condition(workflow.all_handlers_finished)
            return self._vue

        if demande.routage is Routage.employeur_precedent and demande.employeur_precedent_id is not None:
            await self._tache(
                TypeTache.transmission_donnees_rectification,
                demande.employeur_precedent_id,
                EtatRectification.transmission_ancien_employeur,
            )
        correcteur = demande.employeur_actuel_id or demande.employeur_precedent_id
        assert correcteur is not None
        type_correction = (
            TypeTache.correction_cir_rectification
            if demande.routage is Routage.employeur_actuel or demande.employeur_actuel_id is None
            else TypeTache.obtention_donnees_rectification
        )
        await self._tache(type_correction, correcteur, EtatRectification.correction_employeur)

        document = await self._executer(
            ActivitesRectification.produire_document,
            ProductionRectifie(demande.rectification_id, workflow.now()),
            timeout=timedelta(minutes=2),
        )
        await self._etat(
            EtatRectification.document_rectifie,
            "document_rectifie",
            termine=True,
            details={"document_id": document, "reclamation_eig": demande.reclamation_eig},
        )
        await self._notifier("document_rectifie", Acteur.affilie)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._vue

    async def _tache(self, type: TypeTache, employeur_id: int, etat: EtatRectification) -> None:
        d = self._d
        echeance = workflow.now() + d.delais.relance
        tache = await self._executer(
            ActivitesTaches.creer,
            NouvelleTacheProcessus(
                cle=f"{self._id}:{type.value}",
                type=type,
                workflow_id=self._id,
                affilie_id=self._affilie_id,
                employeur_id=employeur_id,
                destinataire="employeur",
                echeance=echeance,
                horodatage=workflow.now(),
                details={"rectification_id": d.rectification_id, "reclamation_eig": d.reclamation_eig},
            ),
        )
        self._tache_ouverte = tache
        await self._etat(
            etat, f"{type.value}_demandee", en_attente_de=Acteur.employeur, echeance=echeance, tache_id=tache
        )
        await self._notifier(f"rectification_{type.value}", Acteur.employeur, tache_id=tache, employeur_id=employeur_id)

        async def relancer() -> None:
            await self._executer(ActivitesTaches.marquer, MarquageTache(tache, None, workflow.now(), relancee=True))
            await self._etat(
                etat, "relance_employeur", en_attente_de=Acteur.employeur, echeance=echeance, tache_id=tache
            )
            await self._notifier("rectification_relance", Acteur.employeur, tache_id=tache, employeur_id=employeur_id)

        async def escalader() -> None:
            await self._executer(ActivitesTaches.marquer, MarquageTache(tache, None, workflow.now(), escaladee=True))
            await self._etat(
                etat, "escalade_superviseur", en_attente_de=Acteur.employeur, echeance=echeance, tache_id=tache
            )
            await self._notifier(
                "rectification_escalade", Acteur.superviseur, tache_id=tache, employeur_id=employeur_id
            )

        await attendre_reponse(
            self._attendre, lambda: self._reponse is not None, d.delais.relance, d.delais.escalade, relancer, escalader
        )
        reponse = self._reponse
        assert reponse is not None
        self._reponse = None
        await self._executer(
            ActivitesTaches.terminer,
            CompletionTacheProcessus(
                workflow_id=self._id,
                affilie_id=self._affilie_id,
                employeur_id=employeur_id,
                reponse=reponse,
                horodatage=workflow.now(),
            ),
        )
        self._tache_ouverte = None
        await self._etat(
            etat,
            f"{type.value}_terminee",
            en_attente_de=Acteur.cnracl,
            acteur=Acteur.employeur,
            compte_id=reponse.compte_id,
            details={"corrections": len(reponse.corrections)},
        )

    # ---- update and query

    @workflow.update
    async def completer_tache(self, reponse: ReponseTache) -> VueRectification:
        self._reponse = reponse
        sequence = self._sequence
        await workflow.wait_condition(lambda: self._sequence > sequence)
        return self._vue

    @completer_tache.validator
    def _valider_completion(self, reponse: ReponseTache) -> None:
        if self._tache_ouverte is None or reponse.tache_id != self._tache_ouverte or self._reponse is not None:
            raise ValueError("Cette tâche n'attend plus de réponse : elle est déjà traitée.")

    @workflow.query
    def etat(self) -> VueRectification:
        return self._vue

    # ---- helpers

    @property
    def _d(self) -> DemandeRectification:
        assert self._demande is not None
        return self._demande

    @property
    def _id(self) -> str:
        return workflow.info().workflow_id

    async def _attendre(self, condition, timeout: timedelta | None) -> bool:
        try:
            await workflow.wait_condition(condition, timeout=timeout)
        except TimeoutError:
            return False
        return True

    async def _executer(self, methode, argument, timeout: timedelta = _COURTE):
        return await workflow.execute_activity_method(
            methode, argument, start_to_close_timeout=timeout, retry_policy=_REESSAIS
        )

    async def _etat(
        self,
        etat: EtatRectification,
        evenement: str,
        en_attente_de: Acteur | None = None,
        echeance=None,
        tache_id: int | None = None,
        termine: bool = False,
        acteur: Acteur = Acteur.cnracl,
        compte_id: int | None = None,
        details: dict | None = None,
    ) -> None:
        vue = VueRectification(
            etat=etat, en_attente_de=en_attente_de, echeance=echeance, tache_id=tache_id, termine=termine
        )
        await self._executer(
            ActivitesRectification.transition,
            TransitionRectification(
                self._d.rectification_id,
                self._id,
                vue,
                evenement,
                workflow.now(),
                acteur,
                compte_id or None,
                details or {},
            ),
        )
        self._vue = vue
        self._sequence += 1

    async def _notifier(
        self, evenement: str, destinataire: Acteur, tache_id: int | None = None, employeur_id: int | None = None
    ) -> None:
        await self._executer(
            ActivitesRectification.notifier,
            NotificationRectification(
                f"{self._id}:{evenement}:{destinataire.value}",
                self._d.rectification_id,
                evenement,
                destinataire,
                workflow.now(),
                tache_id,
                employeur_id,
            ),
            timeout=timedelta(minutes=1),
        )
