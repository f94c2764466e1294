"""Rendering the pages (Jinja2, autoescape, StrictUndefined), and a use case's refusal shown on its form."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from api.pages import libelles
from api.pages.graphiques import BLEU, GRIS, rectangle, svg, texte
from api.pages.session import jeton_csrf, poser_graine_csrf
from api.statuts import statut_de
from domain.erreurs import ErreurMetier
from domain.montants import euros
from notifications import catalogue
from notifications.rendu import FILTRES, date_heure_fr

DOSSIER = Path(__file__).resolve().parent.parent / "templates"
PARIS = ZoneInfo("Europe/Paris")


def age_fr(age: dict[str, int] | None) -> str:
    if not age:
        return ""
    texte = f"{age['ans']} ans"
    return texte + (f" et {age['mois']} mois" if age.get("mois") else "")


# Each table of labels whose value the templates translate with ``<name>_fr(value)``.
_TRADUITS = {
    "etat": libelles.ETATS,
    "etape": libelles.ETAPES,
    "acteur": libelles.ACTEURS,
    "type_tache": libelles.TYPES_TACHE,
    "type_processus": libelles.TYPES_PROCESSUS,
    "evenement": libelles.EVENEMENTS,
    "nature": libelles.NATURES,
    "categorie": libelles.CATEGORIES,
    "statut_moteur": libelles.STATUTS_MOTEUR,
}
# The tables the templates read whole (options of a list, the order of the steps).
_TABLES_DES_GABARITS = ("ORDRE_ETAPES", "NATURES", "CATEGORIES", "TYPES_TACHE", "TYPES_PROCESSUS", "ETATS", "ACTEURS")


def _environnement() -> Environment:
    env = Environment(
        loader=FileSystemLoader(DOSSIER),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTRES, date_heure_fr=date_heure_fr, age_fr=age_fr)
    env.globals["titre_gabarit"] = catalogue.titre
    env.globals.update({f"{nom}_fr": partial(libelles.libelle, table) for nom, table in _TRADUITS.items()})
    env.globals.update({nom: getattr(libelles, nom) for nom in _TABLES_DES_GABARITS})
    return env


_gabarits = Jinja2Templates(env=_environnement())


def rendre(request: Request, gabarit: str, contexte: dict[str, Any], statut: int = 200) -> HTMLResponse:
    etat = request.app.state.cnracl
    reponse = _gabarits.TemplateResponse(
        request,
        gabarit,
        {
            "compte": getattr(request.state, "compte", None),
            "nom_affiche": getattr(request.state, "nom_affiche", None),
            "csrf": jeton_csrf(request, etat.settings),
            "message": None,
            "erreur": None,
            "erreurs": {},
            **contexte,
        },
        status_code=statut,
    )
    poser_graine_csrf(reponse, request)
    reponse.headers["Cache-Control"] = "no-store"
    return reponse


def refus_de(erreur: ErreurMetier) -> tuple[int, str, dict[str, str]]:
    """A use case's refusal shown on the form that caused it: status, sentence, and the message of each field."""
    return (
        statut_de(erreur),
        libelles.message_fr(erreur.message),
        {e.champ: libelles.message_du_champ(e.champ, e.message) for e in erreur.erreurs},
    )


def graphique_pension(points: list[dict[str, Any]], identifiant: str = "graphique-pension") -> Markup:
    """A bar chart of the monthly gross pension by departure age, as inline SVG (with its title and
    description for screen readers; the same figures are in the table beside it)."""
    largeur, hauteur, marge_g, marge_b, marge_h = 640, 300, 70, 50, 30
    maximum = max((p["pension_brute_mensuelle"] for p in points), default=0) or 1
    pas = (largeur - marge_g - 20) / max(len(points), 1)
    utile = hauteur - marge_b - marge_h
    description = " ; ".join(f"{age_fr(p['age'])} : {euros(p['pension_brute_mensuelle'])}" for p in points)
    corps = [
        f'<line x1="{marge_g}" y1="{hauteur - marge_b}" x2="{largeur - 10}" y2="{hauteur - marge_b}" '
        f'stroke="{GRIS}" stroke-width="1"/>'
    ]
    for i, point in enumerate(points):
        montant = point["pension_brute_mensuelle"]
        h = utile * montant / maximum
        x = marge_g + i * pas + pas * 0.15
        y = hauteur - marge_b - h
        corps += [
            rectangle(x, y, pas * 0.7, h, BLEU),
            texte(x + pas * 0.35, y - 6, euros(montant), "middle"),
            texte(x + pas * 0.35, hauteur - marge_b + 20, age_fr(point["age"]), "middle"),
        ]
    corps += [
        texte(marge_g - 8, marge_h, "€/mois", "end", taille=12, couleur=GRIS),
        texte((largeur + marge_g) / 2, hauteur - 8, "Âge de départ", "middle", taille=12, couleur=GRIS),
    ]
    titre = "Pension brute mensuelle estimée selon l'âge de départ"
    return svg(identifiant, titre, description, largeur, hauteur, corps)
