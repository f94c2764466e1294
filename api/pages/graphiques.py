"""The pages' charts, as inline SVG: each with its title and a description giving every figure (for screen
readers; the same figures are in the table beside each chart). No script and no style attribute: the pages'
Content-Security-Policy refuses both, so colours and sizes are SVG attributes."""

from __future__ import annotations

from markupsafe import Markup, escape

# DSFR colours, each with a 3:1 contrast on white at least: blue France, red Marianne, success green, grey text.
BLEU, ROUGE, VERT, GRIS = "#000091", "#ce0500", "#18753c", "#3a3a3a"
ENCRE = "#161616"


def svg(identifiant: str, titre: str, description: str, largeur: int, hauteur: int, corps: list[str]) -> Markup:
    """The chart's frame around ``corps`` (SVG elements, already escaped)."""
    return Markup(
        "".join(
            [
                f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {largeur} {hauteur}" role="img" '
                f'aria-labelledby="{identifiant}-titre {identifiant}-desc" class="graphique" width="100%">',
                f'<title id="{identifiant}-titre">{escape(titre)}</title>',
                f'<desc id="{identifiant}-desc">{escape(description)}</desc>',
                *corps,
                "</svg>",
            ]
        )
    )


def texte(x: float, y: float, contenu: str, ancre: str = "start", taille: int = 13, couleur: str = ENCRE) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{ancre}" font-size="{taille}" fill="{couleur}">'
        f"{escape(contenu)}</text>"
    )


def rectangle(x: float, y: float, largeur: float, hauteur: float, couleur: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{largeur:.1f}" height="{hauteur:.1f}" fill="{couleur}"/>'


def graphique_barres(identifiant: str, titre: str, lignes: list[tuple[str, int]], couleur: str = BLEU) -> Markup:
    """Horizontal bars, one per (label, value)."""
    largeur, marge_g, hauteur_barre, pas = 640, 250, 22, 32
    maximum = max((v for _, v in lignes), default=0) or 1
    utile = largeur - marge_g - 60
    corps = []
    for i, (libelle, valeur) in enumerate(lignes):
        y = 8 + i * pas
        court = libelle if len(libelle) <= 34 else libelle[:33] + "…"
        w = max(utile * valeur / maximum, 1.0 if valeur else 0.0)
        corps += [
            texte(marge_g - 8, y + hauteur_barre * 0.7, court, ancre="end"),
            rectangle(marge_g, y, w, hauteur_barre, couleur),
            texte(marge_g + w + 6, y + hauteur_barre * 0.7, str(valeur)),
        ]
    description = " ; ".join(f"{libelle} : {valeur}" for libelle, valeur in lignes) or "aucune donnée"
    return svg(identifiant, titre, description, largeur, 16 + pas * max(len(lignes), 1), corps)
