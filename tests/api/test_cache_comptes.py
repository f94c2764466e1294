"""The accounts behind tokens, kept a few seconds by the API (``CNRACL_DUREE_CACHE_COMPTES``): a deactivation
or a habilitation changed through the API applies at the very next request; a change made outside the process
(another API process, the command line: here a bare SQL UPDATE, which no flush of this process sees) within
the delay; a route that changes the account works on the row as stored, not on the kept copy."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import text
from sqlmodel import select

from persistence.comptes import creer_compte, hacher
from persistence.db import transaction
from persistence.models import Compte
from tests.support.environnement import settings_de_test
from tests.support.service import CODE, assembler

DELAI = 1.0


@pytest.fixture
async def service(tmp_path, url_sqlite, boite_mail):
    settings = settings_de_test(tmp_path, url_sqlite, boite_mail.port, duree_cache_comptes=DELAI)
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        async with transaction(service.sessions) as session:  # a second administrator of the commune
            await creer_compte(
                session,
                role="employeur",
                identifiant="paie",
                code_hash=hacher(CODE),
                siret=service.pop.employeur.siret,
                profil="admin",
            )
        yield service


async def _id(service, identifiant: str) -> int:
    async with service.sessions() as session:
        return (await session.exec(select(Compte.id).where(Compte.identifiant == identifiant))).one()


async def test_un_changement_par_l_api_vaut_a_la_requete_suivante(service):
    admin, paie = await service.http("rh-commune"), await service.http("paie")
    assert (await paie.get("/employeur/utilisateurs")).status_code == 200  # read, then kept
    paie_id = await _id(service, "paie")

    # No longer administrator: at once.
    assert (await admin.patch(f"/employeur/utilisateurs/{paie_id}", json={"profil": "utilisateur"})).status_code == 200
    refus = await paie.get("/employeur/utilisateurs")
    assert refus.status_code == 403 and "administrateur" in refus.json()["detail"]
    assert (await paie.get("/taches")).status_code == 200

    # Deactivated: the same token is refused at once.
    assert (await admin.patch(f"/employeur/utilisateurs/{paie_id}", json={"actif": False})).status_code == 200
    assert (await paie.get("/taches")).status_code == 401


async def test_un_changement_hors_du_processus_vaut_dans_le_delai(service):
    paie = await service.http("paie")
    assert (await paie.get("/taches")).status_code == 200
    async with service.sessions() as session:  # as another process would: no flush of an account here
        await session.exec(text("UPDATE compte SET actif = false WHERE identifiant = 'paie'"))
        await session.commit()
    await asyncio.sleep(DELAI + 0.2)
    assert (await paie.get("/taches")).status_code == 401


async def test_la_question_secrete_change_le_compte_enregistre(service):
    """The route that writes the account reads it afresh: the kept copy (all its fields) never overwrites the
    row, and the change is seen by the next request."""
    paie = await service.http("paie")
    assert (await paie.get("/taches")).status_code == 200  # the copy is kept
    async with service.sessions() as session:  # meanwhile, elsewhere: the name is filled in
        await session.exec(text("UPDATE compte SET nom = 'Roux' WHERE identifiant = 'paie'"))
        await session.commit()
    reponse = await paie.put(
        "/auth/question-secrete", json={"code": CODE, "question": "nom_naissance_mere", "reponse": "Durand"}
    )
    assert reponse.status_code == 200, reponse.text
    async with service.sessions() as session:
        compte = (await session.exec(select(Compte).where(Compte.identifiant == "paie"))).one()
    assert compte.question_secrete == "nom_naissance_mere" and compte.nom == "Roux"
    assert compte.actif


async def test_une_revocation_hors_du_processus_vaut_dans_le_delai(service):
    """Sessions revoked by another API process (its logout, a lockout there): this one's kept copy of the account
    still has the old version, at most ``CNRACL_DUREE_CACHE_COMPTES`` seconds."""
    paie = await service.http("paie")
    assert (await paie.get("/taches")).status_code == 200
    async with service.sessions() as session:  # as another process would: no flush of an account here
        await session.exec(text("UPDATE compte SET version_jeton = version_jeton + 1 WHERE identifiant = 'paie'"))
        await session.commit()
    await asyncio.sleep(DELAI + 0.2)
    assert (await paie.get("/taches")).status_code == 401
