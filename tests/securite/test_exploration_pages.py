"""Every page route, as each role, with numbers out of range, negative, zero and not numbers in its path, query
and form, and control characters in its free text: a refusal in French (a 404 for a number naming nothing, a 422
for a parameter), never a 5xx."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from itertools import product
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.pages.montage import modules_de_pages
from domain.cir import CHAMPS_COTISATIONS
from tests.support.environnement import port_libre, settings_de_test
from tests.support.navigateur import navigateur
from tests.support.service import assembler

ROLES = {"anonyme": None, "agent": "camille", "employeur": "rh-commune", "superviseur": "superviseur"}
# Past the database's integers (32 and 64 bits), far past them, below and at the bottom of the range, not a number
# (« ² » passes str.isdigit, not int).
NOMBRES_HORS_BORNES = ("99999999999999999999", "9223372036854775808", "2147483648", "-1", "0", "douze", "1e3", "²")
# The numbers and free-text fields the page forms send (the CIR period's, the task's, the survey's…).
CHAMPS_DE_FORMULAIRE = (
    "annee",
    "compte_id",
    "indice_fin_de_carriere",
    "quotite",
    "indice_majore",
    "employeur_id",
    "simulation",
    "q1",
    "q2",
    "q3",
    "q4",
    "q5",
    *CHAMPS_COTISATIONS,
)
# pydantic's, Starlette's and FastAPI's own words, which a refusal must never show.
EN_ANGLAIS = (
    "Input should",
    "Field required",
    "There was an error",
    "Not Found",
    "Internal Server Error",
    "value is not",
)
# The free-text fields of the forms, each sent with invisible characters the service refuses.
CHAMPS_DE_TEXTE = ("motif", "commentaire", "nom", "prenom", "identifiant", "email", "reponse", "code", "numero_bcr")
TEXTE_PIEGE = "a\x00b\x1b[31mc\u202ed\u2066e"
_NOMBRE_DU_CHEMIN = re.compile(r"\{([a-z_]+)\}")


def routes_de_pages() -> list[APIRoute]:
    """Every page route but the logout (it reads nothing, and would end the session the crawl goes on with)."""
    return [
        route
        for module in modules_de_pages()
        for route in module.router.routes
        if isinstance(route, APIRoute) and route.path != "/deconnexion"
    ]


def _valeur_texte(route: APIRoute, nom: str, nir: str) -> str:
    """A path parameter that is not a number gets a plausible value, so the request reaches the numbers."""
    return {"nir": nir, "action": "pause", "workflow_id": "eir-inconnu-1", "evenement": "accuse_reception"}.get(
        nom, "inconnu"
    )


def _noms_de_requete(route: APIRoute) -> list[str]:
    """The query parameters the route reads: each field of a query model (a list's filters), or the parameter."""
    noms: list[str] = []
    for parametre in route.dependant.query_params:
        modele = parametre.field_info.annotation
        if isinstance(modele, type) and issubclass(modele, BaseModel):
            noms += modele.model_fields
        else:
            noms.append(parametre.name)
    return noms


def _adresses(route: APIRoute, nir: str) -> list[str]:
    """The route's address with its integer path parameters given each bad value in turn, then each of its query
    parameters (some read a number from a text) given each bad value, the path being valid."""
    entiers = {p.name for p in route.dependant.path_params if p.field_info.annotation is int}
    requetes = _noms_de_requete(route)

    def chemin(valeurs: dict[str, str]) -> str:
        return _NOMBRE_DU_CHEMIN.sub(
            lambda m: valeurs.get(m.group(1), _valeur_texte(route, m.group(1), nir)), route.path
        )

    textes = {p.name for p in route.dependant.path_params} - entiers
    adresses = [chemin(dict.fromkeys(entiers, mauvais)) for mauvais in NOMBRES_HORS_BORNES] if entiers else []
    valide = chemin(dict.fromkeys(entiers, "1"))
    piege = quote(TEXTE_PIEGE)
    adresses += [chemin({**dict.fromkeys(entiers, "1"), nom: piege}) for nom in sorted(textes)]
    mauvais_parametres = (*NOMBRES_HORS_BORNES, piege)
    adresses += [f"{valide}?{nom}={mauvais}" for nom, mauvais in product(requetes, mauvais_parametres)]
    if requetes:  # every filter left on its empty choice, as a page's form sends it
        adresses.append(f"{valide}?" + "&".join(f"{nom}=" for nom in requetes))
    return adresses or [valide]


@pytest.fixture
async def service(tmp_path, url_base, env_dev):
    """The service and a process engine (a form that starts a process gets its answer, not a 503)."""
    moteur = env_dev.client.service_client.config.target_host
    async with AsyncExitStack() as pile:
        yield await assembler(settings_de_test(tmp_path, url_base, port_libre(), temporal_address=moteur), pile)


def test_chaque_page_a_un_nombre_dans_son_chemin_ou_sa_requete_est_exploree():
    adresses = {route.path for route in routes_de_pages()}
    assert {"/eir/{demande_id}", "/taches/{tache_id}", "/cir/{nir}", "/documents/{document_id}"} <= adresses
    explorees = [a for route in routes_de_pages() for a in _adresses(route, "1")]
    assert "/eir/99999999999999999999" in explorees and "/cir/1?annee=99999999999999999999" in explorees
    assert "/processus?employeur=99999999999999999999" in explorees  # a field of the list's query model


@pytest.mark.parametrize("role", ROLES)
async def test_aucune_page_ne_repond_5xx_aux_nombres_hors_bornes(service, role):
    nav = await navigateur(service, ROLES[role], lever=False)
    if ROLES[role] is None:
        await nav.get("/connexion")  # a CSRF token, so that the forms reach their numbers
    nir = service.pop.affilie.nir
    echecs = []
    for route in routes_de_pages():
        for adresse, methode in product(_adresses(route, nir), sorted(route.methods)):
            if methode == "GET":
                reponse = await nav.client.get(adresse)
            else:
                formulaire = dict.fromkeys(CHAMPS_DE_FORMULAIRE, NOMBRES_HORS_BORNES[0])
                formulaire.update(dict.fromkeys(CHAMPS_DE_TEXTE, TEXTE_PIEGE))
                reponse = await nav.post(adresse, formulaire)
            if reponse.status_code >= 500:
                echecs.append(f"{methode} {adresse} → {reponse.status_code}")
            elif ROLES[role] and reponse.headers.get("location", "").startswith("/connexion"):
                echecs.append(f"{methode} {adresse} → session perdue, la suite n'aurait rien exploré")
                await nav.connecter(ROLES[role])
            elif any(anglais in reponse.text for anglais in EN_ANGLAIS):
                echecs.append(f"{methode} {adresse} → {reponse.status_code} en anglais")
    assert echecs == [], "\n".join(echecs)
