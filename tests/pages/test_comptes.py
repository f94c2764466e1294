"""Lost codes (seed 002), end to end through the pages and the JSON routes, with the real SMTP server: the
identifier found again (mailed only when the data match, the same answer otherwise), the confidential code
regenerated after the secret question, the certification code shown once, three wrong tries cancelling the
provisional code, the mailed code then working at login and the old ones not; the schema on PostgreSQL too."""

from __future__ import annotations

import asyncio
import re
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlmodel import select

from persistence import comptes as depot_comptes
from persistence.db import creer_moteur, fabrique_sessions, transaction
from persistence.migrations import configuration, migrer_async
from persistence.models import Compte, Mail, ReferencesEmployeur
from tests.support.environnement import settings_de_test, texte
from tests.support.navigateur import navigateur
from tests.support.service import CODE, assembler

REPONSE = "Durand"
BCR, CONTRAT = "01ABC111", "C2013000451"
RH = "rh@saint-exemple.fr"
_CERTIFICATION = re.compile(r'id="code-certification">([A-Z0-9]{10})<')
_CODE_MAILE = re.compile(r"code confidentiel est le suivant :\s+([A-Z0-9]{8})\s")


async def _preparer(service) -> None:
    """rh-commune is Marcel Dupont, with a secret question; the commune has its BCR and contract numbers."""
    async with transaction(service.sessions) as session:
        session.add(ReferencesEmployeur(employeur_id=service.pop.employeur.id, numero_bcr=BCR, numero_contrat=CONTRAT))
        for compte in (await session.exec(select(Compte))).all():
            if compte.identifiant == "rh-commune":
                compte.nom, compte.prenom = "Dupont", "Marcel"
            if compte.identifiant in ("rh-commune", "camille"):
                depot_comptes.definir_question_secrete(compte, "nom_naissance_mere", REPONSE)
            session.add(compte)


@pytest.fixture
async def service(tmp_path, url_sqlite, boite_mail):
    settings = settings_de_test(tmp_path, url_sqlite, boite_mail.port, limite_comptes="100/hour")
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        await _preparer(service)
        yield service


def _regeneration(**autres: str) -> dict[str, str]:
    return {
        "nom": "DUPONT",
        "prenom": "marcel",
        "identifiant": "rh-commune",
        "email": RH,
        "question": "nom_naissance_mere",
        "reponse": " durand ",
        **autres,
    }


async def _regenerer(nav, boite_mail) -> tuple[str, str]:
    """The certification code shown on the page, and the new confidential code received by mail."""
    avant = len(boite_mail.pour(RH))
    await nav.get("/comptes/code-oublie?identifiant=rh-commune")
    page = await nav.post("/comptes/code-oublie", _regeneration())
    assert page.status_code == 200, page.text
    certification = _CERTIFICATION.search(page.text)
    assert certification, "la page n'affiche pas le code de certification"
    recus = boite_mail.pour(RH)
    assert len(recus) == avant + 1
    assert recus[-1]["Subject"] == "Régénération de code confidentiel"
    code = _CODE_MAILE.search(texte(recus[-1]))
    assert code, texte(recus[-1])
    assert code.group(1) not in page.text  # the new code is mailed, never shown
    return certification.group(1), code.group(1)


async def _certifier(nav, code: str, certification: str):
    await nav.get("/comptes/certification?identifiant=rh-commune")
    return await nav.post(
        "/comptes/certification", {"identifiant": "rh-commune", "code": code, "certification": certification}
    )


