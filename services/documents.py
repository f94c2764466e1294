"""An agent's documents (RIS, EIG, bilan, rectified documents, campaign documents): the owner and supervisors
only; anyone else is told there is no such document."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.etats import Role
from persistence import lectures
from persistence.models import Affilie, Compte, Document
from services.acces import affaire_de_l_agent, agent_par_nir

__all__ = ["Document", "document_visible", "lister", "nom_de_l_agent"]


async def lister(session: AsyncSession, compte: Compte, nir: str | None, limite: int) -> Sequence[Document]:
    """The agent's own documents, the newest first (a supervisor names the agent by NIR)."""
    if compte.role == Role.affilie.value:
        return await lectures.documents_de_l_agent(session, compte.affilie_id, limite)
    affilie = await agent_par_nir(session, nir, "indiquez le NIR de l'agent dont vous voulez les documents.")
    return await lectures.documents_de_l_agent(session, affilie.id, limite)


async def document_visible(session: AsyncSession, compte: Compte, document_id: int) -> Document:
    """The document if this account may read it: the agent it belongs to, or a supervisor."""
    return await affaire_de_l_agent(
        session, compte, Document, document_id, f"Aucun document n° {document_id} dans votre espace."
    )


async def nom_de_l_agent(session: AsyncSession, document: Document) -> str | None:
    affilie = await session.get(Affilie, document.affilie_id)
    return f"{affilie.prenom} {affilie.nom}" if affilie else None
