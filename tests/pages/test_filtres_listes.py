"""The filters of the process list, of the task inbox and of a campaign's delivery page: what the address asks is
what the form shows back (the search trimmed), the lists' empty choice filters nothing, and a filter number that is
not one, or a delivery mode the form does not offer, is refused in French."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime
from html import unescape

import pytest

from domain.task_queues import id_workflow_eir
from persistence import depots
from persistence.db import transaction
from tests.support.environnement import port_libre, settings_de_test
from tests.support.lexique import mots_de_code
from tests.support.navigateur import navigateur
from tests.support.service import assembler


def _valeur(page: str, nom: str) -> str:
    """The value a text field of the page shows."""
    trouve = re.search(rf'name="{nom}"\s+value="([^"]*)"', page)
    assert trouve, nom
    return trouve.group(1)


@pytest.fixture
async def service(tmp_path, url_sqlite):
    """Camille's EIR, at the employer's verification (its employer is the commune)."""
    async with AsyncExitStack() as pile:
        service = await assembler(settings_de_test(tmp_path, url_sqlite, port_libre()), pile)
        async with transaction(service.sessions) as session:
            demande = await depots.creer_demande_eir(
                session, service.pop.affilie, date.today(), "en_ligne", datetime.now(UTC), id_workflow_eir
            )
            demande.etat, demande.etape = "verification_employeur", "preparation"
            session.add(demande)
        service.eir = demande.workflow_id
        yield service


async def test_la_liste_des_processus_rend_ses_filtres_au_formulaire(service):
    superviseur = await navigateur(service, "superviseur")
    commune, autre = service.pop.employeur.id, service.pop.autre_employeur.id
    choisis = {"type": "eir", "etat_processus": "verification_employeur", "employeur": commune, "recherche": " martin "}
    page = (await superviseur.get("/processus", params=choisis)).text
    assert f'<a href="/processus/{service.eir}">' in page
    assert '<option value="eir" selected>' in page and '<option value="verification_employeur" selected>' in page
    assert _valeur(page, "employeur") == str(commune) and _valeur(page, "recherche") == "martin"
    assert mots_de_code(page) == []
    # Another employer's processes: none of the commune's; the lists' « Tous » as the form sends it: every one.
    ailleurs = (await superviseur.get("/processus", params={**choisis, "employeur": autre})).text
    assert f'<a href="/processus/{service.eir}">' not in ailleurs
    tous = await superviseur.get("/processus?type=&etat_processus=&en_attente_de=&employeur=&recherche=")
    assert tous.status_code == 200 and f'<a href="/processus/{service.eir}">' in tous.text


async def test_un_numero_d_employeur_qui_n_en_est_pas_un_est_refuse_en_francais(service):
    superviseur = await navigateur(service, "superviseur", lever=False)
    reponse = await superviseur.get("/processus", params={"employeur": "douze"})
    assert reponse.status_code == 422
    assert "Numéro d'employeur : un nombre entier est attendu" in unescape(reponse.text)


async def test_la_corbeille_rend_ses_filtres_au_formulaire(service):
    rh = await navigateur(service, "rh-commune")
    page = (await rh.get("/taches", params={"etat_tache": "terminee", "retard": "oui", "attribution": "mes"})).text
    assert '<option value="terminee" selected>' in page and '<option value="mes" selected>' in page
    assert 'name="retard" value="oui" checked>' in page
    # A supervisor holds no employer's task: « Mes tâches » is neither offered nor applied.
    superviseur = await navigateur(service, "superviseur")
    toutes = (await superviseur.get("/taches", params={"attribution": "mes"})).text
    assert '<option value="mes"' not in toutes and '<option value="toutes" selected>' in toutes


async def test_un_mode_de_remise_inconnu_est_refuse_en_francais_avec_les_modes_possibles(service):
    """As the JSON route answers 422, the page says the mode is unknown instead of showing every agent."""
    superviseur = await navigateur(service, "superviseur", lever=False)
    reponse = await superviseur.get("/superviseur/campagnes/2026/agents", params={"livraison": "zzz"})
    assert reponse.status_code == 422
    assert (
        "Mode de remise du document : mode de remise inconnu ; modes possibles : « Par courriel », « Par courrier », "
        "« Par courrier, le courriel ayant été refusé », « Par courrier, le courriel étant revenu après son envoi », "
        "« À envoyer par courrier : adresse postale inconnue »"
    ) in unescape(reponse.text)
    assert mots_de_code(reponse.text) == []
    api = await service.http("superviseur")
    assert (await api.get("/campagnes/2026/agents", params={"livraison": "zzz"})).status_code == 422
    # « Tous » and a mode the form offers pass the filter (no campaign 2026 here: the page says so).
    for livraison in ("", "papier_apres_refus"):
        absente = await superviseur.get("/superviseur/campagnes/2026/agents", params={"livraison": livraison})
        assert absente.status_code == 404 and "mode de remise" not in absente.text, livraison
