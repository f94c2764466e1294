"""An agent's documents (RIS, EIG, bilan, rectified documents, campaign documents): the list, one document,
and its PDF. The owner and supervisors only; anyone else is told there is no such document (404)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import Affilie_ou_Superviseur, CompteCourant, Identifiant, SessionDep
from api.vues_documents import DocumentPublic, DocumentResume, public, reponse_pdf, resume
from services import documents

router = APIRouter(prefix="/documents", tags=["documents"])


@router.get("", response_model=list[DocumentResume])
async def lister(
    compte: Affilie_ou_Superviseur,
    session: SessionDep,
    nir: str | None = Query(default=None, description="Superviseur : les documents de cet agent"),
    limite: int = Query(default=200, ge=1, le=500),
) -> list[DocumentResume]:
    """Lister les documents

    Les documents de l'agent lui-même, les plus récents d'abord (un superviseur désigne l'agent par son NIR)."""
    return [resume(d) for d in await documents.lister(session, compte, nir, limite)]


@router.get("/{document_id}", response_model=DocumentPublic)
async def consulter(document_id: Identifiant, compte: CompteCourant, session: SessionDep) -> DocumentPublic:
    """Consulter un document

    Un document (RIS, EIG, bilan, document rectifié, document de campagne) : son agent ou un superviseur ; pour
    tout autre compte, il n'existe pas (404)."""
    return public(await documents.document_visible(session, compte, document_id))


@router.get(
    "/{document_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "Le document en PDF"}},
)
async def pdf(document_id: Identifiant, compte: CompteCourant, session: SessionDep) -> Response:
    """Document en PDF

    Le document en PDF (même contenu que sa page) : titre, dates, périodes et montants."""
    return await reponse_pdf(session, await documents.document_visible(session, compte, document_id))
