"""The worker's mail activity claims an outbox row before sending it: attempts racing on one row send it once, an
attempt finding it held by a live sender is retried (never sends it twice), and a claim left by a dead sender is
taken over after ``DELAI_REPRISE_MAIL`` — on SQLite and PostgreSQL, at a real SMTP server."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select
from temporalio.exceptions import ApplicationError

from activities.campagne_mails import ExpediteurGroupe, MailCampagne
from activities.mails import Courrier, ExpediteurMails
from notifications.exemples import contexte_exemple
from notifications.rendu import Gabarits
from notifications.transport import TransportSmtp
from persistence.boite_envoi import DELAI_REPRISE_MAIL
from persistence.db import creer_moteur, fabrique_sessions, transaction
from persistence.models import Mail
from tests.support.canaux_campagne import demarrer_puits_refusant


@pytest.fixture
async def expediteur(url_base, boite_mail):
    moteur = creer_moteur(url_base)
    sessions = fabrique_sessions(moteur)
    transport = TransportSmtp("127.0.0.1", boite_mail.port, "CNRACL <ne-pas-repondre@cnracl.example.fr>")
    yield ExpediteurMails(sessions, Gabarits(), transport), sessions
    await moteur.dispose()


async def _reserver(expediteur: ExpediteurMails, sessions, cle: str):
    courrier = Courrier(
        cle, "accuse_reception", "a@exemple.fr", contexte_exemple("accuse_reception"), "eir-x-1", datetime.now(UTC)
    )
    async with transaction(sessions) as session:
        return await expediteur.reserver(session, courrier)


async def test_des_essais_simultanes_n_envoient_qu_un_mail(expediteur, boite_mail):
    expediteur, sessions = expediteur
    reserve = await _reserver(expediteur, sessions, "eir-x-1:accuse_reception:affilie:0")
    resultats = await asyncio.gather(*(expediteur.expedier(reserve) for _ in range(5)), return_exceptions=True)

    assert len(boite_mail.messages) == 1
    assert resultats.count(True) == 1
    # The others found it sent (False) or still held by the sender (retryable: the next attempt finds it sent).
    for autre in (r for r in resultats if r is not True):
        assert autre is False or (isinstance(autre, ApplicationError) and autre.type == "MailEnCoursEnvoi"), autre
        assert not getattr(autre, "non_retryable", False)
    assert await expediteur.expedier(reserve) is False  # the retry: sent, nothing more
    assert len(boite_mail.messages) == 1


async def test_une_reservation_abandonnee_est_reprise_apres_son_delai(expediteur, boite_mail):
    expediteur, sessions = expediteur
    reserve = await _reserver(expediteur, sessions, "eir-x-1:accuse_reception:affilie:1")
    assert reserve is not None

    async def prise_il_y_a(duree: timedelta) -> None:
        async with transaction(sessions) as session:  # as a sender killed after its claim would leave it
            await session.exec(
                update(Mail).where(col(Mail.id) == reserve.mail_id).values(pris_le=datetime.now(UTC) - duree)
            )

    await prise_il_y_a(timedelta(seconds=10))  # held by a sender that may still be sending
    with pytest.raises(ApplicationError) as tenu:
        await expediteur.expedier(reserve)
    assert tenu.value.type == "MailEnCoursEnvoi" and not tenu.value.non_retryable
    assert boite_mail.messages == []

    await prise_il_y_a(DELAI_REPRISE_MAIL + timedelta(seconds=1))  # its sender is dead
    assert await expediteur.expedier(reserve) is True
    assert len(boite_mail.messages) == 1
    async with sessions() as session:
        assert (await session.exec(select(Mail.etat).where(col(Mail.id) == reserve.mail_id))).one() == "envoye"


def _mails_de_campagne() -> list[MailCampagne]:
    """One campaign packet: eight agents' mails."""
    return [
        MailCampagne(
            f"campagne-dai-2027:ris:{n}",
            "accuse_reception",
            f"agent{n}@exemple.fr",
            contexte_exemple("accuse_reception"),
        )
        for n in range(8)
    ]


async def test_deux_essais_d_un_paquet_de_campagne_n_envoient_chaque_mail_qu_une_fois(expediteur, boite_mail):
    """The campaign's packets claim their rows too: two attempts of one packet at once (a retry started while
    the first still runs) send each mail once; the one that finds rows held fails to be retried, and its retry
    finds them sent."""
    expediteur, sessions = expediteur
    transport = TransportSmtp("127.0.0.1", boite_mail.port, "CNRACL <ne-pas-repondre@cnracl.example.fr>")
    groupe = ExpediteurGroupe(sessions, Gabarits(), transport, paquet_smtp=3)
    mails = _mails_de_campagne()
    maintenant = datetime.now(UTC)
    resultats = await asyncio.gather(
        *(groupe.envoyer(mails, "campagne-dai-2027", maintenant) for _ in range(2)), return_exceptions=True
    )
    for resultat in resultats:
        assert resultat == len(mails) or (
            isinstance(resultat, ApplicationError) and resultat.type == "MailEnCoursEnvoi"
        ), resultat
    assert await groupe.envoyer(mails, "campagne-dai-2027", maintenant) == len(mails)  # the retry
    recus = Counter(m["Message-ID"] for m in boite_mail.messages)
    assert len(recus) == len(mails) and set(recus.values()) == {1}


async def test_un_destinataire_refuse_n_arrete_que_lui(expediteur, tmp_path):
    """In the middle of a campaign packet, one recipient refused for good (550) and one for now (451): the others are
    sent; the 550 is refused at once, the 451 is tried again with the packet until its bound, then refused too."""
    _, sessions = expediteur
    controleur, puits, boite = demarrer_puits_refusant(tmp_path / "refus")
    try:
        puits.refuses.add("agent2@exemple.fr")
        puits.differes.add("agent5@exemple.fr")
        transport = TransportSmtp("127.0.0.1", boite.port, "CNRACL <ne-pas-repondre@cnracl.example.fr>")
        groupe = ExpediteurGroupe(sessions, Gabarits(), transport, paquet_smtp=3, essais_destinataire=3)
        mails = _mails_de_campagne()
        maintenant = datetime.now(UTC)
        for essai in (1, 2):
            with pytest.raises(ApplicationError) as differe:
                await groupe.envoyer(mails, "campagne-dai-2027", maintenant)
            assert differe.value.type == "DestinataireDiffere" and not differe.value.non_retryable
            assert len(boite.messages) == 6, essai  # the others, once
        assert await groupe.envoyer(mails, "campagne-dai-2027", maintenant) == len(mails)  # the third: refused
        assert puits.refus == {"agent2@exemple.fr": 1, "agent5@exemple.fr": 3}
        assert await groupe.refuses([m.cle for m in mails]) == {"campagne-dai-2027:ris:2", "campagne-dai-2027:ris:5"}
        assert sorted(m["To"] for m in boite.messages) == sorted(
            f"agent{n}@exemple.fr" for n in range(8) if n not in (2, 5)
        )
        assert await groupe.envoyer(mails, "campagne-dai-2027", maintenant) == len(mails)  # nothing sent again
        assert len(boite.messages) == 6
    finally:
        controleur.stop()
