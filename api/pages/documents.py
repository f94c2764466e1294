"""The agent's documents page: every RIS, EIG, bilan, rectified document and campaign document, each readable
in the browser and downloadable as PDF. The page calls the JSON routes' functions (owner or supervisor)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from api import vues_documents
from api.pages.contexte import PageAffilie, PageAffilieOuSuperviseur
from api.pages.rendu import graphique_pension
from api.parametres import Identifiant
from services import documents, eir

router = APIRouter(include_in_schema=False)


def _rubrique(doc: vues_documents.DocumentResume) -> str:
    if doc.rectificatif or doc.rectification_id:
        return "rectifies"
    if doc.campagne:
        return "campagne"
    return "eir" if doc.demande_id else "autres"


@router.get("/documents")
async def mes_documents(page: PageAffilie):
    liste = [vues_documents.resume(d) for d in await documents.lister(page.session, page.compte, None, 500)]
    rubriques: dict[str, list] = {"eir": [], "rectifies": [], "campagne": [], "autres": []}
    for doc in liste:
        rubriques[_rubrique(doc)].append(doc)
    return page.rendre(
        "agent/documents.html",
        {"rubriques": rubriques, "total": len(liste), "remplaces": eir.remplacements(liste)},
    )


@router.get("/documents/{document_id}")
async def document(page: PageAffilieOuSuperviseur, document_id: Identifiant):
    stocke = await documents.document_visible(page.session, page.compte, document_id)
    doc = vues_documents.public(stocke)
    if doc.type == "bilan" and doc.demande_id:
        return RedirectResponse(f"/eir/{doc.demande_id}/bilan", status_code=303)
    graphique = graphique_pension(doc.contenu["points"]) if doc.type == "bilan" and doc.contenu.get("points") else None
    return page.rendre(
        "agent/document.html",
        {
            "demande": None,
            "document": doc,
            "contenu": doc.contenu,
            "graphique": graphique,
            "autour": await eir.autour_du_document(page.session, page.compte, stocke),
        },
    )


@router.get("/documents/{document_id}/pdf")
async def document_pdf(page: PageAffilieOuSuperviseur, document_id: Identifiant):
    doc = await documents.document_visible(page.session, page.compte, document_id)
    return await vues_documents.reponse_pdf(page.session, doc)
