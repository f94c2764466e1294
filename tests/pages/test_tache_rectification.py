"""The employer's answer to a rectification's correction task, on its page: « période corrigée » or « aucune erreur
constatée » (radio buttons) with the reason; an incoherent answer is refused on the page, naming the field by its
label, before anything reaches the process."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from persistence.db import transaction
from persistence.models import RectificationTable, Tache
from tests.support.fabriques import inserer_tache
from tests.support.lexique import texte_lu
from tests.support.navigateur import navigateur
from tests.support.service import service_seul


@pytest.fixture
async def service(tmp_path, url_sqlite):
    async with service_seul(tmp_path, url_sqlite) as service:
        pop = service.pop
        maintenant = datetime.now(UTC)
        async with transaction(service.sessions) as session:
            rectification = RectificationTable(
                workflow_id="rectification-page-1",
                affilie_id=pop.affilie.id,
                etat="correction_employeur",
                en_attente_de="employeur",
                creee_le=maintenant,
                modifiee_le=maintenant,
                type_document="ris",
                annee_document=2026,
                periode_debut=date(2005, 1, 1),
                periode_fin=date(2005, 12, 31),
                motif="Temps partiel non repris",
                employeur_periode_id=pop.employeur.id,
                employeur_actuel_id=pop.employeur.id,
                routage="employeur_actuel",
            )
            session.add(rectification)
            tache = await inserer_tache(
                session,
                "page-rectification",
                "correction_cir_rectification",
                rectification.workflow_id,
                pop.employeur.id,
                pop.affilie.id,
                echeance=maintenant + timedelta(days=10),
                creee_le=maintenant,
            )
        service.tache_id = tache.id
        yield service


async def test_la_page_propose_les_deux_issues_et_exige_le_motif(service):
    rh = await navigateur(service, "rh-commune")
    adresse = f"/taches/{service.tache_id}"
    page = await rh.get(adresse)
    assert page.status_code == 200
    assert 'name="resultat" value="corrigee" checked' in page.text
    assert 'name="resultat" value="aucune_erreur"' in page.text
    lu = texte_lu(page.text)
    assert "Période corrigée" in lu and "Aucune erreur constatée" in lu

    reponse = await rh.post(adresse, {"carriere_verifiee": "oui", "resultat": "aucune_erreur", "motif": ""})
    assert reponse.status_code == 422
    lu = texte_lu(reponse.text)
    assert "Motif : indiquez pourquoi aucune erreur n'a été constatée" in lu  # the field by its label, not its code
    assert 'id="motif-erreur"' in reponse.text
    # the choice is kept: the employer corrects the reason only
    assert 'name="resultat" value="aucune_erreur" checked' in reponse.text

    rien = await rh.post(adresse, {"resultat": "corrigee"})
    assert rien.status_code == 422
    assert "corrigez au moins une ligne de la période contestée (du 01/01/2005 au 31/12/2005)" in texte_lu(rien.text)
    async with service.sessions() as session:
        tache = await session.get(Tache, service.tache_id)
    assert tache is not None and tache.etat == "ouverte" and tache.reponse is None
