"""The agent's documents page: every RIS, EIG, bilan, rectified document and campaign document, each readable
in the browser and downloadable as PDF. The page calls the JSON routes' functions (owner or supervisor)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from api import vues_documents
from api.deps import SessionDep
from api.pages.rendu import graphique_pension, rendre
from api.pages.session import CompteAffilie, CompteAffilieOuSuperviseur
from api.parametres import Identifiant
from services import documents

router = APIRouter(include_in_schema=False)


def _rubrique(doc: vues_documents.DocumentResume) -> str:
    if doc.rectificatif:
        return "rectifies"
    if doc.campagne:
        return "campagne"
    return "eir" if doc.demande_id else "autres"


@router.get("/documents")
async def mes_documents(request: Request, compte: CompteAffilie, session: SessionDep):
    liste = [vues_documents.resume(d) for d in await documents.lister(session, compte, None, 500)]
    rubriques: dict[str, list] = {"eir": [], "rectifies": [], "campagne": [], "autres": []}
    for doc in liste:
        rubriques[_rubrique(doc)].append(doc)
    return rendre(request, "agent/documents.html", {"rubriques": rubriques, "total": len(liste)})


@router.get("/documents/{document_id}")
async def document(request: Request, document_id: Identifiant, compte: CompteAffilieOuSuperviseur, session: SessionDep):
    doc = vues_documents.public(await documents.document_visible(session, compte, document_id))
    if doc.type == "bilan" and doc.demande_id:
        return RedirectResponse(f"/eir/{doc.demande_id}/bilan", status_code=303)
    graphique = graphique_pension(doc.contenu["points"]) if doc.type == "bilan" and doc.contenu.get("points") else None
    return rendre(
        request,
        "agent/document.html",
        {"demande": None, "document": doc, "contenu": doc.contenu, "graphique": graphique},
    )


@router.get("/documents/{document_id}/pdf")
async def document_pdf(document_id: Identifiant, compte: CompteAffilieOuSuperviseur, session: SessionDep):
    return await vues_documents.reponse_pdf(session, await documents.document_visible(session, compte, document_id))
