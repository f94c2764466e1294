"""An agent's documents (RIS, EIG, bilan, rectified documents, campaign documents): the list, one document,
and its PDF. The owner and supervisors only; anyone else is told there is no such document (404)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import Affilie_ou_Superviseur, CompteCourant, Identifiant, SessionDep
from api.documents_pdf import PoliceAbsente, nom_de_fichier, rendre_pdf, titre_du_document
from domain.erreurs import Indisponible
from services import documents
from services.acces import numero
from services.base import AsyncSession
from services.documents import Document

router = APIRouter(prefix="/documents", tags=["documents"])


class DocumentResume(BaseModel):
    id: int
    type: str
    titre: str
    cree_le: datetime | None
    demande_id: int | None
    rectification_id: int | None
    campagne: dict[str, Any] | None
    rectificatif: bool


class DocumentPublic(DocumentResume):
    contenu: dict[str, Any]


def resume(document: Document) -> DocumentResume:
    contenu = document.contenu or {}
    return DocumentResume(
        id=numero(document),
        type=document.type,
        titre=titre_du_document(document.type, contenu),
        cree_le=document.cree_le,
        demande_id=document.demande_id,
        rectification_id=contenu.get("rectification_id"),
        campagne=contenu.get("campagne") if isinstance(contenu.get("campagne"), dict) else None,
        rectificatif=bool(contenu.get("rectificatif")),
    )


@router.get("", response_model=list[DocumentResume])
async def lister(
    compte: Affilie_ou_Superviseur,
    session: SessionDep,
    nir: str | None = Query(default=None, description="Superviseur : les documents de cet agent"),
    limite: int = Query(default=200, ge=1, le=500),
) -> list[DocumentResume]:
    """The agent's own documents, the newest first (a supervisor names the agent by NIR)."""
    return [resume(d) for d in await documents.lister(session, compte, nir, limite)]


@router.get("/{document_id}", response_model=DocumentPublic)
async def consulter(document_id: Identifiant, compte: CompteCourant, session: SessionDep) -> DocumentPublic:
    return public(await documents.document_visible(session, compte, document_id))


@router.get(
    "/{document_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "Le document en PDF"}},
)
async def pdf(document_id: Identifiant, compte: CompteCourant, session: SessionDep) -> Response:
    """The document as a PDF (same content as its page): title, dates, periods and amounts."""
    return await reponse_pdf(session, await documents.document_visible(session, compte, document_id))


def public(document: Document) -> DocumentPublic:
    return DocumentPublic(**resume(document).model_dump(), contenu=document.contenu)


async def reponse_pdf(session: AsyncSession, document: Document) -> Response:
    """The document as a PDF file to download (the route's answer, and the page's)."""
    agent = await documents.nom_de_l_agent(session, document)
    try:
        contenu = await asyncio.to_thread(rendre_pdf, document.type, document.contenu, document.cree_le, agent)
    except PoliceAbsente as exc:
        raise Indisponible(
            "Le PDF ne peut pas être produit pour l'instant (polices absentes du serveur) : "
            "consultez le document en ligne et réessayez plus tard."
        ) from exc
    fichier = nom_de_fichier(document.type, numero(document), document.contenu)
    return Response(
        contenu,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{fichier}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