async def test_code_perdu_de_bout_en_bout(service, boite_mail):
    nav = await navigateur(service)
    connexion = await nav.get("/connexion")
    assert 'href="/comptes/identifiant-oublie">Identifiant oublié ?</a>' in connexion.text
    assert 'href="/comptes/code-oublie">Code confidentiel oublié ?</a>' in connexion.text

    formulaire = await nav.get("/comptes/code-oublie?identifiant=rh-commune")
    assert 'id="identifiant" name="identifiant"\n         value="rh-commune"' in formulaire.text  # filled in
    assert '<label class="fr-label" for="reponse">' in formulaire.text

    # A wrong answer (or any wrong field): refused with the same sentence, nothing mailed, nothing changed.
    for faux in ({"reponse": "Dupuis"}, {"email": "autre@saint-exemple.fr"}, {"identifiant": "personne"}):
        refus = await nav.post("/comptes/code-oublie", _regeneration(**faux))
        assert refus.status_code == 400
        assert "Ces informations ne permettent pas de régénérer un code confidentiel" in refus.text
        assert "Dupuis" not in refus.text  # the answer is not echoed back
    assert boite_mail.pour(RH) == []

    certification, code = await _regenerer(nav, boite_mail)
    assert (await nav.connecter("rh-commune", CODE)).status_code == 401  # the old code no longer works

    # The login page alone is not enough: it sends to the certification page.
    sans = await nav.connecter("rh-commune", code)
    assert sans.status_code == 401 and "Code de certification requis" in sans.text

    # Three wrong tries of the certification code cancel the provisional code.
    premier = await _certifier(nav, code, "AAAAAAAAAA")
    assert premier.status_code == 401 and "Il vous reste 2 essais" in premier.text
    assert 'aria-invalid="true"' in premier.text and 'id="certification-erreur"' in premier.text
    assert "Il vous reste 1 essai." in (await _certifier(nav, code, "BBBBBBBBBB")).text
    troisieme = await _certifier(nav, code, "CCCCCCCCCC")
    assert "votre code confidentiel provisoire est annulé" in troisieme.text
    annule = await _certifier(nav, code, certification)  # even with the right certification code now
    assert annule.status_code == 401 and "Identifiant ou code confidentiel incorrect." in annule.text

    # A new regeneration: a new certification code, a new mailed code.
    nouvelle_certification, nouveau_code = await _regenerer(nav, boite_mail)
    assert (nouvelle_certification, nouveau_code) != (certification, code)
    reponse = await _certifier(nav, nouveau_code, nouvelle_certification.lower())
    assert reponse.status_code == 303 and reponse.headers["location"] == "/taches"
    assert (await nav.get("/taches")).status_code == 200

    # From now on the mailed code is the code; the previous ones are not.
    autre = await navigateur(service)
    assert (await autre.connecter("rh-commune", nouveau_code)).status_code == 303
    for ancien in (CODE, code):
        assert (await autre.connecter("rh-commune", ancien)).status_code == 401

    # The outbox: one row per regeneration, sent, with the code masked in the stored copy.
    async with service.sessions() as session:
        mails = (await session.exec(select(Mail).where(Mail.evenement == "code_regenere"))).all()
        compte = (await session.exec(select(Compte).where(Compte.identifiant == "rh-commune"))).one()
    assert [m.etat for m in mails] == ["envoye", "envoye"]
    assert all(code not in m.corps_texte and nouveau_code not in m.corps_texte + m.corps_html for m in mails)
    assert compte.certification_hash is None and nouvelle_certification not in compte.code_hash


async def test_la_regeneration_deverrouille_le_compte(service, boite_mail):
    nav = await navigateur(service)
    for _ in range(5):
        await nav.connecter("rh-commune", "mauvais-code")
    assert (await nav.connecter("rh-commune", CODE)).status_code == 423
    certification, code = await _regenerer(nav, boite_mail)
    assert (await _certifier(nav, code, certification)).status_code == 303


