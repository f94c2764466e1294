"""An agent's document (RIS, EIG, bilan, rectified document, campaign document) as a PDF, with the content of
its HTML page: the title, the dates, the periods and the tables of amounts, and the bar chart of the pension
by departure age. The text is set in Marianne, the State's typeface shipped with the DSFR (its WOFF files
in ``node_modules``), so accents, « » and € render."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from api.pages import libelles
from api.pages.rendu import age_fr, date_heure_fr
from domain.montants import euros
from notifications.rendu import date_fr

POLICES = Path(__file__).resolve().parents[1] / "node_modules" / "@gouvfr" / "dsfr" / "dist" / "fonts"
POLICE = "Marianne"
BLEU_FRANCE = (0, 0, 145)
GRIS = (58, 58, 58)
# Where a window envelope shows the recipient's address on a letter folded in three (norme NF Z10-011, La Poste):
# the block's left edge 100 mm from the page's, its first line 50 mm from the top (the window spans about 45 to
# 95 mm); the letter's text starts below the window.
ADRESSE_X, ADRESSE_Y, ADRESSE_LARGEUR, ADRESSE_INTERLIGNE = 100.0, 50.0, 92.0, 4.5
DEBUT_TEXTE_SOUS_FENETRE = 100.0

TITRES_PAR_TYPE = {
    "ris": "Relevé individuel de situation",
    "eig": "Estimation indicative globale",
    "bilan": "Bilan personnalisé retraite",
    "info_generale": "Document d'information générale sur la retraite",
}


class PoliceAbsente(RuntimeError):
    """The DSFR's fonts are not installed (``npm ci`` was not run)."""


def titre_du_document(type_: str, contenu: dict[str, Any]) -> str:
    return str(contenu.get("titre") or TITRES_PAR_TYPE.get(type_, "Document"))


def _texte(valeur: Any) -> str:
    """Marianne has no narrow no-break space (French thousands separator): a no-break space instead."""
    return str(valeur).replace("\u202f", "\u00a0")


