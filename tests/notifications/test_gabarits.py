"""Every mail template renders with its sample data, in French, text and HTML; mails go out once."""

from __future__ import annotations

from datetime import UTC, datetime

import aiosmtplib
import pytest
from sqlmodel import select

from activities.mails import Courrier, ExpediteurMails
from domain.montants import euros
from notifications.exemples import contexte_exemple
from notifications.rendu import Gabarits, date_fr
from notifications.transport import TransportSmtp
from persistence.models import Mail
from tests.support.environnement import texte

GABARITS = Gabarits()


@pytest.mark.parametrize("evenement", GABARITS.evenements())
def test_chaque_gabarit_se_rend_avec_ses_donnees_exemple(evenement: str):
    message = GABARITS.rendre(evenement, contexte_exemple(evenement))
    assert message.sujet and "\n" not in message.sujet
    assert "{{" not in message.texte and "{%" not in message.html
    assert message.html.startswith("<!DOCTYPE html>") and 'lang="fr"' in message.html
    assert "Bonjour" in message.texte


def test_le_html_echappe_les_donnees():
    contexte = contexte_exemple("accuse_reception") | {"affilie": {"prenom": "<script>", "nom": "O'Neil & Fils"}}
    message = GABARITS.rendre("accuse_reception", contexte)
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html
    assert "<script> O'Neil & Fils" in message.texte


def test_une_variable_manquante_est_une_erreur_pas_un_trou():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        GABARITS.rendre("accuse_reception", {"url": "x"})


def test_formats_francais():
    assert date_fr("2026-03-01") == "1er mars 2026"
    assert date_fr(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1er janvier 2027"  # Paris time
    assert euros(1843.2) == "1\u202f843,20\u00a0€"


async def test_un_mail_n_est_envoye_qu_une_fois(sessions_sqlite, boite_mail):
    transport = TransportSmtp("127.0.0.1", boite_mail.port, "CNRACL <ne-pas-repondre@cnracl.example.fr>")
    expediteur = ExpediteurMails(sessions_sqlite, GABARITS, transport)
    maintenant = datetime.now(UTC)
    envois = [
        await expediteur.envoyer_une_fois(
            Courrier(
                "eir-x-1:accuse_reception:affilie:0",
                "accuse_reception",
                "a@exemple.fr",
                contexte_exemple("accuse_reception"),
                "eir-x-1",
                maintenant,
            )
        )
        for _ in range(3)
    ]
    assert envois == [True, False, False]
    assert len(boite_mail.messages) == 1
    recu = boite_mail.messages[0]
    assert recu["Subject"] == "Votre demande d'entretien information retraite est enregistrée"
    assert "2 mars 2026" in texte(recu) and recu["Message-ID"].endswith("@cnracl.example.fr>")
    async with sessions_sqlite() as session:
        assert [m.etat for m in (await session.exec(select(Mail))).all()] == ["envoye"]


async def test_smtp_en_panne_puis_retabli(sessions_sqlite, boite_mail):
    """The send fails while the server is down; the outbox keeps the mail; the retry sends it once."""
    from tests.support.environnement import port_libre

    courrier = Courrier("k", "accuse_reception", "a@exemple.fr", contexte_exemple("x"), None, datetime.now(UTC))
    en_panne = ExpediteurMails(
        sessions_sqlite, GABARITS, TransportSmtp("127.0.0.1", port_libre(), "x@cnracl.fr", delai=2)
    )
    with pytest.raises((aiosmtplib.SMTPException, OSError)):
        await en_panne.envoyer_une_fois(courrier)
    async with sessions_sqlite() as session:
        assert [m.etat for m in (await session.exec(select(Mail))).all()] == ["a_envoyer"]
    retabli = ExpediteurMails(sessions_sqlite, GABARITS, TransportSmtp("127.0.0.1", boite_mail.port, "x@cnracl.fr"))
    assert await retabli.envoyer_une_fois(courrier)
    assert len(boite_mail.messages) == 1


async def test_un_mail_parti_reste_marque_envoye_quand_l_ecriture_suivante_echoue(sessions_sqlite, boite_mail):
    """``expedier(…, ensuite=…)``: the caller's write after the send fails; the mail stays marked sent, and the
    retry does the write alone, without sending the mail again."""
    from persistence.db import transaction

    expediteur = ExpediteurMails(sessions_sqlite, GABARITS, TransportSmtp("127.0.0.1", boite_mail.port, "x@cnracl.fr"))
    maintenant = datetime.now(UTC)
    ecritures: list[str] = []

    async def en_echec(_session):
        raise LookupError("demande inconnue")

    async def ecrire(_session):
        ecritures.append("faite")

    for ensuite in (en_echec, ecrire):  # the activity, then its retry
        async with transaction(sessions_sqlite) as session:
            reserve = await expediteur.reserver(
                session,
                Courrier(
                    "k", "accuse_reception", "a@exemple.fr", contexte_exemple("accuse_reception"), None, maintenant
                ),
            )
        if ensuite is en_echec:
            with pytest.raises(LookupError):
                await expediteur.expedier(reserve, ensuite)
        else:
            assert reserve is None and not await expediteur.expedier(reserve, ensuite)
    assert len(boite_mail.messages) == 1 and ecritures == ["faite"]
    async with sessions_sqlite() as session:
        assert [m.etat for m in (await session.exec(select(Mail))).all()] == ["envoye"]


def test_les_mails_des_comptes_sont_prevus():
    """Seed 002's mails join the previewed and rendered list; the regenerated code is in its mail."""
    assert {"identifiant_rappele", "code_regenere"} <= set(GABARITS.evenements())
    message = GABARITS.rendre("code_regenere", contexte_exemple("code_regenere"))
    assert message.sujet == "Régénération de code confidentiel" and "FMWQS252" in message.texte


def test_les_nombres_s_accordent_en_francais():
    """« 1 tâche », « 0 tâche », « 3 tâches », an irregular plural given whole; no « tâche(s) » in any template."""
    from notifications.rendu import DOSSIER, accord

    assert [accord(n, "tâche") for n in (0, 1, 3)] == ["0 tâche", "1 tâche", "3 tâches"]
    assert accord(2, "compte individuel retraite", "comptes individuels retraite") == "2 comptes individuels retraite"
    assert accord(12000, "agent") == "12\u202f000 agents"
    gabarits = [
        *DOSSIER.rglob("*.txt"),
        *DOSSIER.rglob("*.html"),
        *(DOSSIER.parent.parent / "api" / "templates").rglob("*.html"),
    ]
    assert gabarits and not [g.name for g in gabarits if "(s)" in g.read_text(encoding="utf-8")]
