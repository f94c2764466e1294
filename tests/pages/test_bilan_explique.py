"""« Comment est calculée ma pension » : the bilan explains each figure of its main simulation — trimestres, taux,
décote or surcote, traitement, minimum garanti, majoration, final amount — with the rule applied, on the page and
in its PDF, and gives one line per other departure age. The figures asserted are those the calculation module
gives for the agent's case (recomputed here), not guesses. A bilan stored before the explanation still renders."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest

import pension
from activities.documents import contenu_bilan
from domain.montants import euros
from domain.task_queues import id_workflow_eir
from persistence import depots
from persistence.db import transaction
from tests.support.documents import dossier_agent, stocker_document
from tests.support.navigateur import navigateur
from tests.support.service import service_seul
from tests.support.texte_pdf import texte_pdf

INDICE = 612
# What the section must explain, each with the rule the calculation cites for it.
INTITULES = (
    "Trimestres de services",
    "Bonifications",
    "Durée d'assurance tous régimes",
    "Trimestres requis",
    "Taux de liquidation",
    "Traitement de référence",
    "Pension avant minimum garanti",
    "Minimum garanti",
    "Majoration pour enfants",
    "Montant de votre pension",
)
# A code word: snake_case identifiers (« trimestres_requis », « pension_brute_mensuelle »).
CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


@pytest.fixture
async def service(tmp_path, url_sqlite):
    async with service_seul(tmp_path, url_sqlite) as service:
        maintenant = datetime.now(UTC)
        le = date.today()
        async with transaction(service.sessions) as session:
            affilie, lignes, enfants = await dossier_agent(session, service.pop.affilie.id)
            bilan = contenu_bilan(affilie, lignes, enfants, INDICE, le)
            ancien = {cle: valeur for cle, valeur in bilan.items() if cle != "explication"} | {
                "points": [{k: v for k, v in p.items() if k != "explication"} for p in bilan["points"]]
            }
            ids = {}
            for nom, contenu in (("ancien", ancien), ("bilan", bilan)):
                demande = await depots.creer_demande_eir(session, affilie, le, "en_ligne", maintenant, id_workflow_eir)
                doc = await stocker_document(session, nom, "bilan", affilie, contenu, demande.id, maintenant)
                ids[nom] = (demande.id, doc.id)
        service.bilan, service.ids = bilan, ids
        yield service


def _resultat_principal(bilan: dict) -> dict:
    """The calculation module's result for the bilan's first departure, the services continued to that date as
    the estimation states (the last CIR period prolonged)."""
    cas = pension.CasPension.model_validate(bilan["cas"])
    depart = date.fromisoformat(bilan["points"][0]["date_de_liquidation"])
    assert cas.periodes
    derniere = max(cas.periodes, key=lambda p: p.fin)
    situation = date.fromisoformat(bilan["estimation"]["date_de_situation"])
    suite = derniere.model_copy(update={"debut": situation, "fin": depart - timedelta(days=1)})
    return pension.simuler(
        cas.model_copy(update={"date_de_liquidation": depart, "periodes": [*cas.periodes, suite]})
    ).model_dump(mode="json")


def _aplati(texte: str) -> str:
    return " ".join(texte.replace("\u202f", "\u00a0").split())


def _texte_visible(html: str) -> str:
    corps = html.split("<main", 1)[-1]
    corps = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", corps, flags=re.S)
    return _aplati(unescape(re.sub(r"<[^>]+>", " ", corps)))


def _attendus(resultat: dict) -> list[str]:
    """The figures of the result as the section writes them."""
    taux = f"{resultat['taux_de_liquidation'] * 100:.4g}".replace(".", ",")
    attendus = [
        f"Trimestres de services : {resultat['trimestres_services']} trimestres",
        f"Durée d'assurance tous régimes : {resultat['duree_assurance_tous_regimes']} trimestres",
        f"Trimestres requis : {resultat['trimestres_requis']} trimestres",
        f"Taux de liquidation : {taux}\u00a0%",
        f"Traitement de référence : {euros(resultat['traitement_de_reference_annuel'])} par an",
        f"Pension avant minimum garanti : {euros(resultat['pension_avant_minimum'])} par an",
        f"Montant de votre pension : {euros(resultat['pension_brute_mensuelle'])} brut par mois "
        f"({euros(resultat['pension_brute_annuelle'])} par an)",
        f"indice majoré {INDICE}",
    ]
    if resultat["decote_trimestres"]:
        attendus.append(f"Décote : {resultat['decote_trimestres']} trimestres manquants")
    if resultat["minimum_garanti"] is None:
        attendus.append("Minimum garanti : non ouvert")
    else:
        etat = "appliqué" if resultat["minimum_garanti_applique"] else "non appliqué"
        attendus.append(f"Minimum garanti : {euros(resultat['minimum_garanti'])} par an, {etat}")
    return [_aplati(a) for a in attendus]


async def test_la_page_du_bilan_explique_chaque_chiffre_et_sa_regle(service):
    bilan = service.bilan
    resultat = _resultat_principal(bilan)
    assert resultat["pension_brute_mensuelle"] == bilan["points"][0]["pension_brute_mensuelle"]
    demande_id, _ = service.ids["bilan"]
    camille = await navigateur(service, "camille")
    page = await camille.get(f"/eir/{demande_id}/bilan")
    assert page.status_code == 200
    texte = _texte_visible(page.text)
    assert "Comment est calculée ma pension" in texte
    for attendu in _attendus(resultat):
        assert attendu in texte, attendu
    # Each figure names the rule it applies, as the calculation cites it.
    regles = {regle["regle"]: regle for regle in resultat["explication"]}
    for nom in ("services", "trimestres_requis", "taux_de_liquidation", "duree_assurance", "traitement", "pension"):
        assert _aplati(regles[nom]["libelle"]) in texte, nom
        assert f'href="{regles[nom]["reference"]["url"]}"' in page.text, nom
    assert "Décret n° 2003-1306, art. 16" in texte and "Décret n° 2003-1306, art. 20-I" in texte
    for chiffre in bilan["explication"]["chiffres"]:
        assert chiffre["regles"], chiffre["intitule"]
    assert [c["intitule"] for c in bilan["explication"]["chiffres"] if c["intitule"] in INTITULES] == list(INTITULES)
    assert texte.count("Règle appliquée : ") >= len(INTITULES)
    # One line per other departure age, with its amount.
    assert "Aux autres âges de départ" in texte
    for point in bilan["points"][1:]:
        assert _aplati(f"{point['libelle']} : ") in texte
        assert _aplati(f"{euros(point['pension_brute_mensuelle'])} brut par mois.") in texte
    assert not CODE.findall(texte), CODE.findall(texte)


async def test_le_pdf_du_bilan_porte_la_meme_explication(service):
    resultat = _resultat_principal(service.bilan)
    _, document_id = service.ids["bilan"]
    camille = await navigateur(service, "camille")
    reponse = await camille.get(f"/documents/{document_id}/pdf")
    assert reponse.status_code == 200 and reponse.content.startswith(b"%PDF-")
    texte = _aplati(texte_pdf(reponse.content))
    assert "Comment est calculée ma pension" in texte
    for attendu in _attendus(resultat):
        assert attendu in texte, attendu
    for nom in ("services", "taux_de_liquidation", "traitement"):
        libelle = next(r["libelle"] for r in resultat["explication"] if r["regle"] == nom)
        assert _aplati(libelle) in texte, nom
    assert texte.count("Règle appliquée : ") >= len(INTITULES)
    for point in service.bilan["points"][1:]:
        assert _aplati(point["explication"]) in texte
    assert not CODE.findall(texte), CODE.findall(texte)


async def test_un_bilan_ancien_sans_explication_s_affiche_encore(service):
    demande_id, document_id = service.ids["ancien"]
    camille = await navigateur(service, "camille")
    page = await camille.get(f"/eir/{demande_id}/bilan")
    assert page.status_code == 200
    texte = _texte_visible(page.text)
    assert "Explication non disponible pour ce bilan, antérieur à la présentation détaillée du calcul" in texte
    assert _aplati(euros(service.bilan["points"][0]["pension_brute_mensuelle"])) in texte
    pdf = _aplati(texte_pdf((await camille.get(f"/documents/{document_id}/pdf")).content))
    assert "Explication non disponible pour ce bilan" in pdf
