"""The edges of the service: numbers beyond their bounds, oversized and malformed bodies, control characters in
free text; each refused in French, never a 500."""

from __future__ import annotations

import pytest

from tests.support.navigateur import navigateur
from tests.support.service import service_seul

ENORME = "99999999999999999999"


@pytest.fixture
async def service(tmp_path, url_base):
    async with service_seul(tmp_path, url_base) as service:
        yield service


async def test_un_numero_hors_bornes_est_introuvable_et_un_parametre_hors_bornes_invalide(service):
    rh, camille = await service.http("rh-commune"), await service.http("camille")
    decalage = await rh.get(f"/taches?decalage={ENORME}")
    assert decalage.status_code == 422
    assert decalage.json()["erreurs"] == [
        {"champ": "decalage", "regle": "less_than_equal", "message": "la valeur doit être au plus 2147483647"}
    ]
    for adresse in (
        f"/eir/{ENORME}",
        f"/eir/{ENORME}/bilan",
        "/eir/0",
        "/eir/-3",
        "/eir/douze",
        f"/documents/{ENORME}",
    ):
        reponse = await camille.get(adresse)
        assert reponse.status_code == 404, adresse
        assert reponse.json()["detail"].startswith("Introuvable — "), reponse.text
        assert "aucun enregistrement ne porte le numéro" in reponse.json()["detail"]
    assert "un numéro est un nombre entier de 1 à 2147483647" in (await rh.get(f"/taches/{ENORME}")).json()["detail"]
    nir = service.pop.affilie.nir
    annee = await rh.put(f"/affilies/{nir}/cir/99999", json={})
    assert annee.status_code == 422 and "Année : la valeur doit être au plus 9999" in annee.json()["detail"]


async def test_les_pages_refusent_les_nombres_hors_bornes_en_francais(service):
    agent, employeur = await navigateur(service, "camille"), await navigateur(service, "rh-commune")
    page = await agent.get(f"/eir/{ENORME}")
    assert page.status_code == 404 and "<h1>Page introuvable</h1>" in page.text
    assert "aucun enregistrement ne porte le numéro « 99999999999999999999 »" in page.text
    cir = await employeur.get(f"/cir/{service.pop.affilie.nir}?annee=99999")
    assert cir.status_code == 422 and "Année : la valeur doit être au plus 2100" in cir.text
    assert (await employeur.get(f"/taches/{ENORME}")).status_code == 404


