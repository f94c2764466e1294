"""The SMTP server is down for a minute while three processes start (the worker in its own process): an
EIR withdrawn during the outage, a rectification and a validation-of-services request. Each mail activity
fails six times (retried 1 s, 2 s, 4 s… apart) and the mails wait in the outbox; the
withdrawal is answered within seconds. Once the server is back the processes go on to their end, and every
mail arrives exactly once (counted by Message-ID at the server, against the outbox)."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from notifications.puits import demarrer_puits
from persistence.models import Mail, Tache
from tests.support.attente import attendre
from tests.support.environnement import BoiteMail, port_libre, settings_de_test
from tests.support.fabriques import AGENT, SUPERVISEURS
from tests.support.processus_externes import WorkerExterne
from tests.support.service import assembler
from tests.support.validation import ouvrir_dossier_validation

pytestmark = pytest.mark.e2e
# Seconds. The first failed send is retried after 1, 3, 7, 15, 31 and 63 s: the server comes back just before the
# seventh attempt (the mail of a later step is held as long, half a minute more at worst).
PANNE = 60
DRH = "drh@ch-lautreville.fr"
CORRECTION = [{"date_debut": "1989-01-01", "date_fin": "1989-12-31", "nature": "non_titulaire_valide"}]
# Léa (born 1986) could not work in 1989 (the CIR's checks refuse it): her services before her career, in 2009.
CERTIFICATS = [
    {"date_debut": "2009-01-01", "date_fin": "2009-12-31", "nature": "non_titulaire_valide", "indice_majore": 350}
]


async def test_smtp_arrete_une_minute_pendant_trois_processus(env_dev, tmp_path, url_sqlite):
    port_smtp = port_libre()
    settings = settings_de_test(
        tmp_path,
        url_sqlite,
        port_smtp,
        temporal_address=env_dev.client.service_client.config.target_host,
        eir_delai_notification_employeur=timedelta(minutes=5),
    )
    worker = WorkerExterne(settings, tmp_path / "worker.log")
    async with AsyncExitStack() as pile:
        pile.callback(worker.arreter)
        service = await assembler(settings, pile)
        pop = service.pop
        camille, jean, lea = (await service.http("camille"), await service.http("jean"), await service.http("lea"))
        rh, drh, superviseur = (
            await service.http("rh-commune"),
            await service.http("drh"),
            await service.http("superviseur"),
        )
        worker.demarrer()
        dossier = await ouvrir_dossier_validation(service, env_dev.client, pop.jeune, datetime.now(UTC))

        debut = time.monotonic()  # the server is down from here on
        demande_id = (await camille.post("/eir", json={})).json()["id"]
        reponse = await jean.post(
            "/rectifications",
            json={
                "type_document": "ris",
                "annee_document": 2026,
                "motif": "Contrat de 1989 absent",
                "periode_debut": "1989-01-01",
                "periode_fin": "1989-12-31",
                "siret_employeur": pop.autre_employeur.siret,
            },
        )
        assert reponse.status_code == 201, reponse.text
        rectification_id = reponse.json()["id"]

        async def ouverte():
            return (await lea.get(f"/validations/{dossier.id}")).json()["etat"] == "ouverte"

        await attendre(ouverte, delai=60)
        avant = time.monotonic()
        assert (await lea.post(f"/validations/{dossier.id}/demande")).status_code == 200
        attente_demande = time.monotonic() - avant
        assert attente_demande < 15  # answered although the step under way waits for the mail server

        async def mails_a_envoyer(nombre: int) -> bool:
            async with service.sessions() as session:
                return len((await session.exec(select(Mail).where(Mail.etat == "a_envoyer"))).all()) == nombre

        await attendre(lambda: mails_a_envoyer(3), delai=60)  # each process's step is held by the outage

        avant = time.monotonic()
        reponse = await camille.delete(f"/eir/{demande_id}")
        assert reponse.status_code == 200, reponse.text
        attente_retrait = time.monotonic() - avant
        assert attente_retrait < 15  # not held by the mail server's outage
        async with service.sessions() as session:
            en_attente = (await session.exec(select(Mail))).all()
        assert len(en_attente) == 3 and {m.etat for m in en_attente} == {"a_envoyer"}  # one per process

        await asyncio.sleep(max(0.0, PANNE - (time.monotonic() - debut)))
        controleur, gestionnaire = demarrer_puits(tmp_path / "mail", port=port_smtp)
        pile.callback(controleur.stop)
        boite = BoiteMail(gestionnaire, port_smtp)
        retour = time.monotonic()

        async def retiree():
            return (await camille.get(f"/eir/{demande_id}")).json()["etat"] == "retiree"

        await attendre(retiree, delai=120)
        await attendre(
            lambda: len(boite.pour(AGENT)) == 3 and boite.pour(DRH) and boite.pour(pop.employeur.email), delai=120
        )
        premier_envoi = time.monotonic() - retour
        # The processes go on once the server is back: the employers answer, a supervisor decides.
        [correction] = (await drh.get("/taches")).json()
        reponse = await drh.post(
            f"/taches/{correction['id']}/completion", json={"carriere_verifiee": True, "corrections": CORRECTION}
        )
        assert reponse.status_code == 200, reponse.text
        [certificats] = (await rh.get("/taches")).json()
        reponse = await rh.post(
            f"/taches/{certificats['id']}/completion", json={"carriere_verifiee": True, "corrections": CERTIFICATS}
        )
        assert reponse.status_code == 200, reponse.text
        await attendre(lambda: boite.pour(SUPERVISEURS), delai=60)
        reponse = await superviseur.post(
            f"/validations/{dossier.id}/decision", json={"decision": "acceptee", "motif": "Certificats conformes"}
        )
        assert reponse.status_code == 200 and reponse.json()["etat"] == "acceptee", reponse.text

        async def rectifie():
            return (await jean.get(f"/rectifications/{rectification_id}")).json()["etat"] == "document_rectifie"

        await attendre(rectifie, delai=60)
        await attendre(lambda: len(boite.messages) == 11, delai=60)

        async def boite_d_envoi_videe() -> bool:
            async with service.sessions() as session:
                mails = (await session.exec(select(Mail))).all()
            return len(mails) == 11 and {m.etat for m in mails} == {"envoye"}

        await attendre(boite_d_envoi_videe, delai=60)  # every mail leaves from the outbox: none is on its way

        # The step under way (acknowledgement, then the advice to contact the employer) ends, then the withdrawal.
        assert boite.sujets(AGENT) == [
            "Votre demande d'entretien information retraite est enregistrée",
            "Préparez votre entretien : contactez votre employeur",
            "Votre demande d'entretien information retraite est retirée",
        ]
        recus = Counter(str(m["Message-ID"]) for m in boite.messages)
        assert len(recus) == 11 and set(recus.values()) == {1}, recus
        async with service.sessions() as session:
            mails = (await session.exec(select(Mail))).all()
            taches = (await session.exec(select(Tache))).all()
        assert {m.message_id for m in mails} == set(recus) and {m.etat for m in mails} == {"envoye"}
        assert sorted(t.type for t in taches) == [
            "certificats_services_validation",
            "correction_cir_rectification",
            "decision_validation",
        ]
        assert {t.etat for t in taches} == {"terminee"}

    journal = (tmp_path / "worker.log").read_text(errors="replace")
    tentatives = [int(n) for n in re.findall(r"Completing activity as failed .*'attempt': (\d+)", journal)]
    assert max(tentatives) >= 5, tentatives  # the outage spanned several retries of the same send
    print(
        f"SMTP arrêté {PANNE} s : {len(tentatives)} envois échoués (jusqu'à la tentative {max(tentatives)}) ; "
        f"premiers mails {premier_envoi:.1f} s après le retour ; {len(recus)} mails, chacun une fois ; pendant la panne, "
        f"demande de validation répondue en {attente_demande:.1f} s, retrait en {attente_retrait:.1f} s"
    )
