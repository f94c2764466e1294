"""Every route × every role × own and foreign resource, with the expected answer.

``ok`` means the role passes the checks (the route may then answer 2xx, 409, 422 or 503 — Temporal is
deliberately unreachable here); a number is the exact refusal expected.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.campagne import TYPE_TACHE_CAMPAGNE, id_workflow_campagne
from domain.task_queues import id_workflow_eir
from persistence import depots
from persistence.db import transaction
from persistence.models import Document, DossierValidationTable, RectificationTable
from tests.support.environnement import settings_de_test
from tests.support.fabriques import inserer_tache, tache_de_verification
from tests.support.service import assembler

OK = "ok"
ROLES = ("anonyme", "camille", "jean", "rh-commune", "drh", "superviseur")
CONSOLIDATION = {"periodes": [{"annee": 2001, "commentaire": "x"}]}
AUTRES_REGIMES = {"autres_regimes": [{"regime": "regime_general", "trimestres": 40}]}
COMPLETION = {"carriere_verifiee": True, "indice_fin_de_carriere": 600}
LIGNE = {"date_debut": "2010-01-01", "date_fin": "2010-12-31"}
PERIMETRE = {"type": "employeur", "siret": "21330063000174", "motif": "x"}
REBONDS = {"rebonds": [{"message_id": "<3f2a9c@cnracl.example.fr>", "motif": "Boîte aux lettres inconnue"}]}
CAS = {
    "date_de_naissance": "1968-04-02",
    "date_de_liquidation": "2032-04-02",
    "indice_majore": 600,
    "trimestres_services": 150,
}
DEMANDE_RACHAT = {
    "date_de_naissance": "1990-04-02",
    "date_de_demande": "2026-04-02",
    "trimestres": 4,
    "option": 3,
    "indice_majore": 450,
}

# (method, path, body, expected for: anonyme, camille (owner), jean (other agent), rh-commune (own employer),
#  drh (other employer), superviseur)
MATRICE: list[tuple[str, str, Any, tuple[Any, ...]]] = [
    ("GET", "/sante", None, (OK, OK, OK, OK, OK, OK)),
    ("GET", "/sante/pret", None, (OK, OK, OK, OK, OK, OK)),
    ("GET", "/eir", None, (401, OK, OK, 403, 403, OK)),
    ("POST", "/eir", {}, (401, OK, OK, 403, 403, OK)),
    ("GET", "/eir/{eir}", None, (401, OK, 404, 404, 404, OK)),
    ("GET", "/eir/{eir}/ris", None, (401, OK, 404, 404, 404, OK)),
    ("GET", "/eir/{eir}/bilan", None, (401, OK, 404, 404, 404, OK)),
    ("POST", "/eir/{eir}/ris/validation", None, (401, OK, 404, 404, 404, 403)),
    ("POST", "/eir/{eir}/ris/consolidation", CONSOLIDATION, (401, OK, 404, 404, 404, 403)),
    ("PUT", "/eir/{eir}/autres-regimes", AUTRES_REGIMES, (401, OK, 404, 404, 404, 403)),
    ("POST", "/eir/{eir}/enquete", {"reponses": [5, 5, 5, 5, 5]}, (401, OK, 404, 404, 404, 403)),
    ("DELETE", "/eir/{eir}", None, (401, OK, 404, 404, 404, 403)),
    ("POST", "/eir/{eir}/annulation", {"motif": "x"}, (401, 403, 403, 403, 403, OK)),
    ("GET", "/taches", None, (401, 403, 403, OK, OK, OK)),
    ("GET", "/taches/{tache}", None, (401, 403, 403, OK, 404, OK)),
    ("POST", "/taches/{tache}/completion", COMPLETION, (401, 403, 403, OK, 404, OK)),
    ("GET", "/affilies/{nir}/cir", None, (401, 403, 403, OK, 404, OK)),
    ("PUT", "/affilies/{nir}/cir/2010", LIGNE, (401, 403, 403, OK, 404, OK)),
    ("DELETE", "/affilies/{nir}/cir/2011/2011-01-01?motif=doublon", None, (401, 403, 403, OK, 404, OK)),
    ("POST", "/simulations", CAS, (401, 403, 403, OK, OK, OK)),
    ("POST", "/simulations/rachat", DEMANDE_RACHAT, (401, 403, 403, OK, OK, OK)),
    ("GET", "/rectifications", None, (401, OK, OK, 403, 403, OK)),
    ("GET", "/rectifications/{rectification}", None, (401, OK, 404, 404, 404, OK)),
    ("GET", "/validations", None, (401, OK, OK, 403, 403, OK)),
    ("GET", "/validations/{validation}", None, (401, OK, 404, 404, 404, OK)),
    ("POST", "/validations/{validation}/demande", None, (401, OK, 404, 404, 404, 403)),
    ("POST", "/validations/{validation}/decision", {"decision": "acceptee"}, (401, 403, 403, 403, 403, OK)),
    ("GET", "/processus", None, (401, 403, 403, 403, 403, OK)),
    ("GET", "/processus/{workflow}", None, (401, 403, 403, 403, 403, OK)),
    # Incidents: supervisors only (the EIR here is not in incident: a supervisor's action answers 409).
    ("GET", "/incidents", None, (401, 403, 403, 403, 403, OK)),
    ("POST", "/processus/{workflow}/reprise", {}, (401, 403, 403, 403, 403, OK)),
    ("POST", "/processus/{workflow}/relance", {}, (401, 403, 403, 403, 403, OK)),
    ("GET", "/processus?recherche=martin", None, (401, 403, 403, 403, 403, OK)),
    ("POST", "/processus/{workflow}/annulation", {"motif": "x"}, (401, 403, 403, 403, 403, OK)),
    ("POST", "/processus/{workflow}/reattribution", {"compte_id": 6}, (401, 403, 403, 403, 403, OK)),
    ("POST", "/campagnes/2027", None, (401, 403, 403, 403, 403, OK)),
    ("GET", "/campagnes/2027", None, (401, 403, 403, 403, 403, OK)),
    ("GET", "/campagnes/2027/employeurs", None, (401, 403, 403, 403, 403, OK)),
    ("GET", "/campagnes/2027/agents", None, (401, 403, 403, 403, 403, OK)),
    ("POST", "/campagnes/2027/pause", None, (401, 403, 403, 403, 403, OK)),
    ("POST", "/campagnes/2027/reprise", None, (401, 403, 403, 403, 403, OK)),
    ("POST", "/campagnes/2027/documents/{document}/renvoi", {"motif": "x"}, (401, 403, 403, 403, 403, OK)),
    ("POST", "/campagnes/2027/rebonds", REBONDS, (401, 403, 403, 403, 403, OK)),
    # The postal address and the channel: one's own (an agent), an agent's named by NIR (a supervisor).
    ("GET", "/coordonnees", None, (401, OK, OK, 403, 403, OK)),
    ("PUT", "/coordonnees?nir={nir}", {"canal": "email"}, (401, OK, OK, 403, 403, OK)),
    # An employer's email address: supervisors only, the employer itself included among the refused.
    ("GET", "/employeurs/{employeur}/coordonnees", None, (401, 403, 403, 403, 403, OK)),
    (
        "PUT",
        "/employeurs/{employeur}/coordonnees",
        {"email": "paie@commune-exemple.fr"},
        (401, 403, 403, 403, 403, OK),
    ),
    # A campaign's perimeter (no campaign 2027 here: 404 once the role passes).
    ("POST", "/campagnes/2027/exclusions", PERIMETRE, (401, 403, 403, 403, 403, OK)),
    ("GET", "/campagnes/2027/exclusions", None, (401, 403, 403, 403, 403, OK)),
    ("DELETE", "/campagnes/2027/exclusions/1?motif=x", None, (401, 403, 403, 403, 403, OK)),
    ("POST", "/campagnes/2027/ajouts", PERIMETRE, (401, 403, 403, 403, 403, OK)),
    ("GET", "/campagnes/2027/ajouts", None, (401, 403, 403, 403, 403, OK)),
    (
        "POST",
        "/campagnes/2027/taches/{tache_campagne}/completion",
        {"donnees_verifiees": True},
        (401, 403, 403, OK, 404, OK),
    ),
    # Lost codes (seed 002): public on purpose, anonymous included; the answers never depend on who asks (the
    # address's attempts are limited, so the later calls here may be 429s, which are not refusals of a role).
    ("GET", "/auth/questions-secretes", None, (OK, OK, OK, OK, OK, OK)),
    (
        "POST",
        "/auth/identifiant/employeur",
        {"siret": "21330063000174", "numero_bcr": "01ABC111", "nom": "Dupont", "prenom": "Marcel"},
        (OK, OK, OK, OK, OK, OK),
    ),
    (
        "POST",
        "/auth/identifiant/affilie",
        {"nir": "268043306300158", "nom": "Martin", "prenom": "Camille", "date_de_naissance": "1968-04-02"},
        (OK, OK, OK, OK, OK, OK),
    ),
    (
        "POST",
        "/auth/code-confidentiel",
        {
            "identifiant": "camille",
            "nom": "Martin",
            "prenom": "Camille",
            "email": "camille.martin@exemple.fr",
            "question": "nom_naissance_mere",
            "reponse": "Durand",
        },
        (OK, OK, OK, OK, OK, OK),
    ),
    # Signed in, any role: one's own secret question.
    (
        "PUT",
        "/auth/question-secrete",
        {"question": "premier_animal", "reponse": "Médor", "code": "code-de-test-123"},
        (401, OK, OK, OK, OK, OK),
    ),
    # The employer's administrator (rh-commune; drh is a mere user): the accounts of its establishment (seed 000).
    ("GET", "/employeur/utilisateurs", None, (401, 403, 403, OK, 403, 403)),
    (
        "POST",
        "/employeur/utilisateurs",
        {"identifiant": "matrice.rh", "nom": "Roux", "prenom": "Inès", "email": "paie@saint-exemple.fr"},
        (401, 403, 403, OK, 403, 403),
    ),
    # Account 7 is the one rh-commune just created (accounts 1–6 are the fixture's); 5 is drh, elsewhere.
    ("PATCH", "/employeur/utilisateurs/7", {"profil": "admin"}, (401, 403, 403, OK, 403, 403)),
    ("PATCH", "/employeur/utilisateurs/5", {"actif": False}, (401, 403, 403, 404, 403, 403)),
    # A new code for an account: its establishment's administrator only (no supervisor accounts page).
    ("POST", "/comptes/7/code-confidentiel", None, (401, 403, 403, OK, 403, 403)),
    ("POST", "/comptes/5/code-confidentiel", None, (401, 403, 403, 404, 403, 403)),
    # Who holds a task: its employer's accounts (account 4 is rh-commune, the administrator) and supervisors.
    ("GET", "/taches/{tache}/attribution", None, (401, 403, 403, OK, 404, OK)),
    ("POST", "/taches/{tache}/attribution", {"compte_id": 4}, (401, 403, 403, OK, 404, OK)),
    ("POST", "/taches/{tache}/attribution", {"compte_id": 5}, (401, 403, 403, 404, 404, 404)),
    # An agent's documents (Camille's RIS): the owner and supervisors; a supervisor names the agent (422 otherwise).
    ("GET", "/documents", None, (401, OK, OK, 403, 403, OK)),
    ("GET", "/documents/{document}", None, (401, OK, 404, 404, 404, OK)),
    ("GET", "/documents/{document}/pdf", None, (401, OK, 404, 404, 404, OK)),
    # The payload codec of Temporal's UI: supervisors only (here no key is set: 409 once the role passes).
    ("POST", "/codec/decode", {"payloads": []}, (401, 403, 403, 403, 403, OK)),
    ("POST", "/codec/encode", {"payloads": []}, (401, 403, 403, 403, 403, OK)),
    # Logout, any role: last, since it revokes the token of each role (tests/api/test_revocation.py).
    ("POST", "/auth/deconnexion", None, (401, OK, OK, OK, OK, OK)),
]


@pytest.fixture
async def service(tmp_path, url_sqlite):
    settings = settings_de_test(tmp_path, url_sqlite, 1, temporal_address="127.0.0.1:1")
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        pop = service.pop
        maintenant = datetime.now(UTC)
        async with transaction(service.sessions) as session:
            demande = await depots.creer_demande_eir(
                session, pop.affilie, date(2026, 1, 5), "en_ligne", maintenant, id_workflow_eir
            )
            tache = await tache_de_verification(session, demande, "matrice", echeance=maintenant, creee_le=maintenant)
            rectification = RectificationTable(
                workflow_id="rectification-matrice",
                affilie_id=pop.affilie.id,
                type_document="ris",
                annee_document=2026,
                periode_debut=date(2005, 1, 1),
                periode_fin=date(2005, 12, 31),
                motif="x",
                routage="employeur_actuel",
                etat="correction_employeur",
                creee_le=maintenant,
                modifiee_le=maintenant,
            )
            dossier = DossierValidationTable(
                workflow_id="echeance-validation-matrice",
                affilie_id=pop.affilie.id,
                motif="titularisation",
                date_limite=date(2030, 1, 1),
                regle="règle",
                etat="ouverte",
                creee_le=maintenant,
                modifiee_le=maintenant,
            )
            tache_campagne = await inserer_tache(
                session,
                "matrice-campagne",
                TYPE_TACHE_CAMPAGNE,
                id_workflow_campagne(2027),
                pop.employeur.id,
                pop.affilie.id,
                echeance=maintenant,
                creee_le=maintenant,
            )
            document, _ = await depots.enregistrer_document(
                session,
                Document(
                    cle="matrice-ris",
                    type="ris",
                    affilie_id=pop.affilie.id,
                    demande_id=demande.id,
                    cree_le=maintenant,
                    contenu={"titre": "Relevé individuel de situation", "etabli_le": "2026-01-05", "periodes": []},
                ),
            )
            session.add_all([rectification, dossier])
            await session.flush()
        service.valeurs = {
            "eir": demande.id,
            "tache": tache.id,
            "nir": pop.affilie.nir,
            "workflow": demande.workflow_id,
            "rectification": rectification.id,
            "validation": dossier.id,
            "tache_campagne": tache_campagne.id,
            "document": document.id,
            "employeur": pop.employeur.id,
        }
        yield service


async def test_matrice(service):
    clients = {role: await service.http(None if role == "anonyme" else role) for role in ROLES}
    ecarts = []
    for methode, chemin, corps, attendus in MATRICE:
        url = chemin.format(**service.valeurs)
        for role, attendu in zip(ROLES, attendus, strict=False):
            reponse = await clients[role].request(methode, url, json=corps)
            if attendu == OK:
                detail = reponse.json().get("detail", "") if reponse.status_code == 404 else ""
                refus = reponse.status_code in (401, 403) or any(
                    marque in detail for marque in ("dans votre espace", "dans votre corbeille", "parmi vos agents")
                )
                if refus or (reponse.status_code >= 500 and reponse.status_code != 503):
                    ecarts.append(f"{methode} {chemin} {role}: {reponse.status_code} {reponse.text[:120]}")
            elif reponse.status_code != attendu:
                ecarts.append(f"{methode} {chemin} {role}: {reponse.status_code} au lieu de {attendu}")
    assert ecarts == []
