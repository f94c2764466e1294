"""The validation dossier's own side effects: which employer certifies which period, the certified periods held
apart with the contributions they owe, and, on acceptance only, those periods written into the CIR."""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.processus import appliquer, lire
from domain.cir import LigneCir, NatureService
from domain.erreurs import Refus
from domain.etats import EtatTache
from domain.validation import (
    CertificatsEmployeur,
    EnregistrementCertificats,
    PeriodesAValider,
    ValidationDesPeriodes,
    cotisations_retroactives,
)
from pension.parametres import valeurs_datees
from persistence import depots
from persistence.db import SessionFactory, transaction
from persistence.models import DossierValidationTable, Employeur


class ActivitesValidation:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="validation_employeurs_des_periodes")
    async def employeurs_des_periodes(self, periodes: PeriodesAValider) -> list[CertificatsEmployeur]:
        """One certificates request per employer where the declared services were done (named by SIRET); a period
        without a known employer goes to the agent's current one, which then obtains the certificate. No period
        declared: the current employer certifies them all."""
        par_employeur: dict[int, list[dict[str, str]]] = {}
        async with self._sessions() as session:
            for periode in periodes.periodes:
                employeur = (
                    await depots.employeur_par_siret(session, periode.siret_employeur)
                    if periode.siret_employeur
                    else None
                )
                employeur_id = employeur.id if employeur is not None else periodes.employeur_actuel_id
                if employeur_id is None:
                    continue
                par_employeur.setdefault(employeur_id, []).append(
                    {"debut": periode.debut.isoformat(), "fin": periode.fin.isoformat()}
                )
        if not par_employeur and periodes.employeur_actuel_id is not None:
            return [CertificatsEmployeur(periodes.employeur_actuel_id, [])]
        return [CertificatsEmployeur(employeur_id, liste) for employeur_id, liste in sorted(par_employeur.items())]

    @activity.defn(name="validation_enregistrer_certificats")
    async def enregistrer_certificats(self, enregistrement: EnregistrementCertificats) -> dict[str, Any]:
        """The certified periods kept on the dossier, apart from the CIR (the calculation does not count them), with
        the retroactive contributions they owe. Returns those contributions."""
        lignes = [periode.ligne for periode in enregistrement.periodes]
        dues = cotisations_retroactives(lignes, enregistrement.date_demande, valeurs_datees("point_indice"))
        async with transaction(self._sessions) as session:
            dossier = await lire(session, DossierValidationTable, enregistrement.dossier_id)
            certifiees = []
            for periode in enregistrement.periodes:
                ligne = periode.ligne
                if ligne.siret_employeur is None and periode.employeur_id is not None:
                    # the line keeps the employer that certified it, for the CIR on acceptance
                    employeur = await session.get(Employeur, periode.employeur_id)
                    ligne = ligne.model_copy(update={"siret_employeur": employeur.siret if employeur else None})
                certifiees.append(ligne.model_dump(mode="json", exclude_none=True))
            dossier.periodes_certifiees = certifiees
            dossier.cotisations_dues = dues
            session.add(dossier)
        return dues

    @activity.defn(name="validation_valider_periodes")
    async def valider_periodes(self, validation: ValidationDesPeriodes) -> None:
        """On acceptance: the certified periods written into the agent's CIR as validated services (each in the CIR's
        history), and the decision's state, in one transaction. Lines the CIR's invariants now refuse: nothing
        written, a non-retryable failure (the dossier stops on a business incident)."""
        async with transaction(self._sessions) as session:
            dossier = await lire(session, DossierValidationTable, validation.dossier_id)
            lignes = [
                LigneCir.model_validate({**ligne, "nature": NatureService.non_titulaire_valide.value})
                for ligne in dossier.periodes_certifiees or []
            ]
            transition = validation.transition
            try:
                await depots.ecrire_corrections_cir(
                    session,
                    dossier.affilie_id,
                    None,
                    lignes,
                    transition.horodatage,
                    "superviseur",
                    transition.compte_id,
                    {"processus": dossier.workflow_id, "motif": "services validés"},
                )
            except Refus as refus:
                raise ApplicationError(refus.message, type="PeriodesRefusees", non_retryable=True) from None
            await depots.marquer_tache(session, validation.tache_id, transition.horodatage, EtatTache.terminee.value)
            await appliquer(session, transition)