async def test_identifiant_employeur_retrouve(service, boite_mail):
    nav = await navigateur(service)
    choix = await nav.get("/comptes/identifiant-oublie")
    assert 'href="/comptes/identifiant-oublie/employeur"' in choix.text
    await nav.get("/comptes/identifiant-oublie/employeur")
    siret = service.pop.employeur.siret
    bon = {"siret": siret, "numero_bcr": BCR.lower(), "nom": "Dupont", "prenom": "Marcel"}
    reponses = [
        await nav.post("/comptes/identifiant-oublie/employeur", donnees)
        for donnees in (
            {**bon, "numero_bcr": "99ZZZ999"},  # wrong BCR
            {**bon, "prenom": "Marcelle"},  # someone else
            {**bon, "siret": service.pop.autre_employeur.siret},  # another employer
        )
    ]
    assert boite_mail.messages == []
    juste = await nav.post("/comptes/identifiant-oublie/employeur", bon)
    assert {r.status_code for r in [*reponses, juste]} == {200}
    messages = {re.search(r'role="status"><p>(.*?)</p>', r.text, re.S).group(1) for r in [*reponses, juste]}
    assert len(messages) == 1 and "Si ces informations correspondent à un compte" in messages.pop()
    assert "rh-commune" not in juste.text  # the identifier is mailed, not shown
    [recu] = boite_mail.pour(RH)
    assert recu["Subject"] == "Votre identifiant CNRACL"
    assert "rh-commune" in texte(recu) and "Marcel Dupont" in texte(recu)
    assert "/comptes/code-oublie?identifiant=rh-commune" in texte(recu)

    # The contract number instead of the BCR; the same request again within the hour mails nothing more.
    sans_bcr = {**bon, "numero_bcr": "", "numero_contrat": CONTRAT}
    assert (await nav.post("/comptes/identifiant-oublie/employeur", sans_bcr)).status_code == 200
    assert len(boite_mail.pour(RH)) == 1

    # Neither BCR nor contract: the error is on its field.
    manque = await nav.post("/comptes/identifiant-oublie/employeur", {**bon, "numero_bcr": ""})
    assert manque.status_code == 422
    assert 'id="numero_bcr-erreur"' in manque.text and "au moins l&#39;un des deux" in manque.text


async def test_identifiant_agent_retrouve(service, boite_mail):
    nav = await navigateur(service)
    await nav.get("/comptes/identifiant-oublie/agent")
    camille = service.pop.affilie
    bon = {"nir": camille.nir, "nom": "MARTIN", "prenom": "Camille", "date_de_naissance": "1968-04-02"}
    faux = await nav.post("/comptes/identifiant-oublie/agent", {**bon, "date_de_naissance": "1968-04-03"})
    assert faux.status_code == 200 and boite_mail.messages == []
    juste = await nav.post("/comptes/identifiant-oublie/agent", bon)
    assert juste.status_code == 200
    assert re.search(r'role="status"><p>(.*?)</p>', juste.text, re.S).group(1) == re.search(
        r'role="status"><p>(.*?)</p>', faux.text, re.S
    ).group(1)
    [recu] = boite_mail.messages
    assert recu["To"] == camille.email and "camille" in texte(recu)
    mauvais_nir = await nav.post("/comptes/identifiant-oublie/agent", {**bon, "nir": camille.nir[:-2] + "00"})
    assert mauvais_nir.status_code == 422 and 'id="nir-erreur"' in mauvais_nir.text


async def test_routes_json(service, boite_mail):
    api = await service.http()
    questions = (await api.get("/auth/questions-secretes")).json()
    assert {"cle": "nom_naissance_mere", "libelle": "Quel est le nom de naissance de votre mère ?"} in questions

    corps = {"siret": service.pop.employeur.siret, "numero_bcr": BCR, "nom": "Dupont", "prenom": "Marcel"}
    juste = await api.post("/auth/identifiant/employeur", json=corps)
    faux = await api.post("/auth/identifiant/employeur", json={**corps, "nom": "Durand"})
    assert juste.status_code == faux.status_code == 202 and juste.json() == faux.json()
    assert len(boite_mail.pour(RH)) == 1

    refus = await api.post("/auth/code-confidentiel", json=_regeneration(reponse="non"))
    assert refus.status_code == 400
    regeneration = await api.post("/auth/code-confidentiel", json=_regeneration())
    assert regeneration.status_code == 201
    certification = regeneration.json()["code_certification"]
    code = _CODE_MAILE.search(texte(boite_mail.pour(RH)[-1])).group(1)
    sans = await api.post("/auth/jeton", data={"username": "rh-commune", "password": code})
    assert sans.status_code == 401 and "Code de certification requis" in sans.json()["detail"]
    avec = await api.post(
        "/auth/jeton", data={"username": "rh-commune", "password": code, "certification": certification}
    )
    assert avec.status_code == 200 and avec.json()["role"] == "employeur"


