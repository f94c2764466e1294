"""Races on the account flows end in one success (issue 22, deliverable 5): 20 parallel creations of one account
→ one 201, the rest a 409 in French, no 5xx, and one welcome mail; parallel identifier requests → one mail per
outbox row, never one row as several mails. Counted at a real SMTP server, by Message-ID, on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import AsyncExitStack

import pytest
from sqlmodel import col, select

from persistence.models import Compte, Mail
from tests.support.environnement import settings_de_test
from tests.support.service import assembler

PARALLELES = 20
ADRESSE = "ines.roux@saint-exemple.fr"


@pytest.fixture
async def service(tmp_path, url_base, boite_mail):
    settings = settings_de_test(tmp_path, url_base, boite_mail.port, limite_comptes="1000/hour")
    async with AsyncExitStack() as pile:
        yield await assembler(settings, pile)


async def test_creations_paralleles_d_un_meme_compte(service, boite_mail):
    admin = await service.http("rh-commune")
    corps = {"identifiant": "ines.roux", "nom": "Roux", "prenom": "Inès", "email": ADRESSE}

    reponses = await asyncio.gather(*(admin.post("/employeur/utilisateurs", json=corps) for _ in range(PARALLELES)))

    statuts = Counter(r.status_code for r in reponses)
    assert statuts == {201: 1, 409: PARALLELES - 1}, [r.text for r in reponses if r.status_code >= 500]
    for refus in (r for r in reponses if r.status_code == 409):
        assert refus.json()["detail"] == "Identifiant : « ines.roux » est déjà pris."
    async with service.sessions() as session:
        comptes = (await session.exec(select(Compte).where(Compte.identifiant == "ines.roux"))).all()
        lignes = (await session.exec(select(Mail).where(Mail.evenement == "compte_cree"))).all()
    assert len(comptes) == 1 and len(lignes) == 1
    recus = boite_mail.pour(ADRESSE)
    assert [m["Message-ID"] for m in recus] == [lignes[0].message_id]  # one welcome mail, the outbox row's
    assert lignes[0].etat == "envoye"


async def test_demandes_d_identifiant_paralleles_un_mail_par_ligne(service, boite_mail):
    affilie = service.pop.affilie
    anonyme = await service.http()
    corps = {
        "nir": affilie.nir,
        "nom": affilie.nom,
        "prenom": affilie.prenom,
        "date_de_naissance": affilie.date_de_naissance.isoformat(),
    }

    reponses = await asyncio.gather(*(anonyme.post("/auth/identifiant/affilie", json=corps) for _ in range(10)))

    assert {r.status_code for r in reponses} == {202}
    assert len({r.text for r in reponses}) == 1
    async with service.sessions() as session:
        lignes = (await session.exec(select(Mail).where(col(Mail.evenement) == "identifiant_rappele"))).all()
    assert lignes and all(ligne.etat == "envoye" for ligne in lignes)  # one per hour: two if the hour turned
    recus = [m["Message-ID"] for m in boite_mail.pour(affilie.email)]
    assert sorted(recus) == sorted(ligne.message_id for ligne in lignes)  # each row sent once, no repeat
