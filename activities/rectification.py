"""Side effects of a rectificative RIS/EIG request of its own: the rectified document."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.documents import contenu_eig, contenu_ris
from domain.etats import TypeDocument
from domain.rectification import MENTION_RECLAMATION_EIG, ProductionRectifie
from persistence import depots
from persistence.db import SessionFactory, transaction
from persistence.models import Affilie, Document, RectificationTable


class ActivitesRectification:
    """The rectification's own side effect: the rectified document (its transitions, tasks and mails are the
    shared ones of ``activities.processus``)."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="rectification_produire_document")
    async def produire_document(self, production: ProductionRectifie) -> int:
        """The rectified RIS or EIG from the corrected CIR (once per request)."""
        async with transaction(self._sessions) as session:
            rectification = await _rectification(session, production.rectification_id)
            affilie = await session.get(Affilie, rectification.affilie_id)
            if affilie is None or affilie.id is None:
                raise ApplicationError(
                    f"affilié {rectification.affilie_id} introuvable", type="LigneAbsente", non_retryable=True
                )
            lignes = await depots.lignes_cir(session, affilie.id)
            aujourd_hui = production.horodatage.date()
            if rectification.type_document == TypeDocument.eig.value:
                contenu = contenu_eig(affilie, lignes, await depots.enfants(session, affilie.id), aujourd_hui)
                contenu["reclamation_eig"] = True
                contenu["mention"] = MENTION_RECLAMATION_EIG
            else:
                contenu = contenu_ris(affilie, lignes, aujourd_hui)
            contenu.update(
                rectificatif=True, annee_document=rectification.annee_document, rectification_id=rectification.id
            )
            document, _ = await depots.enregistrer_document(
                session,
                Document(
                    cle=f"{rectification.workflow_id}:document",
                    type=rectification.type_document,
                    affilie_id=affilie.id,
                    cree_le=production.horodatage,
                    contenu=contenu,
                ),
            )
            if document.id is None:
                raise ApplicationError("document enregistré sans numéro", type="DocumentSansNumero")
            return document.id


async def _rectification(session: AsyncSession, rectification_id: int) -> RectificationTable:
    rectification = await session.get(RectificationTable, rectification_id)
    if rectification is None:
        raise ApplicationError(
            f"rectification {rectification_id} inconnue", type="RectificationInconnue", non_retryable=True
        )
    return rectification