async def test_question_secrete_choisie_une_fois_connecte(service, boite_mail):
    nav = await navigateur(service, "lea")  # past her first login: her question chosen, she changes it
    page = await nav.get("/comptes/question-secrete")
    assert "Question actuelle : « Quel est le nom de naissance de votre mère ? »" in page.text
    refus = await nav.post(
        "/comptes/question-secrete", {"question": "premier_animal", "reponse": "Médor", "code": "pas-le-bon"}
    )
    assert refus.status_code == 403 and 'id="code-erreur"' in refus.text
    ok = await nav.post("/comptes/question-secrete", {"question": "premier_animal", "reponse": "Médor", "code": CODE})
    assert ok.status_code == 200 and "Votre question secrète est enregistrée" in ok.text
    api = await service.http()
    regeneration = await api.post(
        "/auth/code-confidentiel",
        json={
            "nom": "petit",
            "prenom": "LEA",
            "identifiant": "lea",
            "email": service.pop.jeune.email,
            "question": "premier_animal",
            "reponse": "medor",
        },
    )
    assert regeneration.status_code == 201
    assert boite_mail.pour(service.pop.jeune.email)[-1]["Subject"] == "Régénération de code confidentiel"


async def test_tentatives_limitees(tmp_path, url_sqlite, boite_mail):
    settings = settings_de_test(tmp_path, url_sqlite, boite_mail.port, limite_comptes="2/minute")
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        api = await service.http()
        corps = {"nir": service.pop.affilie.nir, "nom": "x", "prenom": "y", "date_de_naissance": "1970-01-01"}
        statuts = [(await api.post("/auth/identifiant/affilie", json=corps)).status_code for _ in range(3)]
        assert statuts == [202, 202, 429]
        trop = await api.post("/auth/code-confidentiel", json=_regeneration())
        assert trop.status_code == 429 and trop.json()["detail"].startswith("Trop de demandes de récupération")
        assert int(trop.headers["Retry-After"]) >= 1


async def test_schema_des_comptes(url_base):
    """Migration 0005 on SQLite and PostgreSQL: the new columns hold a regeneration; down and up again."""
    moteur = creer_moteur(url_base)
    sessions = fabrique_sessions(moteur)
    try:
        async with transaction(sessions) as session:
            compte = Compte(
                identifiant="essai",
                code_hash=depot_comptes.hacher("x"),
                role="superviseur",
                nom="Moreau",
                prenom="Claire",
                email="c@exemple.fr",
            )
            depot_comptes.definir_question_secrete(compte, "ecole_primaire", "Jules Ferry")
            session.add(compte)
        async with transaction(sessions) as session:
            compte = (await session.exec(select(Compte).where(Compte.identifiant == "essai"))).one()
            maintenant = datetime.now(UTC)
            codes = depot_comptes.regenerer(compte, maintenant, timedelta(days=3))
            session.add(compte)
        async with sessions() as session:
            trouve = await depot_comptes.compte_pour_regeneration(
                session,
                identifiant="essai",
                nom="MOREAU",
                prenom="claire",
                email="C@exemple.fr",
                question="ecole_primaire",
                reponse="jules  ferry",
            )
            assert trouve is not None and trouve.regenerations == 1
            assert trouve.certification_expire_le > maintenant
            assert (
                depot_comptes.certifier(trouve, codes.code_certification, maintenant, 3)
                is depot_comptes.Certification.acceptee
            )
    finally:
        await moteur.dispose()
    await asyncio.to_thread(command.downgrade, configuration(url_base), "0004")
    await migrer_async(url_base)


