"""A sender killed (SIGKILL, no cleanup) in the middle of a campaign's mail packet: its retry resends none of the mails
the SMTP server had accepted before the kill — each mail is marked sent on its own — and sends all the others. Over
several connections at once, the only mail a retry may send again is one a connection had in flight when it died
(accepted by the server, not yet marked): at most one per connection, its Message-ID repeated."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from persistence.boite_envoi import DELAI_REPRISE_MAIL
from persistence.db import creer_moteur, fabrique_sessions, transaction
from persistence.models import Mail
from tests.support.environnement import port_libre
from tests.support.envoi_campagne import demarrer_puits_retenant, envoyer_paquet, lancer_envoi

NOMBRE = 8


def _message_ids(recus: list[bytes]) -> Counter[str]:
    return Counter(str(email.message_from_bytes(brut, policy=email.policy.default)["Message-ID"]) for brut in recus)


@pytest.mark.parametrize("tue_pendant", [2, 5, 8])
async def test_un_envoi_tue_au_milieu_du_paquet_ne_renvoie_aucun_mail_deja_accepte(url_base, tmp_path, tue_pendant):
    acceptes, recus = await _tuer_puis_reprendre(url_base, tmp_path, tue_pendant, connexions=1)
    assert sum(acceptes.values()) == tue_pendant - 1
    assert set(recus.values()) == {1}, recus  # no mail twice


async def test_un_envoi_sur_plusieurs_connexions_tue_ne_renvoie_que_ce_qui_etait_en_vol(url_base, tmp_path):
    acceptes, recus = await _tuer_puis_reprendre(url_base, tmp_path, 3, connexions=4)
    deux_fois = {message_id for message_id, fois in recus.items() if fois > 1}
    # Sent again: only mails the server had accepted before the kill, one per connection not held at most.
    assert deux_fois <= set(acceptes) and len(deux_fois) <= 3, recus


async def _tuer_puis_reprendre(url_base, tmp_path, tue_pendant: int, connexions: int) -> tuple[Counter, Counter]:
    port = port_libre()
    controleur, puits = demarrer_puits_retenant(tmp_path / "mail", port, retenir=tue_pendant)
    moteur = creer_moteur(url_base)
    sessions = fabrique_sessions(moteur)
    try:
        envoi = lancer_envoi(url_base, port, NOMBRE, tmp_path / "envoi.log", connexions)
        try:
            # The server holds the ``tue_pendant``-th message: the sender is inside the packet, waiting for it.
            retenu = await asyncio.to_thread(puits.retenu.wait, 60)
            assert retenu, (tmp_path / "envoi.log").read_text()
        finally:
            envoi.kill()
            envoi.wait(timeout=10)
        puits.relache.set()
        acceptes = _message_ids(puits.recus)

        async with sessions() as session:
            envoyes = (await session.exec(select(Mail.message_id).where(col(Mail.etat) == "envoye"))).all()
        # What is recorded as sent was accepted by the server; what the server accepted and is not recorded was in
        # flight when the sender died, one per connection at most.
        assert set(envoyes) <= set(acceptes)
        assert len(set(acceptes) - set(envoyes)) <= connexions - 1

        async with transaction(sessions) as session:  # the dead sender's claims lapse after their delay
            await session.exec(
                update(Mail)
                .where(col(Mail.etat) == "a_envoyer")
                .values(pris_le=datetime.now(UTC) - DELAI_REPRISE_MAIL - timedelta(seconds=1))
            )
        assert await envoyer_paquet(url_base, port, NOMBRE, connexions) == NOMBRE  # the activity's retry

        recus = _message_ids(puits.recus)
        assert len(recus) == NOMBRE  # every mail reached the server
        async with sessions() as session:
            etats = (await session.exec(select(Mail.etat))).all()
        assert etats == ["envoye"] * NOMBRE
        return acceptes, recus
    finally:
        puits.relache.set()
        controleur.stop()
        await moteur.dispose()
