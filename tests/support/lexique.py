"""What a user must never read on a page: code words. The scan takes a rendered page's HTML, keeps what a person
reads (text, and the ``title``, ``aria-label``, ``placeholder`` and ``alt`` attributes; not scripts, styles nor the
values of form fields) and returns each code-like fragment with its surroundings, so that a failing test says where."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_ATTRIBUTS_LUS = ("title", "aria-label", "placeholder", "alt")
_INVISIBLES = ("script", "style", "template", "textarea")

# Each pattern with the reason it is code, not French.
MOTIFS: dict[str, re.Pattern[str]] = {
    "identifiant en snake_case": re.compile(r"(?<![\w@./-])[a-zA-Z][a-zA-Z0-9]*(?:_[a-zA-Z0-9]+)+(?![\w@/])"),
    "état anglais du moteur": re.compile(
        r"\b(?:COMPLETED|RUNNING|FAILED|TERMINATED|CANCELED|CANCELLED|TIMED_OUT|CONTINUED_AS_NEW|CLOSE|OPEN|PENDING)\b"
    ),
    # (« close » is French: « votre demande est close ».)
    "mot anglais d'état": re.compile(r"\b(?:open|closed|pending|done|running|failed|completed|None|null|undefined)\b"),
    "mot sans ses accents": re.compile(
        r"\b(?:demandees?|terminees?|carrieres?|[Vv]erification|echeances?|clotures?|cloturees?|creee?s?|annulees?|"
        r"retirees?|validees?|envoyee?s?|recue?s?|etapes?|periodes?|donnees|reponses?|taches?|deja|prevue?s?|premiere|"
        r"derniere|generee?s?|traitees?|reattribuee?s?|securite|ete)\b"
    ),
    # (Not an address's « mail » — x@mail.fr, mail.exemple.fr — nor part of a word: « Gmail ».)
    "« mail » au lieu de « courriel »": re.compile(r"(?<![\w@./-])(?:[eE]-)?[Mm][Aa][Ii][Ll][Ss]?\b(?![@-]|\.\w)"),
    "sigle en minuscules": re.compile(r"\b(?:eir|eig|ris|cir|dai|siret|nir)\b"),
    "pluriel entre parenthèses": re.compile(r"\w\(s\)"),
    "élision manquante": re.compile(
        r"\b(?:[Dd]e|[Ll]e|[Ll]a|[Qq]ue|[Jj]e|[Nn]e) (?:EIG|EIR|employeur|entretien|affilié|agent|information|un|une)\b"
    ),
    "montant au format anglais": re.compile(r"(?<![\d.,/])\d{2,}\.\d{2}(?![\d.])"),
}


# An address a page shows (a mail's text version lists its links): its path is code, not a word to read.
_ADRESSE = re.compile(r"https?://\S+")


class _Texte(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.morceaux: list[str] = []
        self._cache = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLES:
            self._cache += 1
        for nom, valeur in attrs:
            if nom in _ATTRIBUTS_LUS and valeur:
                self.morceaux.append(valeur)

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLES and self._cache:
            self._cache -= 1

    def handle_data(self, data: str) -> None:
        if not self._cache and data.strip():
            self.morceaux.append(data)


def texte_lu(html: str) -> str:
    """The page as a person reads it, fragments joined by a line break."""
    lecteur = _Texte()
    lecteur.feed(html)
    return "\n".join(" ".join(morceau.split()) for morceau in lecteur.morceaux)


def mots_de_code(html: str, admis: tuple[str, ...] = ()) -> list[str]:
    """Each code-like fragment of the page, as « raison : « …contexte… » ». ``admis``: fragments the page may show
    (a login such as ``camille.martin`` the person typed, for instance)."""
    texte = texte_lu(html)
    adresses = [adresse.span() for adresse in _ADRESSE.finditer(texte)]
    trouves = []
    for raison, motif in MOTIFS.items():
        for trouve in motif.finditer(texte):
            if trouve.group(0) in admis or any(debut <= trouve.start() < fin for debut, fin in adresses):
                continue
            debut, fin = max(0, trouve.start() - 40), min(len(texte), trouve.end() + 40)
            contexte = texte[debut:fin].replace("\n", " ¦ ")
            trouves.append(f"{raison} : « {trouve.group(0)} » dans « …{contexte}… »")
    return trouves
