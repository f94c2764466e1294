"""Every document an agent sees, downloadable as a real PDF with the content of its page: the RIS and the bilan
of an EIR, a rectified RIS, a campaign EIG. The documents are built by the activities' own functions (the
calculation module for the amounts) and stored as the worker stores them; only their owner and supervisors
get them, anyone else is told there is no such document."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from markupsafe import escape

from activities.documents import contenu_bilan, contenu_eig, contenu_ris
from domain.montants import euros
from domain.task_queues import id_workflow_eir
from persistence import depots
from persistence.db import transaction
from tests.support.documents import dossier_agent, stocker_document
from tests.support.navigateur import navigateur
from tests.support.service import service_seul
from tests.support.texte_pdf import texte_pdf


@pytest.fixture
async def service(tmp_path, url_sqlite):
    async with service_seul(tmp_path, url_sqlite) as service:
        maintenant = datetime.now(UTC)
        le = date.today()
        async with transaction(service.sessions) as session:
            affilie, lignes, enfants = await dossier_agent(session, service.pop.affilie.id)
            demande = await depots.creer_demande_eir(session, affilie, le, "en_ligne", maintenant, id_workflow_eir)
            ris = contenu_ris(affilie, lignes, le)
            bilan = contenu_bilan(affilie, lignes, enfants, 612, le)
            rectifie = contenu_ris(affilie, lignes, le) | {
                "rectificatif": True,
                "annee_document": 2025,
                "rectification_id": 4,
            }
            eig = contenu_eig(affilie, lignes, enfants, le) | {
                "campagne": {"annee": 2025, "annee_envoi": 2026},
                "cohorte": "eig",
                "age": 58,
            }
            docs = {}
            for nom, type_, contenu, demande_id in (
                ("ris", "ris", ris, demande.id),
                ("bilan", "bilan", bilan, demande.id),
                ("rectifie", "ris", rectifie, None),
                ("eig", "eig", eig, None),
            ):
                docs[nom] = await stocker_document(session, nom, type_, affilie, contenu, demande_id, maintenant)
        service.docs = {nom: d.id for nom, d in docs.items()}
        service.contenus = {"ris": ris, "bilan": bilan, "rectifie": rectifie, "eig": eig}
        service.demande_id = demande.id
        yield service


def _montant(valeur) -> str:
    """As the PDF writes it: Marianne has no narrow no-break space, a no-break space instead."""
    return euros(valeur).replace("\u202f", "\u00a0")


def _aplati(texte: str) -> str:
    """Words separated by one space (a table cell wraps its text over several lines)."""
    return " ".join(texte.split())


def _contient(texte: str, *morceaux: str) -> None:
    for morceau in morceaux:
        assert _aplati(morceau) in _aplati(texte), morceau


def _verifier_pdf(reponse, prefixe: str) -> str:
    assert reponse.status_code == 200, reponse.text[:300]
    assert reponse.headers["content-type"] == "application/pdf"
    disposition = reponse.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="cnracl-{prefixe}-') and disposition.endswith('.pdf"')
    assert reponse.content.startswith(b"%PDF-") and reponse.content.rstrip().endswith(b"%%EOF")
    assert len(reponse.content) > 3000
    return texte_pdf(reponse.content)


async def test_le_bilan_en_pdf_porte_les_montants_de_la_page(service):
    camille = await navigateur(service, "camille")
    page = await camille.get(f"/eir/{service.demande_id}/bilan")
    assert page.status_code == 200
    assert f'href="/documents/{service.docs["bilan"]}/pdf"' in page.text and "Télécharger en PDF" in page.text
    texte = _verifier_pdf(await camille.get(f"/documents/{service.docs['bilan']}/pdf"), "bilan")
    bilan = service.contenus["bilan"]
    assert "Bilan personnalisé retraite" in texte
    assert "indice majoré de fin de carrière 612" in texte
    assert "Camille Martin" in texte
    assert len(bilan["points"]) >= 2
    for point in bilan["points"]:
        _contient(
            texte,
            point["libelle"],
            _montant(point["pension_brute_mensuelle"]),
            _montant(point["pension_brute_annuelle"]),
        )


async def test_le_ris_en_pdf_porte_chaque_periode(service):
    camille = await navigateur(service, "camille")
    page = await camille.get(f"/eir/{service.demande_id}")
    assert f'href="/documents/{service.docs["ris"]}/pdf"' in page.text
    texte = _verifier_pdf(await camille.get(f"/documents/{service.docs['ris']}/pdf"), "ris")
    ris = service.contenus["ris"]
    assert "Relevé individuel de situation" in texte and "Périodes de services, une ligne par année civile" in texte
    _contient(texte, f"{ris['trimestres']} trimestres de services sur {ris['nb_periodes']} périodes")
    lignes = texte.splitlines()
    for periode in ris["periodes"]:
        assert str(periode["annee"]) in lignes
    assert "Titulaire" in lignes


async def test_documents_rectifie_et_de_campagne(service):
    camille = await navigateur(service, "camille")
    page = await camille.get("/documents")
    assert page.status_code == 200 and "<h1>Mes documents</h1>" in page.text
    for nom in ("ris", "bilan", "rectifie", "eig"):
        assert f'href="/documents/{service.docs[nom]}/pdf"' in page.text, nom
    assert "Documents rectifiés" in page.text and "Campagne 2025 (envoi 2026)" in page.text
    vue = await camille.get(f"/documents/{service.docs['eig']}")
    assert vue.status_code == 200 and "Estimation indicative globale" in vue.text
    texte = _verifier_pdf(await camille.get(f"/documents/{service.docs['eig']}/pdf"), "eig")
    _contient(texte, "Droit à l'information retraite : campagne 2025, envoi 2026.")
    # What it covers: the CNRACL's pension only, the other schemes' on info-retraite.fr.
    perimetre = service.contenus["eig"]["perimetre"]
    assert "info-retraite.fr" in perimetre and str(escape(perimetre)) in vue.text
    _contient(texte, perimetre)
    for point in service.contenus["eig"]["points"]:
        assert str(escape(point["libelle"])) in vue.text
        _contient(texte, point["libelle"], _montant(point["pension_brute_mensuelle"]))
    texte = _verifier_pdf(await camille.get(f"/documents/{service.docs['rectifie']}/pdf"), "ris")
    _contient(texte, "Document rectificatif (demande de rectification RECT-4, document de 2025).")


async def test_seuls_le_proprietaire_et_le_superviseur_obtiennent_le_pdf(service):
    bilan = service.docs["bilan"]
    api = {nom: await service.http(nom) for nom in ("camille", "jean", "rh-commune", "drh", "superviseur")}
    _verifier_pdf(await api["camille"].get(f"/documents/{bilan}/pdf"), "bilan")
    _verifier_pdf(await api["superviseur"].get(f"/documents/{bilan}/pdf"), "bilan")
    for autre in ("jean", "rh-commune", "drh"):
        refus = await api[autre].get(f"/documents/{bilan}/pdf")
        assert refus.status_code == 404, autre
        assert refus.json()["detail"] == f"Aucun document n° {bilan} dans votre espace."
        assert (await api[autre].get(f"/documents/{bilan}")).status_code == 404
    assert (await (await service.http()).get(f"/documents/{bilan}/pdf")).status_code == 401
    liste = (await api["camille"].get("/documents")).json()
    assert {d["id"] for d in liste} == set(service.docs.values())
    assert (await api["jean"].get("/documents")).json() == []
    # The supervisor names the agent; the agent's JSON holds the content of the page.
    assert len((await api["superviseur"].get("/documents", params={"nir": service.pop.affilie.nir})).json()) == 4
    assert (await api["superviseur"].get("/documents")).status_code == 422
    contenu = (await api["camille"].get(f"/documents/{bilan}")).json()
    assert contenu["titre"] == "Bilan personnalisé retraite" and contenu["contenu"]["points"]
    # Pages: another agent gets the error page, not the document.
    jean = await navigateur(service, "jean")
    refus = await jean.get(f"/documents/{bilan}/pdf")
    assert refus.status_code == 404 and "Martin" not in refus.text and refus.content[:4] != b"%PDF"
    assert (await jean.get(f"/documents/{bilan}")).status_code == 404
    assert (await jean.get("/documents/99999999999")).status_code == 404
    superviseur = await navigateur(service, "superviseur")
    _verifier_pdf(await superviseur.get(f"/documents/{bilan}/pdf"), "bilan")


@pytest.mark.parametrize("resultat", ["corrigee", "aucune_erreur"])
def test_le_pdf_d_une_rectification_dit_sa_reponse(resultat: str):
    """Each outcome its own document: the lines the employer changed, or its reason for finding no error."""
    from api.documents_pdf import rendre_pdf

    reponse = {
        "resultat": resultat,
        "periode_debut": "2005-01-01",
        "periode_fin": "2005-12-31",
        "lignes_modifiees": (
            [{"date_debut": "2005-01-01", "date_fin": "2005-12-31", "quotite": 80, "employeur": "Commune"}]
            if resultat == "corrigee"
            else []
        ),
        "motifs": [{"employeur": "Commune", "motif": "Temps plein attesté"}] if resultat == "aucune_erreur" else [],
    }
    contenu = {"rectificatif": resultat == "corrigee", "rectification_id": 7, "reponse_rectification": reponse}
    texte = " ".join(texte_pdf(rendre_pdf("ris", contenu, datetime.now(UTC))).split())
    if resultat == "corrigee":
        assert "a été corrigée" in texte and "quotité 80 %" in texte and "Aucune erreur" not in texte
    else:
        assert "Aucune erreur constatée" in texte and "Temps plein attesté" in texte and "corrigée" not in texte
