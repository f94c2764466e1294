"""An agent's documents (RIS, EIG, bilan, rectified documents, campaign documents): the list, one document,
and its PDF. The owner and supervisors only; anyone else is told there is no such document (404)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import col, select

from api.deps import Affilie_ou_Superviseur, CompteCourant, Identifiant, SessionDep, affaire_de_l_agent
from api.documents_pdf import PoliceAbsente, nom_de_fichier, rendre_pdf, titre_du_document
from domain.etats import Role
from domain.identifiants import erreur_nir, normaliser
from persistence import depots
from persistence.models import Affilie, Compte, Document

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


def _resume(document: Document) -> dict[str, Any]:
    assert document.id is not None
    contenu = document.contenu or {}
    return {
        "id": document.id,
        "type": document.type,
        "titre": titre_du_document(document.type, contenu),
        "cree_le": document.cree_le,
        "demande_id": document.demande_id,
        "rectification_id": contenu.get("rectification_id"),
        "campagne": contenu.get("campagne") if isinstance(contenu.get("campagne"), dict) else None,
        "rectificatif": bool(contenu.get("rectificatif")),
    }


async def document_visible(session, compte: Compte, document_id: int) -> Document:
    """The document if this account may read it: the agent it belongs to, or a supervisor. Otherwise 404."""
    return await affaire_de_l_agent(
        session, compte, Document, document_id, f"Aucun document n° {document_id} dans votre espace."
    )


@router.get("", response_model=list[DocumentResume])
async def lister(
    compte: Affilie_ou_Superviseur,
    session: SessionDep,
    nir: str | None = Query(default=None, description="Superviseur : les documents de cet agent"),
    limite: int = Query(default=200, ge=1, le=500),
) -> list[DocumentResume]:
    """The agent's own documents, the newest first (a supervisor names the agent by NIR)."""
    if compte.role == Role.affilie.value:
        affilie_id = compte.affilie_id
    else:
        if not nir:
            raise HTTPException(422, "nir : indiquez le NIR de l'agent dont vous voulez les documents.")
        if (erreur := erreur_nir(nir)) is not None:
            raise HTTPException(422, f"nir : {erreur}")
        affilie = await depots.affilie_par_nir(session, normaliser(nir))
        if affilie is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Aucun agent de NIR {normaliser(nir)}.")
        affilie_id = affilie.id
    documents = (
        await session.exec(
            select(Document)
            .where(Document.affilie_id == affilie_id)
            .order_by(col(Document.cree_le).desc(), col(Document.id).desc())
            .limit(limite)
        )
    ).all()
    return [DocumentResume(**_resume(d)) for d in documents]


@router.get("/{document_id}", response_model=DocumentPublic)
async def consulter(document_id: Identifiant, compte: CompteCourant, session: SessionDep) -> DocumentPublic:
    document = await document_visible(session, compte, document_id)
    return DocumentPublic(**_resume(document), contenu=document.contenu)


@router.get(
    "/{document_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "Le document en PDF"}},
)
async def pdf(document_id: Identifiant, compte: CompteCourant, session: SessionDep) -> Response:
    """The document as a PDF (same content as its page): title, dates, periods and amounts."""
    document = await document_visible(session, compte, document_id)
    affilie = await session.get(Affilie, document.affilie_id)
    agent = f"{affilie.prenom} {affilie.nom}" if affilie else None
    try:
        contenu = await asyncio.to_thread(rendre_pdf, document.type, document.contenu, document.cree_le, agent)
    except PoliceAbsente as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "Le PDF ne peut pas être produit pour l'instant (polices absentes du serveur) : "
            "consultez le document en ligne et réessayez plus tard.",
        ) from exc
    fichier = nom_de_fichier(document.type, document_id, document.contenu)
    return Response(
        contenu,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{fichier}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
