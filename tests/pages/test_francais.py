"""Every word a person reads is French: each role, signed in on a service whose processes are in several states
(an EIR closed with its survey, one waiting for its employer, a CIR year with its amounts), follows every link from
its home page; no page shows a code word (``tests/support/lexique.py``). And the words that are not on a page until
something goes wrong: an error names its field by its label, an amount is written and read the French way, a mail
template is listed by its title."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import date
from decimal import Decimal

import pytest
from markupsafe import escape
from sqlmodel import select

from api.app import create_app
from api.pages.libelles import CHAMPS, champ_fr, enumeration, message_fr
from domain.cir import cotisations_attendues
from notifications.catalogue import TITRES
from notifications.exemples import contexte_exemple
from notifications.puits import demarrer_puits
from notifications.rendu import Gabarits, de
from persistence.migrations import migrer_async
from persistence.models import LigneCirTable
from tests.support.environnement import BoiteMail, delais_eir_courts, port_libre, settings_de_test
from tests.support.exploration import explorer
from tests.support.fabriques import demande_et_tache
from tests.support.lexique import mots_de_code, texte_lu
from tests.support.navigateur import navigateur
from tests.support.parcours_eir import eir_jusqu_au_bilan, repondre_a_l_enquete
from tests.support.service import Service, assembler
from worker import creer_worker

PERSONNES = ("camille", "lea", "rh-commune", "drh", "superviseur")
# The pages this branch answers for (the employer's tasks, CIR and campaigns; the supervisor's mail templates):
# scanned strictly. The others are scanned by ``test_aucune_page_ne_montre_de_code``.
PAGES_PROPRES = ("/taches", "/cir", "/employeur/campagnes", "/superviseur/gabarits")


async def _cir_avec_montants(service: Service, annee: int = 2022) -> None:
    rh = await service.http("rh-commune")
    debut, fin = date(annee, 1, 1), date(annee, 12, 31)
    attendu = cotisations_attendues(Decimal("33081.10"), debut, fin)
    ligne = {
        "date_debut": debut.isoformat(),
        "date_fin": fin.isoformat(),
        "quotite": 100,
        "indice_majore": 560,
        "traitement_brut": "33081.10",
        "nbi": "0",
        **{cle: str(valeur) for cle, valeur in attendu.items()},
    }
    reponse = await rh.put(f"/affilies/{service.pop.affilie.nir}/cir/{annee}", json=ligne)
    assert reponse.status_code == 200, reponse.text


@pytest.fixture(scope="module")
async def pages_par_personne(env_dev, tmp_path_factory) -> dict[str, dict[str, tuple[int, str]]]:
    """Camille's EIR closed (bilan, survey answered), Jean's waiting for his employer's check, a CIR year with its
    amounts; then each person's crawl, once for the module's tests."""
    dossier = tmp_path_factory.mktemp("francais")
    url = f"sqlite+aiosqlite:///{dossier / 'cnracl.db'}"
    await migrer_async(url)
    controleur, gestionnaire = demarrer_puits(dossier / "mail", port=(port := port_libre()))
    boite_mail = BoiteMail(gestionnaire, port)
    settings = settings_de_test(
        dossier, url, port, temporal_address=env_dev.client.service_client.config.target_host, **delais_eir_courts()
    )
    try:
        async with AsyncExitStack() as pile:
            service = await assembler(settings, pile)
            await pile.enter_async_context(creer_worker(env_dev.client, settings, service.sessions))
            camille, rh = await service.http("camille"), await service.http("rh-commune")
            demande = await eir_jusqu_au_bilan(camille, rh, boite_mail)
            await repondre_a_l_enquete(service, camille, demande, boite_mail)
            assert (await (await service.http("jean")).post("/eir", json={})).status_code == 201
            await _cir_avec_montants(service)
            return {identifiant: await _pages_de(service, identifiant) for identifiant in PERSONNES}
    finally:
        controleur.stop()


async def _pages_de(service: Service, identifiant: str) -> dict[str, tuple[int, str]]:
    nav = await navigateur(service, identifiant, lever=False)
    # the inbox lists open tasks first: the completed ones are a filter away (a form, not a link)
    return await explorer(nav, ("/", "/taches?etat_tache=terminee"))


def _constats(pages_par_personne: dict[str, dict[str, tuple[int, str]]]) -> list[str]:
    constats = []
    for identifiant, pages in pages_par_personne.items():
        for adresse, (statut, html) in pages.items():
            if statut >= 500:
                constats.append(f"{identifiant} {adresse} : erreur {statut}")
            constats += [f"{identifiant} {adresse} : {mot}" for mot in mots_de_code(html)]
    return constats


async def test_les_pages_employeur_et_modeles_de_mails_ne_montrent_pas_de_code(pages_par_personne):
    """This branch's pages, strictly: the employer's tasks, CIR and campaigns, the supervisor's mail templates."""
    employeur, superviseur = pages_par_personne["rh-commune"], pages_par_personne["superviseur"]
    assert any(a.startswith("/cir/") for a in employeur) and any(a.startswith("/taches/") for a in employeur)
    assert any(a.startswith("/employeur/campagnes") for a in employeur)
    assert sum(a.startswith("/superviseur/gabarits/") for a in superviseur) > 20
    propres = [c for c in _constats(pages_par_personne) if c.split(" ", 2)[1].startswith(PAGES_PROPRES)]
    assert propres == [], "\n".join(propres)