async def test_l_administrateur_habilite_les_comptes_de_son_etablissement(service, boite_mail):
    """Seed 000: the employer's administrator creates a user (its code mailed), changes its habilitation,
    deactivates it; a mere user cannot, nor can anyone touch another establishment's accounts."""
    admin = await navigateur(service, "rh-commune")
    page = await admin.get("/employeur/utilisateurs")
    assert page.status_code == 200 and "rh-commune" in page.text and "drh" not in page.text
    cree = await admin.post(
        "/employeur/utilisateurs",
        {
            "identifiant": "gestion.paie",
            "nom": "Roux",
            "prenom": "Inès",
            "email": "paie@saint-exemple.fr",
            "profil": "utilisateur",
        },
    )
    assert cree.status_code == 303
    assert "Le compte est créé" in (await admin.get(cree.headers["location"])).text
    [recu] = boite_mail.pour("paie@saint-exemple.fr")
    code = re.search(r"code confidentiel initial :\s+([A-Z0-9]{8})\s", texte(recu)).group(1)
    async with service.sessions() as session:
        paie = (await session.exec(select(Compte).where(Compte.identifiant == "gestion.paie"))).one()
        mail = (await session.exec(select(Mail).where(Mail.evenement == "compte_cree"))).one()
    assert paie.employeur_id == service.pop.employeur.id and paie.profil == "utilisateur"
    assert mail.etat == "envoye" and code not in mail.corps_texte

    doublon = await admin.post(
        "/employeur/utilisateurs",
        {
            "identifiant": "gestion.paie",
            "nom": "X",
            "prenom": "Y",
            "email": "x@saint-exemple.fr",
            "profil": "utilisateur",
        },
    )
    assert doublon.status_code == 409 and 'id="identifiant-erreur"' in doublon.text

    # The new user signs in with the mailed code, chooses a secret question first, but administers nothing.
    utilisateur = await navigateur(service)
    assert (await utilisateur.connecter("gestion.paie", code)).headers["location"] == "/comptes/question-secrete"
    await utilisateur.get("/comptes/question-secrete")
    question = {"question": "ecole_primaire", "reponse": "Jules Ferry", "code": code}
    assert (await utilisateur.post("/comptes/question-secrete", question)).headers["location"] == "/taches"
    assert (await utilisateur.get("/employeur/utilisateurs")).status_code == 403
    api_utilisateur = await service.http("drh")  # a user (not admin) of the other employer
    assert (await api_utilisateur.get("/employeur/utilisateurs")).status_code == 403
    assert (await api_utilisateur.patch(f"/employeur/utilisateurs/{paie.id}", json={"actif": False})).status_code == 403

    # Habilitation changed, then the account deactivated: it can no longer sign in.
    await admin.get("/employeur/utilisateurs")
    assert (await admin.post(f"/employeur/utilisateurs/{paie.id}", {"profil": "admin"})).status_code == 303
    assert (await admin.post(f"/employeur/utilisateurs/{paie.id}", {"actif": "false"})).status_code == 303
    async with service.sessions() as session:
        paie = await session.get(Compte, paie.id)
    assert paie.profil == "admin" and not paie.actif
    assert (await (await navigateur(service)).connecter("gestion.paie", code)).status_code == 401

    # Not another establishment's account, not one's own rights.
    api_admin = await service.http("rh-commune")
    async with service.sessions() as session:
        drh = (await session.exec(select(Compte).where(Compte.identifiant == "drh"))).one()
        moi = (await session.exec(select(Compte).where(Compte.identifiant == "rh-commune"))).one()
    ailleurs = await api_admin.patch(f"/employeur/utilisateurs/{drh.id}", json={"actif": False})
    assert ailleurs.status_code == 404 and "pas de votre établissement" in ailleurs.json()["detail"]
    soi = await api_admin.patch(f"/employeur/utilisateurs/{moi.id}", json={"actif": False})
    assert soi.status_code == 409 and "autre administrateur" in soi.json()["detail"]
