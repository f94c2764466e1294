"""The campaign's perimeter through the API and the supervisor's page: refusals in French naming the field and what
to do (unknown agent or employer, not in the campaign, already excluded, before the selection), 403 for anyone but
a supervisor, two identical requests at once make one exclusion (no 500); the campaign page lists the exclusions
and additions, and its forms exclude, lift and add, a refusal shown on its field."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlmodel import select

from persistence.fabrique import nir_valide
from persistence.models_campagne import PerimetreCampagne
from tests.support.attente import attendre, au_repos
from tests.support.campagne import avancer_jusqua
from tests.support.lexique import mots_de_code
from tests.support.perimetre import banc_perimetre
from workflows.campagne_client import demande_campagne


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, url_base):
    async with banc_perimetre(env_temps_accelere, tmp_path, boite_mail, url_base, avec_eig=False) as banc:
        yield banc
        await banc.env.client.get_workflow_handle(f"campagne-dai-{banc.pop.annee}").terminate()


def _agent(banc, cle: str, motif: str = "Contrôle") -> dict:
    return {"type": "agent", "nir": banc.pop.agents[cle].nir, "motif": motif}


async def test_refus_concurrence_et_levee(banc):
    pop = banc.pop
    annee = pop.annee
    superviseur, rh = await banc.http("superviseur"), await banc.http("rh-commune")
    url = f"/campagnes/{annee}/exclusions"

    assert (await superviseur.post(url, json=_agent(banc, "alice"))).status_code == 404  # no campaign yet
    assert (await superviseur.post(f"/campagnes/{annee}")).status_code == 202
    reponse = await superviseur.post(url, json=_agent(banc, "alice"))
    assert reponse.status_code == 409 and "n'a pas encore sélectionné ses agents" in reponse.json()["detail"]

    cal = demande_campagne(banc.settings, annee).calendrier
    await avancer_jusqua(banc.env, cal.lancement + timedelta(hours=1))
    await attendre(lambda: len(banc.boite.messages) == 2)
    await au_repos(banc.env.client.get_workflow_handle(f"campagne-dai-{annee}"))

    # Only supervisors.
    assert (await rh.post(url, json=_agent(banc, "alice"))).status_code == 403
    assert (await rh.post(f"/campagnes/{annee}/ajouts", json=_agent(banc, "yanis"))).status_code == 403
    assert (await rh.get(url)).status_code == 403

    # Each refusal names its field (by its label) and says what to do.
    inconnu = nir_valide(1, date(1970, 1, 15), "33", 63, 999)  # a well-formed NIR nobody has
    refus = {
        "inconnu": await superviseur.post(url, json={"type": "agent", "nir": inconnu, "motif": "x"}),
        "hors_campagne": await superviseur.post(url, json=_agent(banc, "denis")),
        "sans_siret": await superviseur.post(url, json={"type": "employeur", "motif": "x"}),
        "sans_motif": await superviseur.post(url, json=_agent(banc, "alice", motif="  ")),
        "employeur_inconnu": await superviseur.post(
            url, json={"type": "employeur", "siret": "21330063000299", "motif": "x"}
        ),
    }
    assert {cle: r.status_code for cle, r in refus.items()} == dict.fromkeys(refus, 422)
    assert refus["inconnu"].json()["erreurs"][0]["champ"] == "nir"
    assert "aucun agent de ce NIR" in refus["inconnu"].json()["detail"]
    assert refus["inconnu"].json()["detail"].startswith("Numéro de sécurité sociale (NIR) : ")
    assert "n'est pas dans la campagne" in refus["hors_campagne"].json()["detail"]
    assert "SIRET" in refus["sans_siret"].json()["detail"]
    assert refus["sans_motif"].json()["erreurs"][0]["champ"] == "motif"
    assert refus["employeur_inconnu"].json()["erreurs"][0]["champ"] == "siret"

    # Two identical requests at once: one exclusion, the other told it exists; no 500.
    reponses = await asyncio.gather(*(superviseur.post(url, json=_agent(banc, "alice")) for _ in range(2)))
    assert Counter(r.status_code for r in reponses) == {201: 1, 409: 1}, [r.text for r in reponses]
    (refusee,) = [r for r in reponses if r.status_code == 409]
    assert "est déjà exclu de la campagne" in refusee.json()["detail"]
    async with banc.sessions() as session:
        assert len((await session.exec(select(PerimetreCampagne))).all()) == 1
    assert len(await banc.evenements("exclusion_decidee")) == 1
    (exclusion,) = (await superviseur.get(url)).json()
    assert exclusion["nom"] == "Alice NomAlice" and exclusion["en_vigueur"]

    # Adding: already in the campaign, not in any cohort, or excluded: refused; a late affiliate: added.
    ajouts = f"/campagnes/{annee}/ajouts"
    reponse = await superviseur.post(ajouts, json=_agent(banc, "bruno"))
    assert reponse.status_code == 409 and "déjà dans la campagne" in reponse.json()["detail"]
    reponse = await superviseur.post(ajouts, json=_agent(banc, "alice"))
    assert reponse.status_code == 409
    reponse = await superviseur.post(ajouts, json=_agent(banc, "yanis"))
    assert reponse.status_code == 422 and "n'a pas d'employeur CNRACL" in reponse.json()["detail"]
    await banc.affilier(pop.agents["yanis"], "commune")
    reponse = await superviseur.post(ajouts, json=_agent(banc, "denis"))
    assert reponse.status_code == 422 and "n'entre dans aucune cohorte" in reponse.json()["detail"]
    assert "38 ans" in reponse.json()["detail"]
    reponses = await asyncio.gather(*(superviseur.post(ajouts, json=_agent(banc, "yanis")) for _ in range(2)))
    assert Counter(r.status_code for r in reponses) == {201: 1, 409: 1}, [r.text for r in reponses]
    assert [a["prenom"] for a in (await superviseur.get(ajouts)).json()[0]["agents"]] == ["Yanis"]

    # Lifting: a reason is needed; once lifted, lifting again is a conflict; an unknown number is not found.
    levee = f"{url}/{exclusion['id']}"
    reponse = await superviseur.delete(levee)
    assert reponse.status_code == 422 and reponse.json()["erreurs"][0]["champ"] == "motif"
    reponses = await asyncio.gather(*(superviseur.delete(levee, params={"motif": "Vérifié"}) for _ in range(2)))
    assert Counter(r.status_code for r in reponses) == {200: 1, 409: 1}, [r.text for r in reponses]
    (levee_faite,) = [r.json() for r in reponses if r.status_code == 200]
    assert not levee_faite["en_vigueur"] and levee_faite["taches"] == 1  # before the cut-off, her task reopens
    (deja,) = [r.json() for r in reponses if r.status_code == 409]
    assert "déjà levée" in deja["detail"]
    assert len(await banc.evenements("exclusion_levee")) == 1
    assert (await superviseur.delete(f"{url}/987654", params={"motif": "x"})).status_code == 404
    # Lifted, the same agent may be excluded again.
    assert (await superviseur.post(url, json=_agent(banc, "alice", "Nouveau doute"))).status_code == 201


async def test_page_de_la_campagne(banc):
    pop = banc.pop
    annee = pop.annee
    superviseur = await banc.http("superviseur")
    assert (await superviseur.post(f"/campagnes/{annee}")).status_code == 202
    cal = demande_campagne(banc.settings, annee).calendrier
    await avancer_jusqua(banc.env, cal.lancement + timedelta(hours=1))
    await attendre(lambda: len(banc.boite.messages) == 2)
    await au_repos(banc.env.client.get_workflow_handle(f"campagne-dai-{annee}"))

    nav = await banc.navigateur("superviseur")
    adresse = f"/superviseur/campagnes/{annee}"
    page = await nav.get(adresse)
    assert page.status_code == 200
    assert "Qui est dans la campagne : exclusions et ajouts" in page.text and "Aucune exclusion." in page.text
    assert '<label class="fr-label" for="exclusion-nir">NIR de l&#39;agent' in page.text

    # A refusal comes back on its field, in the form that sent it.
    refus = await nav.post(f"{adresse}/exclusions", {"type": "agent", "nir": pop.agents["denis"].nir, "motif": "x"})
    assert refus.status_code == 422
    assert '<p id="exclusion-nir-erreur" class="fr-error-text">' in refus.text
    assert "n&#39;est pas dans la campagne" in refus.text and 'id="ajout-nir-erreur"' not in refus.text
    assert mots_de_code(refus.text) == [], mots_de_code(refus.text)

    envoi = await nav.post(
        f"{adresse}/exclusions", {"type": "employeur", "siret": pop.employeurs["hopital"].siret, "motif": "Fusion"}
    )
    assert envoi.status_code == 303 and envoi.headers["location"] == f"{adresse}?message=exclusion"
    page = await nav.get(envoi.headers["location"])
    assert "L&#39;exclusion est enregistrée" in page.text
    assert "Centre hospitalier de Lautreville" in page.text and "Fusion" in page.text and "En vigueur" in page.text
    # The exclusion lifted from the page, with its reason.
    (exclusion,) = (await superviseur.get(f"/campagnes/{annee}/exclusions")).json()
    levee = await nav.post(f"{adresse}/exclusions/{exclusion['id']}/levee", {"motif": "Fusion reportée"})
    assert levee.status_code == 303
    page = await nav.get(levee.headers["location"])
    assert "Levée le" in page.text and "Fusion reportée" in page.text

    await banc.affilier(pop.agents["yanis"], "sdis")
    ajout = await nav.post(f"{adresse}/ajouts", {"type": "agent", "nir": pop.agents["yanis"].nir, "motif": "Tardif"})
    assert ajout.status_code == 303
    page = await nav.get(ajout.headers["location"])
    assert "Yanis NomYanis (Relevé individuel de situation (RIS), 45 ans)" in page.text
    assert mots_de_code(page.text) == [], mots_de_code(page.text)