async def test_aucune_page_ne_montre_de_code(pages_par_personne):
    """Every page each person reaches from their home page, whoever answers for it."""
    assert sum(len(pages) for pages in pages_par_personne.values()) > 60
    constats = _constats(pages_par_personne)
    assert constats == [], "\n".join(constats)


# --- the words shown only when something goes wrong, or typed in a field ---


@pytest.fixture
async def service(tmp_path, url_sqlite):
    # No process engine: writing the CIR and reading its pages never need it.
    settings = settings_de_test(tmp_path, url_sqlite, port_libre(), temporal_address="127.0.0.1:1")
    async with AsyncExitStack() as pile:
        yield await assembler(settings, pile)


def _en_francais(montant: Decimal) -> str:
    """An amount as a person types it: a space between the thousands, a comma before the cents."""
    entier, _, centimes = f"{montant:.2f}".partition(".")
    return f"{int(entier):,}".replace(",", " ") + f",{centimes}"


async def test_un_montant_saisi_a_la_francaise_est_enregistre_et_reaffiche_a_la_francaise(service):
    rh = await navigateur(service, "rh-commune")
    nir = service.pop.affilie.nir
    attendu = cotisations_attendues(Decimal("33081.10"), date(2022, 1, 1), date(2022, 12, 31))
    await rh.get(f"/cir/{nir}?annee=2022")
    formulaire = {
        "date_debut": "2022-01-01",
        "date_fin": "2022-12-31",
        "quotite": "100",
        "nature": "titulaire",
        "categorie": "sedentaire",
        "indice_majore": "560",
        "traitement_brut": "33 081,10",
        "nbi": "0",
        "retenue_salariale": _en_francais(attendu["retenue_salariale"]),
        "contribution_employeur": _en_francais(attendu["contribution_employeur"]).replace(" ", ""),
    }
    reponse = await rh.post(f"/cir/{nir}/2022", formulaire)
    assert reponse.status_code == 303, reponse.text
    async with service.sessions() as session:
        [ligne] = (
            await session.exec(
                select(LigneCirTable).where(
                    LigneCirTable.annee == 2022, LigneCirTable.affilie_id == service.pop.affilie.id
                )
            )
        ).all()
    assert ligne.traitement_brut_centimes == 3308110
    assert ligne.retenue_salariale_centimes == int(attendu["retenue_salariale"] * 100)
    page = (await rh.get(f"/cir/{nir}?annee=2022")).text
    assert 'value="33\u202f081,10"' in page and "33081.10" not in page
    assert mots_de_code(page) == []
    # the dot of a program is read too (the quotité changes, or the line would be the same); a point between the
    # thousands is not an amount
    correction = {**formulaire, "traitement_brut": "33081.10", "quotite": "80", "remplace": "2022-01-01"}
    assert (await rh.post(f"/cir/{nir}/2022", correction)).status_code == 303
    refus = await rh.post(f"/cir/{nir}/2022", {**formulaire, "traitement_brut": "33.081,10", "remplace": "2022-01-01"})
    assert refus.status_code == 422
    texte = texte_lu(refus.text)
    assert "Traitement indiciaire brut soumis à retenue : un montant en euros est attendu" in texte
    assert "par exemple 33 081,10" in texte and "traitement_brut" not in texte


async def test_une_erreur_nomme_le_champ_par_son_libelle_en_json_et_sur_la_page(service):
    nir = service.pop.affilie.nir
    ligne = {"date_debut": "2022-03-01", "date_fin": "2022-02-01"}
    json = await (await service.http("rh-commune")).put(f"/affilies/{nir}/cir/2022", json=ligne)
    assert json.status_code == 422
    corps = json.json()
    assert corps["detail"].startswith("Données invalides — Dernier jour : la fin de la période précède son début")
    assert [e["champ"] for e in corps["erreurs"]] == ["date_fin"]  # the code stays, for programs
    assert "date_fin" not in corps["detail"] and "date_fin" not in corps["erreurs"][0]["message"]

    rh = await navigateur(service, "rh-commune")
    await rh.get(f"/cir/{nir}?annee=2022")
    page = await rh.post(f"/cir/{nir}/2022", {**ligne, "quotite": "100"})
    assert page.status_code == 422
    texte = texte_lu(page.text)
    assert "Dernier jour : la fin de la période précède son début" in texte
    assert mots_de_code(page.text) == [], mots_de_code(page.text)
    # a use case's refusal (not a form's): the same label
    await rh.get(f"/cir/{nir}?annee=2090")
    futur = await rh.post(f"/cir/{nir}/2090", {"date_debut": "2090-01-01", "date_fin": "2090-12-31"})
    assert futur.status_code == 422 and mots_de_code(futur.text) == [], mots_de_code(futur.text)
    assert "Dernier jour : la période se termine le 31/12/2090" in texte_lu(futur.text)


