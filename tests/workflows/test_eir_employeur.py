"""A request stored without its employer (registered before the employer was resolved at registration): its
process still finds the last CNRACL employer of the CIR on day 5, on the time-skipping server."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.etats import EtatEir
from persistence.db import transaction
from persistence.models import Affilie
from tests.support.attente import attendre
from tests.support.banc_eir import Banc, banc_eir
from tests.support.environnement import texte
from tests.support.fabriques import AGENT, EMPLOYEUR, ligne_chez

ANCIEN_EMPLOYEUR = "drh@ch-lautreville.fr"


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite):
    async with banc_eir(env_temps_accelere, tmp_path, boite_mail, sessions_sqlite, url_sqlite) as banc:
        yield banc


async def test_une_demande_sans_employeur_enregistre_va_au_dernier_employeur_du_cir(banc: Banc):
    pop = banc.pop
    # The agent's career ends at the hospital, after the Commune; no current employer.
    await ligne_chez(banc.sessions, pop.affilie, pop.autre_employeur, date(2026, 1, 1), date(2026, 2, 28))
    async with transaction(banc.sessions) as session:
        affilie = await session.get(Affilie, pop.affilie.id)
        assert affilie is not None
        affilie.employeur_id = None
        session.add(affilie)
    pop.affilie.employeur_id = None
    await banc.demarrer()
    assert (await banc.demande()).employeur_id is None
    await attendre(lambda: len(banc.boite.pour(AGENT)) == 2)
    # The request names no employer: its mails say « your last CNRACL employer ».
    assert "votre dernier employeur CNRACL" in texte(banc.boite.pour(AGENT)[1])

    await banc.env.sleep(timedelta(days=5, minutes=5))
    await attendre(lambda: len(banc.boite.pour(ANCIEN_EMPLOYEUR)) == 1)
    await banc.en_etat(EtatEir.verification_employeur)
    tache = await banc.tache_ouverte()
    assert tache.employeur_id == pop.autre_employeur.id
    assert banc.boite.pour(EMPLOYEUR) == []
    assert (await banc.demande()).incident is None
