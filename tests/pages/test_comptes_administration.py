"""The employer's administration of accounts, as its users live it: « Désactiver » and « Générer un nouveau code »
act only through their confirmation modal; the new code goes by mail once (the old code and every open session stop
working, the certification code shown to the administrator opens the account with it); another establishment's
administrator is refused. And the first login asks for the secret question before any other page."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack

import pytest
from sqlmodel import select

from persistence import comptes as depot_comptes
from persistence.db import transaction
from persistence.models import Compte, Evenement, Mail
from tests.support.environnement import settings_de_test, texte
from tests.support.fabriques import avec_question_secrete
from tests.support.formulaires import bouton_de_dialogue, formulaires
from tests.support.lexique import mots_de_code
from tests.support.navigateur import navigateur
from tests.support.service import CODE, assembler

PAIE = "paie@saint-exemple.fr"
_CERTIFICATION = re.compile(r'id="code-certification">([A-Z0-9]{10})<')
_CODE_MAILE = re.compile(r"code confidentiel est le suivant :\s+([A-Z0-9]{8})\s")


@pytest.fixture
async def service(tmp_path, url_sqlite, boite_mail):
    """The commune's user ``paie`` (Inès Roux); ``drh`` is its own establishment's administrator."""
    settings = settings_de_test(tmp_path, url_sqlite, boite_mail.port, limite_comptes="100/hour")
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        async with transaction(service.sessions) as session:
            paie = await depot_comptes.creer_compte(
                session,
                role="employeur",
                identifiant="paie",
                code_hash=depot_comptes.hacher(CODE),
                siret=service.pop.employeur.siret,
                nom="Roux",
                prenom="Inès",
                email=PAIE,
            )
            session.add(avec_question_secrete(paie))
            drh = (await session.exec(select(Compte).where(Compte.identifiant == "drh"))).one()
            drh.profil = "admin"
            session.add(drh)
        yield service


async def _compte(service, identifiant: str) -> Compte:
    async with service.sessions() as session:
        return (await session.exec(select(Compte).where(Compte.identifiant == identifiant))).one()


async def test_desactiver_passe_par_sa_confirmation(service):
    paie = await _compte(service, "paie")
    admin = await navigateur(service, "rh-commune")
    page = await admin.get("/employeur/utilisateurs")
    assert page.status_code == 200 and mots_de_code(page.text) == []

    # Each irreversible action's form is in its modal, opened by its button; none outside a modal.
    [desactivation] = [f for f in formulaires(page.text) if f.champs.get("actif") == "false"]
    assert desactivation.action == f"/employeur/utilisateurs/{paie.id}"
    assert desactivation.dialogue == f"desactiver-{paie.id}" and bouton_de_dialogue(page.text, desactivation.dialogue)
    [regeneration] = [f for f in formulaires(page.text) if f.action.endswith("/code")]
    assert regeneration.action == f"/employeur/utilisateurs/{paie.id}/code"
    assert regeneration.dialogue == f"nouveau-code-{paie.id}" and bouton_de_dialogue(page.text, regeneration.dialogue)
    assert "Inès Roux ne pourra plus se connecter" in page.text
    assert f"Le nouveau code sera envoyé par courriel à {PAIE}" in page.text

    utilisateur = await navigateur(service, "paie")
    assert (await utilisateur.get("/taches")).status_code == 200
    # Confirmed: the modal's form is posted as the browser does.
    confirme = await admin.post(desactivation.action, desactivation.champs)
    assert confirme.status_code == 303
    assert "Désactivé" in (await admin.get(confirme.headers["location"])).text
    assert (await utilisateur.get("/taches")).headers["location"].startswith("/connexion")
    assert (await (await navigateur(service)).connecter("paie")).status_code == 401

    # Deactivated, the account offers « Réactiver » (reversible: no modal) and no new code.
    page = await admin.get("/employeur/utilisateurs")
    assert next(f for f in formulaires(page.text) if f.champs.get("actif") == "true").dialogue is None
    assert not [f for f in formulaires(page.text) if f.action.endswith("/code")]


async def test_l_administrateur_genere_un_nouveau_code(service, boite_mail):
    paie, rh = await _compte(service, "paie"), await _compte(service, "rh-commune")
    session_ouverte = await navigateur(service, "paie")
    jeton = await service.http("paie")
    assert (await jeton.get("/taches")).status_code == 200

    admin = await navigateur(service, "rh-commune")
    page = await admin.get("/employeur/utilisateurs")
    [regeneration] = [f for f in formulaires(page.text) if f.action.endswith("/code")]
    genere = await admin.post(regeneration.action, regeneration.champs)
    assert genere.status_code == 200, genere.text
    assert mots_de_code(genere.text) == []
    assert "Transmettez-lui vous-même le code de certification" in genere.text
    certification = _CERTIFICATION.search(genere.text).group(1)

    [recu] = boite_mail.pour(PAIE)
    assert recu["Subject"] == "Régénération de code confidentiel"
    assert "que vous communiquera l'administrateur de votre établissement" in texte(recu)
    assert "Vous n'êtes pas à l'origine de cette demande" not in texte(recu)  # it was the administrator's
    code = _CODE_MAILE.search(texte(recu)).group(1)
    assert code not in genere.text  # the code goes by mail only

    # The old code, the open page session and the old token no longer open anything.
    assert (await session_ouverte.get("/taches")).headers["location"].startswith("/connexion")
    assert (await jeton.get("/taches")).status_code == 401
    nav = await navigateur(service)
    assert (await nav.connecter("paie", CODE)).status_code == 401
    sans = await nav.connecter("paie", code)
    assert sans.status_code == 401 and "Code de certification requis" in sans.text
    await nav.get("/comptes/certification?identifiant=paie")
    entre = await nav.post(
        "/comptes/certification", {"identifiant": "paie", "code": code, "certification": certification}
    )
    assert entre.status_code == 303 and entre.headers["location"] == "/taches"
    assert (await nav.get("/taches")).status_code == 200

    # One mail, sent, its code masked in the stored copy; the history says who regenerated.
    assert len(boite_mail.pour(PAIE)) == 1
    async with service.sessions() as session:
        [mail] = (await session.exec(select(Mail).where(Mail.evenement == "code_regenere"))).all()
        [trace] = (await session.exec(select(Evenement).where(Evenement.processus_id == f"compte-{paie.id}"))).all()
    assert mail.etat == "envoye" and code not in mail.corps_texte
    assert (trace.type, trace.acteur, trace.compte_id) == ("code_regenere_par_administrateur", "employeur", rh.id)
    assert trace.details == {"compte": "paie", "par": "rh-commune"}


async def test_generer_un_code_est_refuse_hors_de_son_etablissement(service, boite_mail):
    paie, rh = await _compte(service, "paie"), await _compte(service, "rh-commune")

    # The other establishment's administrator: not found, by page and by the JSON route; nothing changes.
    autre = await navigateur(service, "drh")
    await autre.get("/employeur/utilisateurs")
    refus = await autre.post(f"/employeur/utilisateurs/{paie.id}/code")
    assert refus.status_code == 404 and "pas de votre établissement" in refus.text
    assert (await (await service.http("drh")).post(f"/comptes/{paie.id}/code-confidentiel")).status_code == 404
    # Neither an agent nor a user who is no administrator; nor the administrator for its own code.
    assert (await (await service.http("camille")).post(f"/comptes/{paie.id}/code-confidentiel")).status_code == 403
    assert (await (await service.http("paie")).post(f"/comptes/{rh.id}/code-confidentiel")).status_code == 403
    simple_utilisateur = await navigateur(service, "paie")
    await simple_utilisateur.get("/taches")
    refus = await simple_utilisateur.post(f"/employeur/utilisateurs/{rh.id}/code")
    assert refus.status_code == 403 and "seul un administrateur" in refus.text
    soi = await (await service.http("rh-commune")).post(f"/comptes/{rh.id}/code-confidentiel")
    assert soi.status_code == 409 and "Code confidentiel oublié" in soi.json()["detail"]
    assert boite_mail.pour(PAIE) == []
    assert (await (await navigateur(service)).connecter("paie", CODE)).status_code == 303

    # Nor a supervisor (no accounts page of theirs).
    assert (await (await service.http("superviseur")).post(f"/comptes/{paie.id}/code-confidentiel")).status_code == 403
    assert boite_mail.pour(PAIE) == []


async def test_la_premiere_connexion_demande_la_question_secrete(service, boite_mail):
    admin = await navigateur(service, "rh-commune")
    await admin.get("/employeur/utilisateurs")
    nouveau = {"identifiant": "gestion.rh", "nom": "Blanc", "prenom": "Lucie", "email": "rh2@saint-exemple.fr"}
    assert (await admin.post("/employeur/utilisateurs", {**nouveau, "profil": "admin"})).status_code == 303
    code = re.search(r"code confidentiel initial :\s+([A-Z0-9]{8})\s", texte(boite_mail.pour(nouveau["email"])[0]))
    code = code.group(1)

    nav = await navigateur(service)
    connexion = await nav.connecter("gestion.rh", code)
    assert connexion.status_code == 303 and connexion.headers["location"] == "/comptes/question-secrete"

    # Before it is chosen, every other page sends back to it, and a form posted elsewhere does nothing.
    for adresse in ("/taches", "/employeur/utilisateurs", "/cir"):
        renvoi = await nav.get(adresse)
        assert renvoi.status_code == 303
        assert renvoi.headers["location"] == f"/comptes/question-secrete?suite=%2F{adresse[1:].replace('/', '%2F')}"
    page = await nav.get("/comptes/question-secrete?suite=%2Fcir")
    assert page.status_code == 200 and mots_de_code(page.text) == []
    assert "Choisissez votre question secrète" in page.text and "C'est votre première connexion" in page.text
    assert 'name="suite" value="/cir"' in page.text
    autre_compte = {**nouveau, "identifiant": "intrus", "email": "intrus@saint-exemple.fr", "profil": "utilisateur"}
    poste = await nav.post("/employeur/utilisateurs", autre_compte)
    assert poste.status_code == 303 and poste.headers["location"] == "/comptes/question-secrete"
    assert boite_mail.pour("intrus@saint-exemple.fr") == []

    # Its errors name the field by its label; a wrong code changes nothing.
    sans_question = await nav.post("/comptes/question-secrete", {"reponse": "Mistigri", "code": code, "suite": "/cir"})
    assert sans_question.status_code == 422 and 'id="question-erreur"' in sans_question.text
    assert "n&#39;est pas enregistrée. Question : ce champ est obligatoire" in sans_question.text
    assert mots_de_code(sans_question.text) == []
    faux = {"question": "premier_animal", "reponse": "Mistigri", "code": "PASLEBON", "suite": "/cir"}
    mauvais_code = await nav.post("/comptes/question-secrete", faux)
    assert mauvais_code.status_code == 403 and 'id="code-erreur"' in mauvais_code.text
    assert "Votre code confidentiel actuel : ce n&#39;est pas votre code confidentiel actuel" in mauvais_code.text
    assert (await nav.get("/taches")).status_code == 303

    # Logging out is allowed meanwhile; the next login asks again.
    await nav.get("/comptes/question-secrete")
    assert (await nav.post("/deconnexion")).headers["location"] == "/connexion"
    assert (await nav.connecter("gestion.rh", code)).headers["location"] == "/comptes/question-secrete"

    # Chosen: on to the page asked for, then every page as usual; the answer is stored hashed.
    await nav.get("/comptes/question-secrete?suite=%2Fcir")
    choisie = await nav.post("/comptes/question-secrete", {**faux, "code": code})
    assert choisie.status_code == 303 and choisie.headers["location"] == "/cir"
    assert (await nav.get("/cir")).status_code == 200
    assert (await nav.get("/employeur/utilisateurs")).status_code == 200
    compte = await _compte(service, "gestion.rh")
    assert compte.question_secrete == "premier_animal" and "Mistigri" not in compte.reponse_secrete_hash
    assert depot_comptes.verifier("mistigri", compte.reponse_secrete_hash)
    assert (await (await navigateur(service)).connecter("gestion.rh", code)).headers["location"] == "/taches"
    # The page stays, to change the question later.
    assert "Question actuelle : « Quel était le nom de votre premier animal de compagnie ? »" in (
        await nav.get("/comptes/question-secrete")
    ).text.replace("&#39;", "'")
