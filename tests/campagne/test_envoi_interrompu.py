"""A sender killed (SIGKILL, no cleanup) in the middle of a campaign's mail packet, over one SMTP connection or
several: its retry resends none of the mails the SMTP server had accepted before the kill — each mail is marked sent
on its own, as soon as the server accepted it — and sends all the others.

The one mail SMTP cannot protect is a mail the server accepted in the instant before the kill, before the sender
could record it: the retry sends it again with the same Message-ID (docs/fiabilite.md). The tests kill once every
accepted mail had that instant, so « accepted before the kill » is exact."""

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
from tests.support.arret import boite_retenant
from tests.support.attente import attendre
from tests.support.envoi_campagne import envoyer_paquet, lancer_envoi

NOMBRE = 8


def _message_ids(recus: list[bytes]) -> Counter[str]:
    return Counter(str(email.message_from_bytes(brut, policy=email.policy.default)["Message-ID"]) for brut in recus)


@pytest.mark.parametrize(("tue_pendant", "connexions"), [(2, 1), (5, 1), (8, 1), (3, 4), (6, 4)], ids=str)
async def test_un_envoi_tue_au_milieu_du_paquet_ne_renvoie_aucun_mail_deja_accepte(
    url_base, tmp_path, tue_pendant, connexions
):
    acceptes, recus = await _tuer_puis_reprendre(url_base, tmp_path, tue_pendant, connexions)
    assert sum(acceptes.values()) == tue_pendant - 1
    assert set(recus.values()) == {1}, recus  # no mail twice


async def _envoyes(sessions, attendus: set[str]) -> bool:
    async with sessions() as session:
        envoyes = (await session.exec(select(Mail.message_id).where(col(Mail.etat) == "envoye"))).all()
    return set(envoyes) == attendus


async def _tuer_puis_reprendre(url_base, tmp_path, tue_pendant: int, connexions: int) -> tuple[Counter, Counter]:
    moteur = creer_moteur(url_base)
    sessions = fabrique_sessions(moteur)
    with boite_retenant(tmp_path / "mail", a_partir_du=tue_pendant, refuser=True) as (boite, puits):
        try:
            envoi = lancer_envoi(url_base, boite.port, NOMBRE, tmp_path / "envoi.log", connexions)
            try:
                # The server holds the ``tue_pendant``-th message and every later one: the sender is inside the
                # packet, each connection waiting for the server's answer.
                retenu = await asyncio.to_thread(puits.retenu.wait, 60)
                assert retenu, (tmp_path / "envoi.log").read_text()
                await attendre(lambda: len(puits.recus) == tue_pendant - 1)  # the earlier ones all accepted
                acceptes = _message_ids(puits.recus)
                await attendre(lambda: _envoyes(sessions, set(acceptes)), delai=30)  # each recorded as sent
            finally:
                envoi.kill()
                envoi.wait(timeout=10)
            puits.relache.set()
            assert _message_ids(puits.recus) == acceptes  # the held ones were refused, not accepted

            async with transaction(sessions) as session:  # the dead sender's claims lapse after their delay
                await session.exec(
                    update(Mail)
                    .where(col(Mail.etat) == "a_envoyer")
                    .values(pris_le=datetime.now(UTC) - DELAI_REPRISE_MAIL - timedelta(seconds=1))
                )
            assert await envoyer_paquet(url_base, boite.port, NOMBRE, connexions) == NOMBRE  # the activity's retry

            recus = _message_ids(puits.recus)
            assert len(recus) == NOMBRE  # every mail reached the server
            async with sessions() as session:
                etats = (await session.exec(select(Mail.etat))).all()
            assert etats == ["envoye"] * NOMBRE
            return acceptes, recus
        finally:
            await moteur.dispose()
