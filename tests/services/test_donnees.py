"""The inter-scheme career data file (``cnracl donnees autres-regimes``): its optional ``premiere_validation`` column
gives each agent's first validation of 2 trimestres in any scheme, the earliest of the schemes' and the CNRACL's own;
a file with the former header still loads; a bad date is refused, naming its line and its field, and nothing is
written. On SQLite, without Temporal: the campaign that reads these dates is in tests/campagne/test_eligibilite_envoi.py."""

from __future__ import annotations

from datetime import date

import pytest

from domain.erreurs import Refus
from persistence import depots
from persistence.fabrique import identifiant
from persistence.models import Affilie
from services.donnees import importer_autres_regimes
from tests.support.environnement import settings_de_test
from tests.support.fabriques import Population, population


@pytest.fixture
async def banc(tmp_path, url_sqlite, sessions_sqlite):
    return settings_de_test(tmp_path, url_sqlite, 25), sessions_sqlite, await population(sessions_sqlite)


async def _premieres_validations(sessions, pop: Population) -> dict[str, date | None]:
    async with sessions() as session:
        return {
            cle: (await session.get(Affilie, identifiant(getattr(pop, cle)))).date_premiere_validation
            for cle in ("affilie", "jeune", "collegue")
        }


async def test_la_premiere_validation_est_la_plus_ancienne_de_tous_les_regimes(banc, tmp_path):
    settings, sessions, pop = banc
    fichier = tmp_path / "inter_regimes.csv"
    fichier.write_text(
        "nir;regime;trimestres;premiere_validation\n"
        # Camille (CNRACL since 1994-09-01): a summer job, then farm work before it.
        f"{pop.affilie.nir};regime_general;30;1988-07-31\n"
        f"{pop.affilie.nir};msa;6;1986-09-30\n"
        # Léa (CNRACL since 2010-01-01): a private job after her affiliation; the CNRACL's own validation is earlier.
        f"{pop.jeune.nir};regime_general;8;2012-03-31\n"
        # Jean: the scheme does not know when.
        f"{pop.collegue.nir};regime_general;4;\n",
        encoding="utf-8",
    )
    assert await importer_autres_regimes(settings, fichier) == 3
    assert await _premieres_validations(sessions, pop) == {
        "affilie": date(1986, 9, 30),
        "jeune": date(2010, 6, 29),  # 2 trimestres of 90 days from 1 January 2010, the last day included
        "collegue": None,
    }


async def test_l_ancien_en_tete_est_accepte_et_ne_change_pas_la_premiere_validation(banc, tmp_path):
    settings, sessions, pop = banc
    nouveau, ancien = tmp_path / "nouveau.csv", tmp_path / "ancien.csv"
    nouveau.write_text(
        f"nir;regime;trimestres;premiere_validation\n{pop.affilie.nir};msa;6;1986-09-30\n", encoding="utf-8"
    )
    ancien.write_text(f"nir;regime;trimestres\n{pop.affilie.nir};regime_general;30\n", encoding="utf-8")
    assert await importer_autres_regimes(settings, nouveau) == 1
    assert await importer_autres_regimes(settings, ancien) == 1
    async with sessions() as session:
        durees = await depots.durees_autres_regimes(session, identifiant(pop.affilie))
    assert [(d.regime, d.trimestres) for d in durees] == [("regime_general", 30)]
    assert (await _premieres_validations(sessions, pop))["affilie"] == date(1986, 9, 30)


@pytest.mark.parametrize("valeur", ["31/12/2009", "2009-02-30", "20091231"])
async def test_une_date_mal_ecrite_est_refusee_avec_sa_ligne_et_rien_n_est_ecrit(banc, tmp_path, valeur):
    settings, sessions, pop = banc
    fichier = tmp_path / "inter_regimes.csv"
    fichier.write_text(
        "nir;regime;trimestres;premiere_validation\n"
        f"{pop.affilie.nir};msa;6;1986-09-30\n"
        f"{pop.jeune.nir};regime_general;8;{valeur}\n",
        encoding="utf-8",
    )
    with pytest.raises(Refus) as refus:
        await importer_autres_regimes(settings, fichier)
    assert refus.value.champ == "premiere_validation"
    assert refus.value.message == (
        f"premiere_validation : ligne 3, « {valeur} » n'est pas une date au format AAAA-MM-JJ (par exemple "
        "2021-06-30) ; laissez la case vide si la date n'est pas connue."
    )
    assert set((await _premieres_validations(sessions, pop)).values()) == {None}
    async with sessions() as session:
        assert list(await depots.durees_autres_regimes(session, identifiant(pop.affilie))) == []
