"""An agent's documents as the API and the pages show them: their summary, their content, their PDF file."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi.responses import Response
from pydantic import BaseModel

from api.documents_pdf import PoliceAbsente, nom_de_fichier, rendre_pdf, titre_du_document
from domain.erreurs import Indisponible
from services import documents
from services.acces import numero
from services.base import AsyncSession
from services.documents import Document


class DocumentResume(BaseModel):
    id: int
    type: str
    titre: str
    cree_le: datetime | None
    demande_id: int | None
    rectification_id: int | None
    campagne: dict[str, Any] | None
    rectificatif: bool
    remplace_id: int | None = None  # the version this one replaces (a campaign document re-sent)


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
        remplace_id=document.remplace_id,
    )


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