async def test_un_corps_trop_volumineux_est_refuse_avant_d_etre_lu(service):
    camille = await service.http("camille")
    enorme = b'{"motif": "' + b"x" * (1_048_576 + 1) + b'"}'
    annonce = await camille.post("/rectifications", content=enorme, headers={"Content-Type": "application/json"})
    assert annonce.status_code == 413
    assert annonce.json()["detail"].startswith("Requête trop volumineuse : son corps dépasse 1 Mo")

    async def par_morceaux():  # no Content-Length: counted while it is read
        for _ in range(20):
            yield b"x" * 100_000

    en_flux = await camille.post(
        "/rectifications", content=par_morceaux(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in en_flux.request.headers
    assert en_flux.status_code == 413 and "1 Mo" in en_flux.json()["detail"]
    page = await navigateur(service, "camille")
    await page.get("/rectifications")
    formulaire = await page.client.post(
        "/rectifications", content=par_morceaux(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert formulaire.status_code == 413 and "<h1>Requête trop volumineuse</h1>" in formulaire.text
    annonce_page = await page.client.post(
        "/rectifications",
        content=b"motif=" + b"x" * 1_048_576,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert annonce_page.status_code == 413 and "<h1>Requête trop volumineuse</h1>" in annonce_page.text
    petit = await camille.post("/rectifications", json={"motif": "x" * 1000})
    assert petit.status_code == 422  # under the limit, the body is read and its fields checked


async def test_un_corps_illisible_est_refuse_en_francais(service):
    camille = await service.http("camille")
    json = {"Content-Type": "application/json"}
    syntaxe = await camille.post("/rectifications", content=b'{"motif": ', headers=json)
    assert syntaxe.status_code == 422
    assert syntaxe.json()["erreurs"] == [
        {
            "champ": "corps",
            "regle": "json_invalid",
            "message": "le corps de la requête n'est pas un JSON valide (erreur au caractère 10) : vérifiez sa syntaxe",
        }
    ]
    for corps, entetes in (
        (b'{"motif": "\xff\xfe"}', json),  # not UTF-8
        (b'{"motif": "x"}', {"Content-Type": "text/plain"}),
        (b"motif=x", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"--x\r\n", {"Content-Type": "multipart/form-data"}),  # no boundary
    ):
        reponse = await camille.post("/rectifications", content=corps, headers=entetes)
        assert 400 <= reponse.status_code < 500, (corps, reponse.text)
        assert not any(
            anglais in reponse.text for anglais in ("There was", "Input should", "JSON decode", "Expecting")
        ), reponse.text
        assert reponse.json()["detail"][0].isupper() and " : " in reponse.json()["detail"], reponse.text
    page = await navigateur(service, "camille")
    await page.get("/rectifications")
    sans_frontiere = await page.client.post(
        "/rectifications", content=b"--x\r\n", headers={"Content-Type": "multipart/form-data"}
    )
    assert sans_frontiere.status_code == 400 and "Le corps de la requête est illisible" in sans_frontiere.text
    champs = "&".join(f"c{i}=x" for i in range(1001))  # Starlette's bound on a form's fields
    trop = await page.client.post(
        "/rectifications", content=champs.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert trop.status_code == 400 and "Le formulaire est trop volumineux" in trop.text


async def test_les_pages_interdisent_scripts_en_ligne_cadres_et_referents(service):
    page = await navigateur(service)
    connexion = await page.get("/connexion")
    politique = connexion.headers["content-security-policy"]
    assert "default-src 'self'" in politique and "script-src 'self';" in politique
    assert "frame-ancestors 'none'" in politique and "unsafe-inline" not in politique
    assert connexion.headers["referrer-policy"] == "same-origin"
    assert connexion.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in connexion.text and "onclick=" not in connexion.text and "<style>" not in connexion.text
    assert "frame-ancestors 'none'" in (await page.client.get("/api/v1/sante")).headers["content-security-policy"]
    style = await page.client.get("/static/cnracl/cnracl.css")
    assert style.status_code == 200 and ".en-retard" in style.text


async def test_un_texte_libre_refuse_les_caracteres_de_controle_et_d_orientation(service):
    camille = await service.http("camille")
    corps = {
        "type_document": "ris",
        "annee_document": 2024,
        "periode_debut": "2019-01-01",
        "periode_fin": "2019-12-31",
        "siret_employeur": service.pop.employeur.siret,
    }
    for piege, nom in (("\x00", "U+0000"), ("\x1b[2J", "U+001B"), ("\u202e", "U+202E")):
        refus = await camille.post("/rectifications", json={**corps, "motif": f"Période fausse{piege} ici"})
        assert refus.status_code == 422, refus.text
        erreur = refus.json()["erreurs"][0]
        assert erreur["champ"] == "motif" and erreur["regle"] == "texte_caractere_interdit"
        assert "caractère invisible interdit" in erreur["message"] and f"({nom}) en position 15" in erreur["message"]
    assert (await camille.get("/rectifications")).json() == []  # nothing stored
    page = await navigateur(service, "camille")
    await page.get("/rectifications")
    formulaire = await page.post("/rectifications", {**corps, "motif": "Période\u202e fausse"})
    assert formulaire.status_code == 422 and "caractère invisible interdit" in formulaire.text


async def test_une_adresse_avec_un_caractere_de_controle_est_refusee(service):
    superviseur = await service.http("superviseur")
    for adresse in ("/processus/eir%00-1", "/processus?etat=ouvert%1B", "/taches?type=%E2%80%AE"):
        reponse = await superviseur.get(adresse)
        assert reponse.status_code == 400 and reponse.json()["detail"].startswith("Adresse invalide : elle contient")
    page = await navigateur(service, "superviseur")
    refus = await page.get("/processus/eir%00-1")
    assert refus.status_code == 400 and "caractère invisible interdit (U+0000)" in refus.text


async def test_la_page_d_erreur_interne_porte_aussi_les_entetes_de_securite(service):
    async def panne() -> None:
        raise RuntimeError("panne simulée")

    service.app.add_api_route("/essai-de-panne", panne)
    page = await navigateur(service, lever=False)
    reponse = await page.get("/essai-de-panne")
    assert reponse.status_code == 500 and "Erreur interne du service" in reponse.text
    assert "frame-ancestors 'none'" in reponse.headers["content-security-policy"]
    assert reponse.headers["x-content-type-options"] == "nosniff"
