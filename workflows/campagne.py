"""CampagneDaiWorkflow — the annual DAI campaign, as the seed describes it (DESIGN §4.2, slides 9–18).

July N: the cohorts are selected; each employer gets one mail listing its agents whose CIR needs
an update and one task per agent; reminders before the cut-off; at the cut-off, the late employers
are listed for the supervisors. Then the data go to the GIP Info Retraite collector, one export per
batch. From September to December N+1 the documents are produced and announced, tranche by
tranche. Every step fans out to child workflows, one per batch of employers, a few at a time; the
campaign continues as new between steps when its history grows. Supervisors pause and resume it.
A dry run (``simulation``) selects and counts, and sends nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.campagne import ActivitesCampagne
    from activities.campagne_echeances import ActivitesEcheances
    from domain.campagne import (
        LOT_ANCIENS_AFFILIES,
        PARIS,
        ActionSuperviseur,
        Avancement,
        Cloture,
        ClotureEnvoi,
        ComptageLivraisons,
        Compteurs,
        DemandeCampagne,
        EtapeCampagne,
        LancementAnnuel,
        LivraisonsModifiees,
        OuvertureCampagne,
        Previsionnel,
        ResultatSelection,
        Selection,
        TacheLot,
        TransitionCampagne,
        TravailLot,
        VueCampagne,
        id_workflow_campagne,
    )
    from domain.campagne_echeances import EcheanceEmployeurs
    from domain.etats import Acteur
    from workflows.campagne_delai import DelaiEmployeurWorkflow
    from workflows.campagne_lot import CampagneLotWorkflow

_COURTE = timedelta(seconds=30)
_SANS_OBJET = ":sans_objet"  # suffix of a step's key in ``faits`` when its date bound had passed
_SQL = timedelta(minutes=20)  # bulk selection over the whole population
_REESSAIS = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@workflow.defn
class CampagneDaiWorkflow:
    @workflow.init
    def __init__(self, demande: DemandeCampagne) -> None:
        self._demande = demande
        self._avancement: Avancement | None = None
        self._etape = EtapeCampagne.planifiee
        self._prochaine: datetime | None = None
        self._verrou = asyncio.Lock()
        self._lots_en_cours = False  # a group of batches is sending: the tables hold its documents half counted

    # ------------------------------------------------------------------ process

    @workflow.run
    async def run(self, demande: DemandeCampagne) -> VueCampagne:
        calendrier = demande.calendrier
        if demande.avancement is None:
            campagne_id = await workflow.execute_activity_method(
                ActivitesCampagne.ouvrir,
                OuvertureCampagne(self._id, demande.annee, demande.simulation, calendrier, workflow.now()),
                start_to_close_timeout=_SQL,
                retry_policy=_REESSAIS,
            )
            self._avancement = Avancement(campagne_id=campagne_id, lots=[])
        else:
            self._avancement = demande.avancement
        if demande.simulation:
            await self._simuler()
        else:
            await self._pas("selection", EtapeCampagne.selection, calendrier.lancement, self._selectionner)
            await self._pas(
                "notification",
                EtapeCampagne.mise_a_jour_employeurs,
                calendrier.lancement,
                lambda: self._lots(TravailLot.notification, 0),
            )
            for rang, instant in enumerate(calendrier.rappels):
                await self._pas(
                    f"rappel-{rang}",
                    EtapeCampagne.mise_a_jour_employeurs,
                    instant,
                    partial(self._lots, TravailLot.rappel, rang),
                    avant=calendrier.date_limite,
                )
            await self._pas(
                "retardataires", EtapeCampagne.mise_a_jour_employeurs, calendrier.date_limite, self._retardataires
            )
            if calendrier.relance_retardataires is not None:
                await self._pas(
                    "relance_retardataires",
                    EtapeCampagne.mise_a_jour_employeurs,
                    calendrier.relance_retardataires,
                    self._relancer_retardataires,
                    avant=calendrier.transmission,
                )
            await self._pas(
                "nouveaux_affilies",
                EtapeCampagne.transmission,
                calendrier.transmission,
                lambda: self._selectionner(nouveaux_affilies=True),
            )
            await self._pas(
                "transmission",
                EtapeCampagne.transmission,
                calendrier.transmission,
                self._transmettre,
            )
            for rang, instant in enumerate(calendrier.tranches()):
                etape = EtapeCampagne.attente_envoi if rang == 0 else EtapeCampagne.envoi_documents
                # No document after the legal end of the sending year (31 December N+1), even after a long pause.
                await self._pas(
                    f"documents-{rang}",
                    etape,
                    instant,
                    partial(self._lots, TravailLot.documents, rang),
                    avant=calendrier.limite_envoi(),
                )
            if workflow.now() >= calendrier.limite_envoi():
                await self._clore_envoi()
            hors_delai = sum(
                1 for c in self._avancement_ouvert.faits if c.startswith("documents-") and c.endswith(_SANS_OBJET)
            )
            non_atteints = self._avancement_ouvert.compteurs.non_atteints
            bilan = {"tranches_hors_delai": hors_delai, "agents_non_atteints": non_atteints}
            await self._etat(
                EtapeCampagne.terminee,
                "campagne_terminee",
                None,
                {cle: nombre for cle, nombre in bilan.items() if nombre} or None,
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._vue()

    async def _pas(
        self,
        cle: str,
        etape: EtapeCampagne,
        quand: datetime,
        action: Callable[[], Awaitable[None]],
        avant: datetime | None = None,
    ) -> None:
        """One step of the calendar: wait for its date (and for a resumption), do it, once."""
        avancement = self._avancement_ouvert
        if cle in avancement.faits:
            return
        if quand > workflow.now():
            await self._etat(etape, "en_attente", quand, {"pas": cle})
            await asyncio.sleep((quand - workflow.now()).total_seconds())
        await workflow.wait_condition(lambda: not avancement.en_pause)
        if avant is not None and workflow.now() >= avant:
            # A reminder after the cut-off, a tranche after the legal end: not done, and remembered as such.
            avancement.faits.append(f"{cle}{_SANS_OBJET}")
            await self._terminer_pas(cle, etape, f"{cle}_sans_objet")
            return
        await self._etat(etape, f"{cle}_commence", None, {"pas": cle})
        await action()
        await self._terminer_pas(cle, etape, f"{cle}_termine")

    async def _terminer_pas(self, cle: str, etape: EtapeCampagne, evenement: str) -> None:
        self._avancement_ouvert.faits.append(cle)
        await self._etat(etape, evenement, None, {"pas": cle})
        info = workflow.info()
        if (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() > self._demande.reglages.seuil_historique
        ):
            await workflow.wait_condition(workflow.all_handlers_finished)
            workflow.continue_as_new(replace(self._demande, avancement=self._avancement_ouvert))

    async def _selectionner(self, nouveaux_affilies: bool = False) -> None:
        demande = self._demande
        resultat: ResultatSelection = await workflow.execute_activity_method(
            ActivitesCampagne.selectionner,
            Selection(
                self._avancement_ouvert.campagne_id,
                demande.annee,
                demande.reglages.taille_lot_employeurs,
                len(demande.calendrier.tranches()),
                demande.calendrier.date_limite,
                workflow.now(),
                nouveaux_affilies,
            ),
            start_to_close_timeout=_SQL,
            retry_policy=_REESSAIS,
        )
        compteurs = self._avancement_ouvert.compteurs
        self._avancement_ouvert.lots = resultat.lots
        compteurs.agents = resultat.agents
        compteurs.a_mettre_a_jour = resultat.a_mettre_a_jour
        compteurs.employeurs = resultat.employeurs

    async def _lots(self, travail: TravailLot, rang: int) -> None:
        """Fan out to one child per batch of employers, a few at a time; pausing stops between groups. No document
        goes out at or after the legal end of the sending: not from a batch still to start (a tranche paused and
        resumed after it), nor from the next packet of a batch under way."""
        demande, avancement = self._demande, self._avancement_ouvert
        limite = demande.calendrier.limite_envoi() if travail is TravailLot.documents else None
        parallele = max(1, demande.reglages.lots_en_parallele)
        for debut in range(0, len(avancement.lots), parallele):
            await workflow.wait_condition(lambda: not avancement.en_pause)
            if limite is not None and workflow.now() >= limite:
                await self._etat(
                    self._etape,
                    "envoi_arrete_fin_legale",
                    None,
                    {"pas": f"documents-{rang}", "lots_non_commences": len(avancement.lots) - debut},
                )
                return
            groupe = avancement.lots[debut : debut + parallele]
            self._lots_en_cours = True
            bilans = await asyncio.gather(
                *(
                    workflow.execute_child_workflow(
                        CampagneLotWorkflow.run,
                        TacheLot(
                            avancement.campagne_id,
                            self._id,
                            demande.annee,
                            lot,
                            travail,
                            rang,
                            demande.reglages.taille_paquet,
                            workflow.now(),
                            demande.calendrier.date_limite,
                            limite_envoi=limite,
                        ),
                        id=f"{self._id}-{travail.value}-{rang}-lot-{lot}",
                    )
                    for lot in groupe
                )
            )
            for bilan in bilans:
                avancement.compteurs.ajouter(bilan)
            self._lots_en_cours = False

    async def _transmettre(self) -> None:
        """Every batch of employers to the collector, then the cohorts' former affiliates."""
        await self._lots(TravailLot.transmission, 0)
        demande, avancement = self._demande, self._avancement_ouvert
        bilan = await workflow.execute_activity_method(
            ActivitesCampagne.traiter_lot,
            TacheLot(
                avancement.campagne_id,
                self._id,
                demande.annee,
                LOT_ANCIENS_AFFILIES,
                TravailLot.transmission,
                0,
                demande.reglages.taille_paquet,
                workflow.now(),
                demande.calendrier.date_limite,
            ),
            start_to_close_timeout=_SQL,
            retry_policy=_REESSAIS,
        )
        avancement.compteurs.ajouter(bilan)

    async def _retardataires(self) -> None:
        self._avancement_ouvert.compteurs.employeurs_en_retard = await workflow.execute_activity_method(
            ActivitesCampagne.signaler_retardataires,
            Cloture(self._avancement_ouvert.campagne_id, self._id, self._demande.annee, workflow.now()),
            start_to_close_timeout=_SQL,
            retry_policy=_REESSAIS,
        )

    async def _relancer_retardataires(self) -> None:
        """The late employers' one reminder after the cut-off (their tasks closed, their CIR still read at the
        transmission); an employer with its own deadline has its own (``DelaiEmployeurWorkflow``)."""
        demande, avancement = self._demande, self._avancement_ouvert
        avancement.compteurs.relances_apres_limite = await workflow.execute_activity_method(
            ActivitesEcheances.relancer_apres_limite,
            EcheanceEmployeurs(
                campagne_id=avancement.campagne_id,
                workflow_id=self._id,
                annee=demande.annee,
                horodatage=workflow.now(),
                date_limite=demande.calendrier.date_limite,
                transmission=demande.calendrier.transmission,
            ),
            start_to_close_timeout=_SQL,
            retry_policy=_REESSAIS,
        )

    async def _clore_envoi(self) -> None:
        """The sending is over at its legal end: the agents it left without their document are counted (the state,
        the query) and told to the supervisors (an incident)."""
        demande, avancement = self._demande, self._avancement_ouvert
        avancement.compteurs.non_atteints = await workflow.execute_activity_method(
            ActivitesCampagne.clore_envoi,
            ClotureEnvoi(avancement.campagne_id, demande.annee, demande.calendrier.limite_envoi(), workflow.now()),
            start_to_close_timeout=_SQL,
            retry_policy=_REESSAIS,
        )

    async def _simuler(self) -> None:
        """The dry run: select (RIS, EIG and newcomers) and count; no mail, no task, no export, no document."""
        await self._etat(EtapeCampagne.selection, "simulation_commencee", None)
        await self._selectionner()
        await self._selectionner(nouveaux_affilies=True)
        await workflow.execute_activity_method(
            ActivitesCampagne.previsionnel,
            Previsionnel(self._avancement_ouvert.campagne_id, self._demande.calendrier, workflow.now()),
            start_to_close_timeout=_SQL,
            retry_policy=_REESSAIS,
        )
        await self._etat(EtapeCampagne.simulee, "simulation_terminee", None)

    # ------------------------------------------------------------------ supervisors

    @workflow.update
    async def suspendre(self, action: ActionSuperviseur) -> VueCampagne:
        # Asked in the instant between the launch and the campaign's opening (its row is written, its result not yet
        # taken): the pause waits for the opening rather than being refused as if the campaign had ended.
        await workflow.wait_condition(lambda: self._avancement is not None)
        if self._avancement_ouvert.en_pause:  # two pauses asked before the opening: the first one holds
            return self._vue()
        self._avancement_ouvert.en_pause = True
        await self._etat(
            self._etape,
            "campagne_suspendue",
            self._prochaine,
            {"motif": action.motif},
            compte_id=action.compte_id or None,
        )
        return self._vue()

    @suspendre.validator
    def _valider_suspension(self, action: ActionSuperviseur) -> None:
        if self._termine:
            raise ValueError("La campagne ne peut pas être suspendue : elle est terminée (ou c'est une simulation).")
        if self._avancement is not None and self._avancement.en_pause:
            raise ValueError("La campagne est déjà suspendue.")

    @workflow.update
    async def reprendre(self, action: ActionSuperviseur) -> VueCampagne:
        self._avancement_ouvert.en_pause = False
        await self._etat(
            self._etape,
            "campagne_reprise",
            self._prochaine,
            {"motif": action.motif},
            compte_id=action.compte_id or None,
        )
        return self._vue()

    @reprendre.validator
    def _valider_reprise(self, action: ActionSuperviseur) -> None:
        if self._avancement is None or not self._avancement.en_pause:
            raise ValueError("La campagne n'est pas suspendue : il n'y a rien à reprendre.")

    @workflow.signal
    async def livraisons_modifiees(self, modification: LivraisonsModifiees) -> None:
        """Documents already sent changed their way (a mail came back): the mails and letters counted again from the
        tables, between two groups of batches (a group under way has reported nothing yet); written only when the
        count changed, so the same bounce reported again writes nothing."""
        while True:
            await workflow.wait_condition(lambda: self._avancement is not None and not self._lots_en_cours)
            livraisons = await workflow.execute_activity_method(
                ActivitesCampagne.compter_livraisons,
                ComptageLivraisons(self._avancement_ouvert.campagne_id),
                start_to_close_timeout=_SQL,
                retry_policy=_REESSAIS,
            )
            if not self._lots_en_cours:
                break
        compteurs = self._avancement_ouvert.compteurs
        if livraisons == compteurs.livraisons():
            return
        compteurs.recompter(livraisons)
        await self._etat(
            self._etape,
            "livraisons_recomptees",
            self._prochaine,
            {"processus": modification.processus_id, **asdict(livraisons)},
        )

    @workflow.query
    def progression(self) -> VueCampagne:
        return self._vue()

    # ------------------------------------------------------------------ helpers

    @property
    def _termine(self) -> bool:
        return self._etape in (EtapeCampagne.terminee, EtapeCampagne.simulee) or bool(self._demande.simulation)

    @property
    def _avancement_ouvert(self) -> Avancement:
        """The progress, once the campaign is opened (the first step of ``run``)."""
        if self._avancement is None:
            raise RuntimeError("campagne pas encore ouverte")
        return self._avancement

    @property
    def _id(self) -> str:
        return workflow.info().workflow_id

    def _vue(self) -> VueCampagne:
        avancement = self._avancement
        return VueCampagne(
            annee=self._demande.annee,
            annee_envoi=self._demande.annee_envoi,
            simulation=self._demande.simulation,
            etape=self._etape,
            en_pause=bool(avancement and avancement.en_pause),
            prochaine_echeance=self._prochaine,
            compteurs=avancement.compteurs if avancement else Compteurs(),
            nb_lots=len(avancement.lots) if avancement else 0,
        )

    async def _etat(
        self,
        etape: EtapeCampagne,
        evenement: str,
        prochaine: datetime | None,
        details: dict[str, Any] | None = None,
        compte_id: int | None = None,
    ) -> None:
        """Write the projection (one at a time, so the last write carries the latest pause flag)."""
        async with self._verrou:
            self._etape, self._prochaine = etape, prochaine
            avancement = self._avancement_ouvert
            await workflow.execute_activity_method(
                ActivitesCampagne.transition,
                TransitionCampagne(
                    campagne_id=avancement.campagne_id,
                    workflow_id=self._id,
                    etape=etape,
                    evenement=evenement,
                    en_pause=avancement.en_pause,
                    prochaine_echeance=prochaine,
                    compteurs=avancement.compteurs,
                    horodatage=workflow.now(),
                    acteur=Acteur.cnracl if compte_id is None else Acteur.superviseur,
                    compte_id=compte_id,
                    details=details or {},
                ),
                start_to_close_timeout=_COURTE,
                retry_policy=_REESSAIS,
            )


@workflow.defn
class LancementCampagneWorkflow:
    """What the Temporal Schedule starts each 1 July: the campaign of the current year (Europe/Paris)."""

    @workflow.run
    async def run(self, lancement: LancementAnnuel) -> str:
        annee = workflow.now().astimezone(PARIS).year
        lancement = replace(lancement, annee=annee)
        calendrier = await workflow.execute_activity_method(
            ActivitesCampagne.calendrier, lancement, start_to_close_timeout=_COURTE, retry_policy=_REESSAIS
        )
        workflow_id = id_workflow_campagne(annee)
        try:
            await workflow.start_child_workflow(
                CampagneDaiWorkflow.run,
                DemandeCampagne(annee, calendrier, lancement.reglages),
                id=workflow_id,
                parent_close_policy=ParentClosePolicy.ABANDON,
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.info("campagne %s déjà lancée", annee)
        return workflow_id


WORKFLOWS_CAMPAGNE = (CampagneDaiWorkflow, CampagneLotWorkflow, LancementCampagneWorkflow, DelaiEmployeurWorkflow)
