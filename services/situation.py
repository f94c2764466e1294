"""An affiliate's situation (DESIGN §3, « Affiliates »): the pension liquidated (``date_liquidation``) or the agent's
death (``date_de_deces``), recorded by a supervisor; each of the agent's open processes (EIR, rectification, validation dossier) is told
at once (the ``situation_affilie`` signal) and ends with that named outcome. A process the signal does not reach (the
engine out of reach) reads the situation again before its next task."""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.service import RPCError

from domain.erreurs import Introuvable, Refus
from domain.etats import Role
from domain.processus import SIGNAL_SITUATION, fin_par_situation
from domain.saisie import Saisie
from persistence import depots
from persistence.models import Compte, DemandeEirTable, DossierValidationTable, RectificationTable
from services.acces import exiger_role, numero
from services.moteur import Moteur, moteur_en_panne

journal = logging.getLogger(__name__)
PARIS = ZoneInfo("Europe/Paris")


class SituationAffilie(Saisie):
    date_liquidation: date | None = Field(default=None, description="Date d'effet de la pension CNRACL liquidée")
    date_de_deces: date | None = Field(default=None, description="Date du décès de l'agent")

    @model_validator(mode="after")
    def _au_moins_une(self) -> SituationAffilie:
        if self.date_liquidation is None and self.date_de_deces is None:
            raise ValueError(
                "date_liquidation : indiquez la date de liquidation de la pension ou la date de décès (date_de_deces)."
            )
        return self


class SituationPublique(BaseModel):
    date_liquidation: date | None
    date_de_deces: date | None
    processus_informes: int = Field(description="Processus en cours de l'agent informés (ils se terminent)")


async def enregistrer(
    session: AsyncSession, moteur: Moteur, compte: Compte, nir: str, corps: SituationAffilie
) -> SituationPublique:
    """``PUT /affilies/{nir}/situation``: record the dates given, then tell each open process of the agent."""
    exiger_role(compte, Role.superviseur)
    affilie = await depots.affilie_par_nir(session, nir)
    if affilie is None:
        raise Introuvable("Aucun affilié de ce NIR à la CNRACL.")
    aujourd_hui = datetime.now(PARIS).date()
    if corps.date_de_deces is not None and corps.date_de_deces > aujourd_hui:
        raise Refus(
            "date_de_deces : la date de décès ne peut pas être postérieure à aujourd'hui ; vérifiez-la.",
            "date_de_deces",
            "date_passee",
        )
    if corps.date_liquidation is not None:
        affilie.date_liquidation = corps.date_liquidation
    if corps.date_de_deces is not None:
        affilie.date_de_deces = corps.date_de_deces
    session.add(affilie)
    await session.commit()
    fin = fin_par_situation(affilie.date_liquidation, affilie.date_de_deces)
    affilie_id = numero(affilie)
    ouverts = [
        workflow_id
        for table in (DemandeEirTable, RectificationTable, DossierValidationTable)
        for workflow_id in (
            await session.exec(
                select(table.workflow_id).where(table.affilie_id == affilie_id, col(table.terminee_le).is_(None))
            )
        ).all()
    ]
    situation = SituationPublique(
        date_liquidation=affilie.date_liquidation, date_de_deces=affilie.date_de_deces, processus_informes=0
    )
    await session.close()
    if fin is None or not ouverts:
        return situation
    client = await moteur.client()
    for workflow_id in ouverts:
        try:
            await client.get_workflow_handle(workflow_id).signal(SIGNAL_SITUATION, fin)
        except RPCError as erreur:
            # Ended meanwhile, or the engine out of reach: the process reads the situation before its next task.
            if moteur_en_panne(erreur):
                journal.warning("situation de l'affilié non signalée à un processus : moteur injoignable")
            continue
        situation.processus_informes += 1
    return situation
