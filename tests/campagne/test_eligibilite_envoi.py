"""Eligibility checked again right before each document (REGLES §15), on Temporal's time-skipping server with the
real activities: an agent who retires, one who dies and one who leaves the scheme after the selection of July N
get no document and no mail in the autumn of N+1; the campaign counts each under its reason. The « information
générale » goes to those who validated their first 2 trimestres in year N in any scheme, as the inter-scheme data
file says (``cnracl donnees autres-regimes``), not to a CNRACL newcomer with an earlier private career."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from api.pages.campagnes import graphique_campagne
from persistence import depots_campagne
from persistence.db import transaction
from persistence.fabrique import creer_affilie
from persistence.models import Document
from persistence.models_campagne import CibleCampagne
from services.donnees import importer_autres_regimes
from tests.support.attente import attendre
from tests.support.campagne import avancer_jusqua, campagne_et_worker
from tests.support.environnement import settings_de_test, texte
from tests.support.fabriques import modifier_affilie
from workflows.campagne_client import demande_campagne, demarrer_campagne


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, url_base):
    settings = settings_de_test(
        tmp_path,
        url_base,
        boite_mail.port,
        campagne_taille_lot_employeurs=2,
        campagne_taille_paquet=2,
        campagne_lots_en_parallele=2,
        campagne_paquet_smtp=2,
    )
    async with campagne_et_worker(env_temps_accelere, settings) as (sessions, pop):
        yield env_temps_accelere, settings, sessions, boite_mail, pop


async def _cibles(sessions) -> dict[int, CibleCampagne]:
    async with sessions() as session:
        return {c.affilie_id: c for c in (await session.exec(select(CibleCampagne))).all()}


async def test_retraite_deces_et_radiation_apres_la_selection_ne_recoivent_rien(banc, tmp_path):
    env, settings, sessions, boite, pop = banc
    annee = pop.annee
    ids = {cle: agent.id for cle, agent in pop.agents.items()}
    # Retired before the selection day (1 July N): not even selected.
    await modifier_affilie(sessions, ids["alice"], date_liquidation=date(annee, 6, 1))
    # Yanis joins in October N (too late to validate 2 CNRACL trimestres in N), after a private job in N that
    # validated his first 2 trimestres: his first year, he gets the document.
    async with transaction(sessions) as session:
        yanis = await creer_affilie(
            session,
            nom="NomYanis",
            prenom="Yanis",
            naissance=date(annee - 21, 4, 2),
            email="yanis@agents.example.fr",
            employeur=pop.employeurs["commune"],
            debut_carriere=date(annee, 10, 1),
            ordre=50,
            sexe=1,
        )
        ids["yanis"] = yanis.id
    # The careers in the other schemes arrive as the fund receives them, in the inter-scheme data file. Nina joined
    # the CNRACL in March N after years in the private sector: her first trimestres are long validated. Denis, a
    # CNRACL agent for 15 years, had a side job in N: his own first validation, at the CNRACL, is the earlier one.
    inter_regimes = tmp_path / "inter_regimes.csv"
    inter_regimes.write_text(
        "nir;regime;trimestres;premiere_validation\n"
        f"{pop.agents['nina'].nir};regime_general;16;{annee - 4}-12-31\n"
        f"{yanis.nir};regime_general;2;{annee}-06-30\n"
        f"{pop.agents['denis'].nir};regime_general;2;{annee}-05-31\n",
        encoding="utf-8",
    )
    assert await importer_autres_regimes(settings, inter_regimes) == 3

    demande = demande_campagne(settings, annee)
    cal = demande.calendrier
    handle = await demarrer_campagne(env.client, settings.task_queue, demande)
    await avancer_jusqua(env, cal.lancement + timedelta(hours=1))

    async def selection_faite() -> bool:
        return ids["bruno"] in await _cibles(sessions)

    await attendre(selection_faite)
    selectionnes = await _cibles(sessions)
    assert ids["alice"] not in selectionnes
    assert {ids["bruno"], ids["chloe"], ids["emma"]} <= selectionnes.keys()

    # Between the selection and the documents (September N+1): a pension starts, a death, a leaving.
    await modifier_affilie(sessions, ids["bruno"], date_liquidation=date(annee + 1, 1, 1))
    await modifier_affilie(sessions, ids["chloe"], date_de_deces=date(annee, 11, 20))
    await modifier_affilie(sessions, ids["emma"], date_radiation=date(annee + 1, 3, 31))

    await handle.result()

    exclus = {"bruno": "exclu_retraite", "chloe": "exclu_deces", "emma": "exclu_radiation"}
    cibles = await _cibles(sessions)
    async with sessions() as session:
        documents = {d.affilie_id for d in (await session.exec(select(Document).order_by(col(Document.id)))).all()}
    for cle, etat in exclus.items():
        assert cibles[ids[cle]].etat == etat and cibles[ids[cle]].document_id is None, cle
        assert ids[cle] not in documents, cle
        assert boite.pour(pop.agents[cle].email) == [], cle
    # The others still get theirs, each announced by one mail.
    assert ids["nina"] not in cibles and ids["nina"] not in documents
    assert ids["denis"] not in cibles
    assert boite.pour(pop.agents["nina"].email) == []
    assert cibles[ids["yanis"]].cohorte == "information_generale"
    restants = [cle for cle in pop.attendus if cle not in exclus and cle not in ("alice", "nina")] + ["yanis"]
    assert restants
    for cle in restants:
        assert cibles[ids[cle]].etat == "document_annonce", cle
        assert ids[cle] in documents, cle
        (mail,) = boite.pour(f"{cle}@agents.example.fr")
        assert "document n°" in texte(mail)

    # The campaign's figures: each excluded agent counted under its reason, in the RIS cohort.
    async with sessions() as session:
        campagne = await depots_campagne.campagne_par_annee(session, annee)
        assert campagne is not None
        progression = await depots_campagne.progression(session, campagne)
    ris = progression["par_cohorte"]["ris"]
    assert (ris["exclu_retraite"], ris["exclu_deces"], ris["exclu_radiation"]) == (1, 1, 1)
    assert campagne.compteurs["documents"] == campagne.compteurs["mails_agents"] == len(restants)
    # What the supervisor's page draws (its description is read out by screen readers).
    graphique = str(graphique_campagne(progression["par_cohorte"]))
    for libelle in ("sans document : décès : 1", "sans document : départ à la retraite : 1", "radiation : 1"):
        assert libelle in graphique
