"""The EIR's own side effects: its RIS, its bilan, its survey (its transitions, tasks and mails are the shared
ones of ``activities.processus``). Each method is one activity; the class holds its dependencies.

Every write is idempotent: a retried or replayed step stores nothing twice and mails no one twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.documents import contenu_bilan, contenu_ris
from activities.mails import ExpediteurMails
from activities.processus import ActivitesProcessus
from domain.eir import EnregistrementEnquete, ProductionDocument, PublicationRis, autres_regimes
from domain.etats import TypeDocument
from persistence import depots
from persistence.db import SessionFactory, transaction
from persistence.models import Affilie, DemandeEirTable, Document, Enfant, LigneCirTable, ReponseEnqueteTable

Contenu = Callable[
    [Affilie, Sequence[LigneCirTable], Sequence[Enfant], DemandeEirTable, Sequence[dict[str, Any]]], dict[str, Any]
]


class ActivitesEir:
    def __init__(self, sessions: SessionFactory, mails: ExpediteurMails, processus: ActivitesProcessus) -> None:
        self._sessions = sessions
        self._mails = mails
        self._processus = processus

    @activity.defn(name="eir_publier_ris")
    async def publier_ris(self, publication: PublicationRis) -> int:
        """The RIS from the CIR as it stands now, its mail to the agent, then the state « RIS disponible »: the
        RIS and its mail in the outbox committed together, the mail sent after, the state written once the mail
        is marked sent. A retry finds the RIS, sends the mail once, finds the state's event."""
        production = publication.production
        async with transaction(self._sessions) as session:
            document_id = await _produire(
                session,
                production,
                TypeDocument.ris,
                lambda affilie, lignes, enfants, demande, autres: contenu_ris(
                    affilie, lignes, production.horodatage.date(), autres, enfants
                ),
            )
            reserve = await self._processus.reserver(session, replace(publication.avis, document_id=document_id))
        transition = publication.transition
        await self._mails.expedier(reserve, ensuite=lambda session: depots.appliquer_transition(session, transition))
        return document_id

    @activity.defn(name="eir_calculer_bilan")
    async def calculer_bilan(self, production: ProductionDocument) -> int:
        """Run the pension simulations with the chosen end-of-career index and the agent's trimestres in the other
        schemes; store the bilan."""
        async with transaction(self._sessions) as session:
            return await _produire(
                session,
                production,
                TypeDocument.bilan,
                lambda affilie, lignes, enfants, demande, autres: contenu_bilan(
                    affilie, lignes, enfants, demande.indice_fin_de_carriere, production.horodatage.date(), autres
                ),
            )

    @activity.defn(name="eir_enregistrer_enquete")
    async def enregistrer_enquete(self, enregistrement: EnregistrementEnquete) -> None:
        async with transaction(self._sessions) as session:
            await depots.enregistrer_enquete(
                session,
                ReponseEnqueteTable(
                    demande_id=enregistrement.demande_id,
                    reponses=enregistrement.reponses.reponses,
                    commentaire=enregistrement.reponses.commentaire,
                    recue_le=enregistrement.horodatage,
                ),
            )


async def _produire(session: AsyncSession, production: ProductionDocument, type: TypeDocument, contenu: Contenu) -> int:
    """Store one document of the request (once: its key is the process step)."""
    demande = await session.get(DemandeEirTable, production.demande_id)
    affilie = await session.get(Affilie, demande.affilie_id) if demande is not None else None
    if demande is None or affilie is None or affilie.id is None:
        raise ApplicationError(
            f"demande EIR {production.demande_id} inconnue", type="DemandeInconnue", non_retryable=True
        )
    lignes = await depots.lignes_cir(session, affilie.id)
    enfants = await depots.enfants(session, affilie.id)
    autres = autres_regimes(await depots.durees_autres_regimes(session, affilie.id), production.horodatage.date())
    document, _ = await depots.enregistrer_document(
        session,
        Document(
            cle=production.cle,
            type=type.value,
            affilie_id=affilie.id,
            demande_id=demande.id,
            cree_le=production.horodatage,
            contenu=contenu(affilie, lignes, enfants, demande, autres),
        ),
    )
    if document.id is None:
        raise ApplicationError("document enregistré sans numéro", type="DocumentSansNumero")
    return document.id