class _Pdf(FPDF):
    def __init__(self, titre: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._titre = titre
        # A file of several letters (a print batch): each letter numbers its own pages, once it is laid out.
        self._lettres = False
        for style, fichier in (("", "Marianne-Regular.woff"), ("B", "Marianne-Bold.woff")):
            chemin = POLICES / fichier
            if not chemin.exists():
                raise PoliceAbsente(f"police {chemin} absente : lancez « npm ci »")
            self.add_font(POLICE, style, str(chemin))
        self.set_lang("fr-FR")
        self.set_title(titre)
        self.set_author("CNRACL — Caisse nationale de retraites des agents des collectivités locales")
        self.set_creator("CNRACL information retraite")
        self.set_auto_page_break(True, margin=18)
        self.set_margins(18, 18, 18)

    def header(self) -> None:
        self.set_font(POLICE, "B", 9)
        self.set_text_color(*BLEU_FRANCE)
        self.cell(0, 5, "RÉPUBLIQUE FRANÇAISE — CNRACL", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*GRIS)
        self.set_font(POLICE, "", 8)
        self.cell(
            0, 4, "Caisse nationale de retraites des agents des collectivités locales", new_x="LMARGIN", new_y="NEXT"
        )
        self.ln(4)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        if not self._lettres:
            self._pied(f"page {self.page_no()} sur {{nb}}")

    def _pied(self, pages: str) -> None:
        self.set_y(-12)
        self.set_font(POLICE, "", 8)
        self.set_text_color(*GRIS)
        self.cell(0, 5, _texte(f"{self._titre} — {pages}"), align="C")

    def commencer_lettre(self, titre: str) -> int:
        """A new document from a new page; its first page."""
        self.add_page()
        self._titre = titre
        return self.page_no()

    def bloc_adresse(self, lignes: Sequence[str]) -> None:
        """The recipient's address where the envelope's window shows it; the letter goes on below the window."""
        self.set_font(POLICE, "", 10)
        self.set_text_color(0, 0, 0)
        for rang, ligne in enumerate(lignes):
            self.set_xy(ADRESSE_X, ADRESSE_Y + rang * ADRESSE_INTERLIGNE)
            self.cell(ADRESSE_LARGEUR, ADRESSE_INTERLIGNE, _texte(ligne))
        self.set_xy(self.l_margin, max(self.get_y(), DEBUT_TEXTE_SOUS_FENETRE))

    def numeroter_lettre(self, premiere: int) -> None:
        """A laid-out letter's footers, on its own pages (fpdf2 writes to an earlier page when ``page`` is set)."""
        derniere = self.page_no()
        self.set_auto_page_break(False)
        for page in range(premiere, derniere + 1):
            self.page = page
            self._pied(f"page {page - premiere + 1} sur {derniere - premiere + 1}")
        self.page = derniere
        self.set_auto_page_break(True, margin=18)

    # --- blocks ---

    def titre(self, texte: str) -> None:
        self.set_font(POLICE, "B", 18)
        self.multi_cell(0, 9, _texte(texte), align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def intertitre(self, texte: str) -> None:
        self.ln(3)
        self.set_font(POLICE, "B", 13)
        self.multi_cell(0, 7, _texte(texte), align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def paragraphe(self, texte: str, gras: bool = False, petit: bool = False) -> None:
        self.set_font(POLICE, "B" if gras else "", 9 if petit else 10.5)
        if petit:
            self.set_text_color(*GRIS)
        self.multi_cell(0, 4.5 if petit else 5.5, _texte(texte), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def tableau(
        self,
        legende: str,
        entetes: Sequence[str],
        lignes: Sequence[Sequence[Any]],
        largeurs: Sequence[float] | None = None,
    ) -> None:
        self.set_font(POLICE, "B", 10)
        self.multi_cell(0, 6, _texte(legende), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font(POLICE, "", 9.5)
        entete = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=BLEU_FRANCE)
        with self.table(
            col_widths=largeurs,
            headings_style=entete,
            line_height=6,
            text_align="LEFT",
            first_row_as_headings=True,
            repeat_headings=1,
        ) as table:
            ligne = table.row()
            for texte in entetes:
                ligne.cell(_texte(texte))
            for valeurs in lignes:
                ligne = table.row()
                for valeur in valeurs:
                    ligne.cell(_texte(valeur))
        self.ln(3)

    def graphique(self, points: Sequence[dict[str, Any]]) -> None:
        """Bars of the monthly gross pension by departure age (the figures are in the table below it)."""
        if not points:
            return
        hauteur, base_y = 55.0, self.get_y() + 62
        if base_y + 12 > self.h - self.b_margin:
            self.add_page()
            base_y = self.get_y() + 62
        maximum = max(float(p["pension_brute_mensuelle"]) for p in points) or 1.0
        x0, largeur = self.l_margin + 4, self.w - self.l_margin - self.r_margin - 8
        pas = largeur / len(points)
        self.set_draw_color(*GRIS)
        self.line(x0, base_y, x0 + largeur, base_y)
        self.set_font(POLICE, "", 8)
        for i, point in enumerate(points):
            montant = float(point["pension_brute_mensuelle"])
            h = hauteur * montant / maximum
            x = x0 + i * pas + pas * 0.15
            self.set_fill_color(*BLEU_FRANCE)
            self.rect(x, base_y - h, pas * 0.7, h, style="F")
            self.set_xy(x - pas * 0.1, base_y - h - 5)
            self.cell(pas * 0.9, 4, _texte(euros(montant)), align="C")
            self.set_xy(x - pas * 0.1, base_y + 1)
            self.cell(pas * 0.9, 4, _texte(age_fr(point.get("age"))), align="C")
        self.set_xy(self.l_margin, base_y + 7)
        self.set_font(POLICE, "", 8.5)
        self.set_text_color(*GRIS)
        self.multi_cell(
            0,
            4.5,
            "Pension brute mensuelle estimée (en euros) selon l'âge de départ.",
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.set_text_color(0, 0, 0)
        self.ln(2)


def _periodes(pdf: _Pdf, periodes: Sequence[dict[str, Any]]) -> None:
    pdf.tableau(
        "Périodes de services, une ligne par année civile",
        ("Année", "Du", "Au", "Quotité", "Nature", "Catégorie", "Indice majoré"),
        [
            (
                p.get("annee", ""),
                date_fr(p.get("date_debut")),
                date_fr(p.get("date_fin")),
                f"{p.get('quotite', '')} %",
                libelles.libelle(libelles.NATURES, p.get("nature")),
                libelles.libelle(libelles.CATEGORIES, p.get("categorie")),
                p.get("indice_majore") or "—",
            )
            for p in periodes
        ],
        largeurs=(12, 29, 29, 16, 38, 26, 24),
    )


def _montants(pdf: _Pdf, points: Sequence[dict[str, Any]], legende: str) -> None:
    pdf.tableau(
        legende,
        ("Départ", "Âge", "Date de départ", "Pension brute mensuelle", "Pension brute annuelle"),
        [
            (
                p.get("libelle", ""),
                age_fr(p.get("age")),
                date_fr(p.get("date_de_liquidation")),
                euros(p.get("pension_brute_mensuelle")),
                euros(p.get("pension_brute_annuelle")),
            )
            for p in points
        ],
        largeurs=(44, 26, 34, 35, 35),
    )


EXPLICATION_ABSENTE = (
    "Explication non disponible pour ce bilan, antérieur à la présentation détaillée du calcul : les montants "
    "ci-dessus restent ceux calculés à sa date."
)


def _comment_calculee(pdf: _Pdf, contenu: dict[str, Any]) -> None:
    """The section « Comment est calculée ma pension » of the page (agent/_comment_calculee.html)."""
    pdf.intertitre("Comment est calculée ma pension")
    explication = contenu.get("explication")
    if not isinstance(explication, dict):
        pdf.paragraphe(EXPLICATION_ABSENTE)
        return
    pdf.paragraphe(
        f"Calcul détaillé du premier départ simulé : {explication['depart']}, le "
        f"{date_fr(explication['date_de_liquidation'])}. {explication['hypothese']}"
    )
    for chiffre in explication["chiffres"]:
        if pdf.get_y() > pdf.h - pdf.b_margin - 25:  # a figure's title stays with its explanation
            pdf.add_page()
        pdf.paragraphe(f"{chiffre['intitule']} : {chiffre['valeur']}", gras=True)
        pdf.paragraphe(chiffre["explication"])
        if chiffre["calcul"]:
            pdf.paragraphe(f"Calcul : {' ; '.join(chiffre['calcul'])}.")
        for regle in chiffre["regles"]:
            pdf.paragraphe(f"Règle appliquée : {regle['titre']}", petit=True)
    autres = [p for p in contenu.get("points", [])[1:] if p.get("explication")]
    if autres:
        pdf.paragraphe("Aux autres âges de départ", gras=True)
        for point in autres:
            pdf.paragraphe(f"• {point['libelle']} : {point['explication']}")


def _reponse_rectification(pdf: _Pdf, reponse: dict[str, Any]) -> None:
    """What the employers answered a rectification: the lines changed, or their reasons for finding no error."""
    periode = f"la période du {date_fr(reponse.get('periode_debut'))} au {date_fr(reponse.get('periode_fin'))}"
    if reponse.get("resultat") == "aucune_erreur":
        pdf.paragraphe(
            f"Aucune erreur constatée sur {periode} : votre compte individuel retraite n'a pas été modifié.", gras=True
        )
        for motif in reponse.get("motifs", []):
            auteur = f" indiqué par {motif['employeur']}" if motif.get("employeur") else ""
            pdf.paragraphe(f"• Motif{auteur} : {motif.get('motif', '')}")
        return
    pdf.paragraphe(f"{periode[0].upper()}{periode[1:]} a été corrigée.", gras=True)
    for ligne in reponse.get("lignes_modifiees", []):
        precisions = "".join(
            (
                f", quotité {ligne['quotite']} %" if ligne.get("quotite") else "",
                f", indice majoré {ligne['indice_majore']}" if ligne.get("indice_majore") else "",
                f" ({ligne['employeur']})" if ligne.get("employeur") else "",
            )
        )
        pdf.paragraphe(f"• Du {date_fr(ligne.get('date_debut'))} au {date_fr(ligne.get('date_fin'))}{precisions}")


def _autres_regimes(pdf: _Pdf, lignes: Sequence[dict[str, Any]]) -> None:
    """The section « Vos droits dans tous les régimes » of the page (agent/_tous_regimes.html)."""
    pdf.intertitre("Vos droits dans tous les régimes")
    if not lignes:
        pdf.paragraphe(
            "Aucun trimestre dans un autre régime de base n'est connu pour ce document : seuls vos services à la "
            "CNRACL comptent dans votre durée d'assurance."
        )
        return
    pdf.tableau(
        "Trimestres dans les autres régimes de base",
        ("Régime", "Trimestres", "Source"),
        [
            (
                ligne.get("nom", ""),
                ligne.get("trimestres", ""),
                "déclarés par vous" if ligne.get("source") == "affilie" else "reçus des autres régimes",
            )
            for ligne in lignes
        ],
        largeurs=(110, 24, 40),
    )
    pdf.paragraphe("Ces trimestres s'ajoutent à ceux de la CNRACL dans votre durée d'assurance tous régimes.")


def _et_si(pdf: _Pdf, scenarios: Sequence[dict[str, Any]]) -> None:
    """The section « Et si… » of the page (agent/_tous_regimes.html)."""
    pdf.intertitre("Et si…")
    pdf.paragraphe("D'autres choix possibles, chiffrés sur votre dossier par le même calcul que vos simulations.")
    for scenario in scenarios:
        if pdf.get_y() > pdf.h - pdf.b_margin - 25:
            pdf.add_page()
        pdf.paragraphe(scenario["titre"], gras=True)
        pdf.paragraphe(scenario["description"])
        for chiffre in scenario.get("chiffres", []):
            pdf.paragraphe(f"• {chiffre['intitule']} : {chiffre['valeur']}")
        if scenario.get("remarque"):
            pdf.paragraphe(scenario["remarque"], petit=True)


PROVENANCE_ESPACE = "Document téléchargé depuis votre espace CNRACL information retraite."
# The same document, printed by the campaign for an agent who receives it on paper.
PROVENANCE_COURRIER = (
    "Document envoyé par courrier à votre adresse personnelle ; vous le retrouvez aussi dans votre espace CNRACL "
    "information retraite."
)


def rendre_pdf(
    type_: str, contenu: dict[str, Any], cree_le: Any, agent: str | None = None, provenance: str = PROVENANCE_ESPACE
) -> bytes:
    """The PDF of one stored document (its ``type`` and ``contenu`` as the activities wrote them)."""
    pdf = _Pdf(titre_du_document(type_, contenu))
    _composer(pdf, type_, contenu, cree_le, agent, provenance)
    return bytes(pdf.output())


# One letter of a print batch: the document's type, content and date, the agent's name, and the address block of the
# envelope's window (``domain.adresse.bloc_adresse``; empty: none).
Lettre = tuple[str, dict[str, Any], Any, str | None, Sequence[str]]


def rendre_lettres(
    lettres: Sequence[Lettre], provenance: str = PROVENANCE_COURRIER
) -> tuple[bytes, list[tuple[int, int]]]:
    """Several documents in one PDF, each from a new page and numbering its own pages, with the recipient's address
    in the envelope's window on its first page; with the first and last page of each. The font is embedded and
    subset once for the whole file: per letter, that was most of the cost."""
    pdf = _Pdf("Courriers de la CNRACL")
    pdf._lettres = True
    pages = []
    for type_, contenu, cree_le, agent, adresse in lettres:
        premiere = _composer(pdf, type_, contenu, cree_le, agent, provenance, adresse)
        pdf.numeroter_lettre(premiere)
        pages.append((premiere, pdf.page_no()))
    return bytes(pdf.output()), pages


def _composer(
    pdf: _Pdf,
    type_: str,
    contenu: dict[str, Any],
    cree_le: Any,
    agent: str | None,
    provenance: str,
    adresse: Sequence[str] = (),
) -> int:
    """One document laid out from a new page (a letter: with its address block); its first page."""
    titre = titre_du_document(type_, contenu)
    premiere = pdf.commencer_lettre(titre)
    if adresse:
        pdf.bloc_adresse(adresse)
    pdf.titre(titre)
    if contenu.get("rectificatif"):
        pdf.paragraphe(
            f"Document rectificatif (demande de rectification RECT-{contenu.get('rectification_id')}"
            + (f", document de {contenu['annee_document']}" if contenu.get("annee_document") else "")
            + ").",
            gras=True,
        )
    if contenu.get("mention"):
        pdf.paragraphe(str(contenu["mention"]), gras=True)
    if isinstance(contenu.get("reponse_rectification"), dict):
        _reponse_rectification(pdf, contenu["reponse_rectification"])
    if isinstance(contenu.get("campagne"), dict):
        campagne = contenu["campagne"]
        pdf.paragraphe(
            f"Droit à l'information retraite : campagne {campagne.get('annee')}, envoi {campagne.get('annee_envoi')}."
        )
    if agent:
        pdf.paragraphe(
            f"Agent : {agent}"
            + (f", né(e) le {date_fr(contenu['date_de_naissance'])}" if contenu.get("date_de_naissance") else "")
            + "."
        )
    phrase = f"Établi le {date_fr(contenu.get('etabli_le') or cree_le)}"
    if contenu.get("trimestres") is not None:
        phrase += f" : {contenu['trimestres']} trimestres de services sur {contenu.get('nb_periodes', 0)} périodes"
    if type_ == "bilan" and contenu.get("indice_fin_de_carriere"):
        phrase += (
            f", avec l'indice majoré de fin de carrière {contenu['indice_fin_de_carriere']}. Montants bruts "
            "estimés, selon la réglementation en vigueur à cette date"
        )
    pdf.paragraphe(phrase + ".")
    if contenu.get("perimetre"):
        pdf.paragraphe(contenu["perimetre"])
    if contenu.get("periodes"):
        _periodes(pdf, contenu["periodes"])
        if contenu.get("reference_decompte"):
            pdf.paragraphe(f"Décompte des trimestres : {contenu['reference_decompte']}.")
    if isinstance(contenu.get("autres_regimes"), list):
        _autres_regimes(pdf, contenu["autres_regimes"])
    if contenu.get("points"):
        if type_ == "bilan":
            pdf.intertitre("Votre pension selon l'âge de départ")
            pdf.graphique(contenu["points"])
            _montants(pdf, contenu["points"], "Simulations de pension")
            _comment_calculee(pdf, contenu)
            if contenu.get("et_si"):
                _et_si(pdf, contenu["et_si"])
        else:
            _montants(pdf, contenu["points"], "Montants estimés")
    if contenu.get("themes"):
        pdf.intertitre("Ce document vous informe sur")
        for theme in contenu["themes"]:
            pdf.paragraphe(f"• {theme}")
        if contenu.get("reference"):
            pdf.paragraphe(f"Référence : {contenu['reference']}.")
    pdf.ln(4)
    pdf.set_font(POLICE, "", 8)
    pdf.set_text_color(*GRIS)
    if cree_le:
        provenance += f" Enregistré le {date_heure_fr(cree_le)}."
    pdf.multi_cell(0, 4, _texte(provenance), align="L", new_x="LMARGIN", new_y="NEXT")
    return premiere


def nom_de_fichier(type_: str, document_id: int, contenu: dict[str, Any]) -> str:
    etabli = str(contenu.get("etabli_le") or "")[:10]
    return f"cnracl-{type_.replace('_', '-')}-{document_id}{'-' + etabli if etabli else ''}.pdf"
