"""EcheanceValidationWorkflow — one titularisation's deadline to ask the validation of non-titular services.

Reminders to the agent and the employer before the deadline; a request before it (made in the service, or
elsewhere and recorded by a supervisor with its real date and proof) opens a dossier: a certificates task for
each employer where the services were done, listing the periods (unanswered past a delay: decided on what came);
the certified periods held apart with the contributions they owe; then a supervisor's decision, reminded, which
alone writes the periods into the CIR (on acceptance); no decision within the overall delay: closed « sans
décision ». A request after the deadline is refused with the rule that refuses it; no request → *forclos*.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.validation import ActivitesValidation
    from domain.etats import Acteur, EtatTache, TypeTache
    from domain.processus import Parties, ReferenceProcessus, TypeProcessus
    from domain.validation import (
        PARIS,
        DecisionValidation,
        DemandeValidation,
        EcheanceValidationEntree,
        EnregistrementCertificats,
        EtatValidation,
        PeriodeCertifiee,
        PeriodesAValider,
        ValidationDesPeriodes,
        VueValidation,
        fin_du_delai,
    )
    from workflows.processus import DemandeTache, Deroulement, MailsTache, ProcessusWorkflow, TacheExpiree, refus


@workflow.defn
class EcheanceValidationWorkflow(ProcessusWorkflow[VueValidation]):
    PREFIXE_MAILS = "validation"

    @workflow.init
    def __init__(self, entree: EcheanceValidationEntree) -> None:
        self._entree = entree
        self._demande: DemandeValidation | None = entree.demande
        self._decision: DecisionValidation | None = None
        self._processus = Deroulement(
            ReferenceProcessus(TypeProcessus.validation, entree.dossier_id),
            VueValidation(etat=EtatValidation.ouverte, en_attente_de=Acteur.affilie),
            Parties(entree.affilie_id, entree.employeur_id),
            regles=entree.delais.incidents,
            # the agent's retirement or death ends the dossier (read again before each task)
            cloturable=True,
        )
        # a new run of a dossier already written (a request recorded after its forclusion) numbers on from it
        self._processus.sequence = entree.sequence_initiale

    @workflow.run
    async def run(self, entree: EcheanceValidationEntree) -> VueValidation:
        return await self.derouler(self._suivre)

    def _vue_finale(self, etat: str) -> VueValidation:
        """Cancelled, or without object once the agent retired (mailed) or died (no mail)."""
        return VueValidation(etat=EtatValidation(etat), termine=True)

    async def _suivre(self) -> None:
        processus, entree, fin = self._processus, self._entree, self._fin_du_delai
        if entree.demande is not None:
            # A request made on time elsewhere, recorded after the dossier closed: instructed at once.
            await self._instruire()
            return
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
        processus, entree, demande = self._processus, self._entree, self._demande
        if demande is None:  # ``_suivre`` instructs only a request received
            raise RuntimeError("dossier sans demande")
        date_demande = demande.date_demande or workflow.now().astimezone(PARIS).date()
        recue: dict[str, object] = {"date_demande": date_demande.isoformat(), "periodes": len(demande.periodes)}
        if demande.preuve:
            recue["preuve"] = demande.preuve
        await processus.etat(
            VueValidation(etat=EtatValidation.instruction_employeur, en_attente_de=Acteur.employeur),
            "demande_recue",
            acteur=Acteur.superviseur if demande.preuve else Acteur.affilie,
            compte_id=demande.compte_id,
            details=recue,
        )
        await processus.notifier("validation_demande_recue", Acteur.affilie)
        await self._certificats(demande, date_demande)
        tache = await processus.ouvrir_tache(
            self._demande_de_tache(
                TypeTache.decision_validation, EtatValidation.decision_superviseur, Acteur.superviseur
            )
        )
        await processus.notifier("validation_decision_attendue", Acteur.superviseur, tache_id=tache)
        if not await self._attendre_decision(tache):
            await processus.clore_tache(
                tache,
                VueValidation(etat=EtatValidation.sans_decision, termine=True),
                "sans_decision",
                etat=EtatTache.annulee,
                details={"delai_jours": entree.instruction.decision.days},
            )
            await processus.notifier("validation_sans_decision", Acteur.affilie)
            return
        decision = self._decision
        if decision is None:  # ``_attendre_decision`` returns True once decided
            raise RuntimeError("dossier sans décision")
        vue = VueValidation(etat=EtatValidation(decision.decision), termine=True)
        motif = {"motif": decision.motif}
        if decision.decision == EtatValidation.acceptee.value:
            # Only now do the certified periods enter the CIR, as validated services, with the decision.
            await processus.executer_et_ecrire(
                ActivitesValidation.valider_periodes,
                lambda transition: ValidationDesPeriodes(
                    entree.dossier_id,
                    replace(transition, acteur=Acteur.superviseur, compte_id=decision.compte_id or None, details=motif),
                    tache,
                ),
                vue,
                "decision_acceptee",
            )
            processus.tache_ouverte = None
        else:
            await processus.clore_tache(
                tache,
                vue,
                f"decision_{decision.decision}",
                acteur=Acteur.superviseur,
                compte_id=decision.compte_id,
                details=motif,
            )
        await processus.notifier("validation_decision_agent", Acteur.affilie)
        if entree.employeur_id is not None:
            await processus.notifier("validation_decision_employeur", Acteur.employeur)

    async def _certificats(self, demande: DemandeValidation, date_demande: date) -> None:
        """A certificates task for each employer where the services were done, one after the other, listing its
        periods; the answers held apart (not in the CIR) with the contributions they owe."""
        processus, entree = self._processus, self._entree
        groupes = await processus.executer(
            ActivitesValidation.employeurs_des_periodes,
            PeriodesAValider(entree.dossier_id, entree.employeur_id, demande.periodes),
        )
        certifiees: list[PeriodeCertifiee] = []
        for rang, groupe in enumerate(groupes):
            processus.tour = rang  # each employer's task and mails under keys of their own
            try:
                reponse = await processus.tache(
                    self._demande_de_tache(
                        TypeTache.certificats_services_validation,
                        EtatValidation.instruction_employeur,
                        Acteur.employeur,
                        employeur_id=groupe.employeur_id,
                        periodes=groupe.periodes,
                    ),
                    MailsTache("validation_certificats_employeur", "validation_relance", "validation_escalade"),
                )
            except TacheExpiree as expiree:
                await processus.clore_tache(
                    expiree.tache_id,
                    VueValidation(etat=EtatValidation.instruction_employeur, en_attente_de=Acteur.cnracl),
                    "certificats_non_recus",
                    etat=EtatTache.annulee,
                    details={"employeur_id": groupe.employeur_id, "delai_jours": entree.instruction.certificats.days},
                )
                continue
            certifiees += [PeriodeCertifiee(groupe.employeur_id, ligne) for ligne in reponse.corrections]
        processus.tour = 0
        await processus.executer(
            ActivitesValidation.enregistrer_certificats,
            EnregistrementCertificats(entree.dossier_id, certifiees, date_demande),
        )

    async def _attendre_decision(self, tache: int) -> bool:
        """The supervisors reminded when the decision is overdue, and again at the escalation delay; ``False``
        when the overall delay passes with no decision."""
        processus, entree = self._processus, self._entree
        delais = entree.delais
        decidee = self._decidee
        if await processus.attendre(decidee, delais.relance):
            return True
        await processus.marquer(tache, "relance_superviseur", relancee=True)
        await processus.notifier("validation_decision_relance", Acteur.superviseur, tache_id=tache, tour=0)
        if await processus.attendre(decidee, delais.escalade - delais.relance):
            return True
        await processus.marquer(tache, "escalade_superviseur", escaladee=True)
        await processus.notifier("validation_decision_relance", Acteur.superviseur, tache_id=tache, tour=1)
        reste = entree.instruction.decision - delais.escalade
        return await processus.attendre(decidee, max(reste, timedelta(seconds=1)))

    def _decidee(self) -> bool:
        return self._decision is not None

    def _demande_de_tache(
        self,
        type: TypeTache,
        etat: EtatValidation,
        destinataire: Acteur,
        employeur_id: int | None = None,
        periodes: list[dict[str, str]] | None = None,
    ) -> DemandeTache[VueValidation]:
        entree = self._entree
        details: dict[str, object] = {"dossier_id": entree.dossier_id}
        if periodes:
            details["periodes_a_certifier"] = periodes
        expiration = entree.instruction.certificats if destinataire is Acteur.employeur else None
        vue = VueValidation(etat=etat)
        # ``ecrire_cir``: the certified periods wait for the decision, not written into the CIR with the answer
        return DemandeTache(
            type, vue, destinataire, employeur_id, entree.delais, details, ecrire_cir=False, expiration=expiration
        )

    def _demandee(self) -> bool:
        return self._demande is not None

    @property
    def _fin_du_delai(self) -> datetime:
        return fin_du_delai(self._entree.date_limite)

    # ---- updates and query

    @workflow.update
    async def demander(self, demande: DemandeValidation) -> VueValidation:
        await self._processus.rattraper(demande.sequence, lambda: self._verifier_demande(demande))
        self._demande = demande
        return await self._processus.apres_ecriture()

    @demander.validator
    def _valider_demande(self, demande: DemandeValidation) -> None:
        self._processus.valider(demande.sequence, lambda: self._verifier_demande(demande))

    @workflow.update
    async def decider(self, decision: DecisionValidation) -> VueValidation:
        await self._processus.rattraper(decision.sequence, self._verifier_decision)
        self._decision = decision
        return await self._processus.apres_ecriture()

    @decider.validator
    def _valider_decision(self, decision: DecisionValidation) -> None:
        self._processus.valider(decision.sequence, self._verifier_decision)

    # ---- checks of a person's answers

    def _verifier_demande(self, demande: DemandeValidation) -> None:
        if demande.date_demande is not None:
            # a request made elsewhere counts from the date it was really made
            hors_delai = demande.date_demande > self._entree.date_limite
        else:
            hors_delai = workflow.now() >= self._fin_du_delai
        if hors_delai or self._processus.vue.etat is EtatValidation.forclose:
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
