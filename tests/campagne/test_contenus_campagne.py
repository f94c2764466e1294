"""The campaign's documents from one source, on Temporal's time-skipping server with the real activities: the RIS
shows the trimestres of the pension's decompte and says what it covers; the EIG takes the index the employer set in
the CIR and says, on the document and in its mail, that it covers the CNRACL's pension only; an agent whose CIR the
calculation refuses is an anomaly for the supervisors, and the campaign goes on."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, select

import pension
from persistence.db import transaction
from persistence.models import Document, LigneCirTable
from persistence.models_campagne import CibleCampagne
from tests.support.campagne import AVEC_EIG, campagne_et_worker
from tests.support.environnement import settings_de_test, texte
from workflows.campagne_client import demande_campagne, demarrer_campagne


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, url_base):
    settings = settings_de_test(tmp_path, url_base, boite_mail.port, campagne_taille_lot_employeurs=2)
    async with campagne_et_worker(env_temps_accelere, settings) as (sessions, pop):
        yield env_temps_accelere, settings, sessions, pop, boite_mail


async def test_documents_de_la_campagne_d_une_seule_source(banc):
    env, settings, sessions, pop, boite = banc
    emma = pop.agents["emma"]
    async with transaction(sessions) as session:
        # A line whose end precedes its start: the calculation refuses Emma's career.
        session.add(
            LigneCirTable(
                affilie_id=emma.id,
                employeur_id=emma.employeur_id,
                annee=2001,
                date_debut=date(2001, 6, 1),
                date_fin=date(2001, 3, 1),
                modifiee_le=datetime.now(UTC),
            )
        )
    handle = await demarrer_campagne(env.client, settings.task_queue, demande_campagne(settings, pop.annee))
    await handle.result()

    async with sessions() as session:
        documents = {d.affilie_id: d for d in (await session.exec(select(Document))).all()}
        cibles = {c.affilie_id: c for c in (await session.exec(select(CibleCampagne))).all()}
        lignes = (await session.exec(select(LigneCirTable).order_by(col(LigneCirTable.date_debut)))).all()
    assert cibles[emma.id].etat == "anomalie" and emma.id not in documents
    for cle in ("alice", "bruno", "chloe"):
        agent = pop.agents[cle]
        ris = documents[agent.id]
        periodes = [
            {"debut": ligne.date_debut, "fin": ligne.date_fin, "quotite": ligne.quotite, "nature": ligne.nature}
            for ligne in lignes
            if ligne.affilie_id == agent.id
        ]
        decompte = pension.decompter_services(periodes, date.fromisoformat(ris.contenu["etabli_le"]))
        assert ris.contenu["trimestres"] == decompte.trimestres, cle
        assert "périodes de services à la CNRACL" in ris.contenu["perimetre"]
    if AVEC_EIG:
        henri = pop.agents["henri"]
        dernier = max(
            (ligne for ligne in lignes if ligne.affilie_id == henri.id and ligne.indice_majore is not None),
            key=lambda ligne: ligne.date_debut,
        )
        assert dernier.indice_majore != henri.indice_majore  # the CIR's index differs from the affiliate's record
        assert documents[henri.id].contenu["cas"]["indice_majore"] == dernier.indice_majore
        # Like the RIS, the EIG says it covers the CNRACL's pension only, and where the other schemes' are: on the
        # document (its page and its PDF show ``perimetre``) and in the mail announcing it.
        perimetre = documents[henri.id].contenu["perimetre"]
        assert "votre seule pension de la CNRACL" in perimetre and "info-retraite.fr" in perimetre
        (mail,) = boite.pour(henri.email)
        assert "pension de la CNRACL, et d'elle seule" in texte(mail) and "info-retraite.fr" in texte(mail)