async def test_la_tache_refusee_nomme_la_case_a_cocher_par_son_libelle(service):
    """The refusal the issue quotes (« carriere_verifiee : … »), on the task's page and in JSON."""
    _, verification = await demande_et_tache(service.sessions, service.pop.affilie)
    tache = verification.id
    rh = await navigateur(service, "rh-commune")
    await rh.get(f"/taches/{tache}")
    page = await rh.post(f"/taches/{tache}", {"indice_fin_de_carriere": "600"})
    assert page.status_code == 422
    texte = texte_lu(page.text)
    assert "J'ai vérifié la carrière CNRACL de l'agent : vérifiez la carrière de l'agent" in texte
    assert mots_de_code(page.text) == [], mots_de_code(page.text)
    json = await (await service.http("rh-commune")).post(
        f"/taches/{tache}/completion", json={"carriere_verifiee": False, "indice_fin_de_carriere": 600}
    )
    assert json.status_code == 422
    assert json.json()["detail"].startswith("J'ai vérifié la carrière CNRACL de l'agent : vérifiez la carrière")
    assert [e["champ"] for e in json.json()["erreurs"]] == ["carriere_verifiee"]


def _champs_des_requetes() -> set[str]:
    """Every field a program may send: the JSON bodies' (nested too), the addresses' and the filters'."""
    schema = create_app().openapi()
    composants, noms = schema["components"]["schemas"], set()

    def visiter(morceau: dict, vus: set[str]) -> None:
        if "$ref" in morceau:
            nom = morceau["$ref"].rsplit("/", 1)[-1]
            if nom not in vus:
                visiter(composants[nom], vus | {nom})
            return
        for champ, sous in morceau.get("properties", {}).items():
            noms.add(champ)
            visiter(sous, vus)
        for cle in ("items", "additionalProperties"):
            if isinstance(morceau.get(cle), dict):
                visiter(morceau[cle], vus)
        for cle in ("anyOf", "allOf", "oneOf"):
            for sous in morceau.get(cle, []):
                visiter(sous, vus)

    for operations in schema["paths"].values():
        for operation in operations.values():
            noms |= {parametre["name"] for parametre in operation.get("parameters", [])}
            for contenu in operation.get("requestBody", {}).get("content", {}).values():
                visiter(contenu["schema"], set())
    return noms


def test_chaque_champ_d_une_requete_a_son_libelle():
    assert _champs_des_requetes() - CHAMPS.keys() == set()
    assert all(libelle[0].isupper() and "_" not in libelle for libelle in CHAMPS.values())


def test_chaque_modele_de_mail_a_son_titre_et_l_elision_est_faite():
    assert set(TITRES) == set(Gabarits().evenements())
    assert len(set(TITRES.values())) == len(TITRES)  # two templates never share a title
    assert (de("EIG"), de("RIS"), de("Inès"), de("Camille")) == ("d'EIG", "de RIS", "d'Inès", "de Camille")
    rendu = Gabarits().rendre("rectification_enregistree", contexte_exemple("rectification_enregistree"))
    assert rendu.sujet == "Votre demande d'EIG rectificatif est enregistrée"


@pytest.mark.parametrize("evenement", Gabarits().evenements())
def test_chaque_mail_se_lit_en_francais(evenement):
    """Each mail as its recipient reads it (subject, text, HTML), with the sample data."""
    mail = Gabarits().rendre(evenement, contexte_exemple(evenement))
    texte = f"<p>{escape(mail.sujet)}</p><pre>{escape(mail.texte)}</pre>"
    assert mots_de_code(texte) == [] and mots_de_code(mail.html) == [], mots_de_code(texte) + mots_de_code(mail.html)


async def test_un_modele_de_mail_est_liste_par_son_titre(service):
    superviseur = await navigateur(service, "superviseur")
    liste = await superviseur.get("/superviseur/gabarits")
    titre = "Accusé de réception de la demande d'entretien (à l'agent)"
    assert f'<a href="/superviseur/gabarits/accuse_reception">{escape(titre)}</a>' in liste.text
    assert mots_de_code(liste.text) == [], mots_de_code(liste.text)
    apercu = await superviseur.get("/superviseur/gabarits/accuse_reception")
    assert f"<h1>{escape(titre)}</h1>" in apercu.text
    assert mots_de_code(apercu.text) == [], mots_de_code(apercu.text)


def test_les_phrases_de_refus_et_les_listes_se_lisent_en_francais():
    assert message_fr("date_fin : la fin précède le début") == "Dernier jour : la fin précède le début"
    assert message_fr("retenue_salariale : écart ; contribution_employeur : écart") == (
        "Retenue salariale : écart ; Contribution employeur : écart"
    )
    assert message_fr("Introuvable : rien à cette adresse") == "Introuvable : rien à cette adresse"
    assert champ_fr("corrections.0.date_debut") == "Premier jour (corrections du CIR, n° 1)"
    assert champ_fr("reponses.1") == "Réponses à l'enquête (n° 2)"
    assert (enumeration(["2"]), enumeration(["2", "3", "4", "5"])) == ("2", "2, 3, 4 et 5")
