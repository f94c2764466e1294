"""The forms of a rendered page as a browser would post them: their address, their hidden fields, and the
confirmation modal (``<dialog>``) they sit in, if any."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Formulaire:
    action: str
    champs: dict[str, str] = field(default_factory=dict)  # hidden fields, the CSRF one aside
    dialogue: str | None = None  # the id of the modal the form is in


class _Lecteur(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.formulaires: list[Formulaire] = []
        self._dialogues: list[str] = []
        self._courant: Formulaire | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributs = {nom: valeur or "" for nom, valeur in attrs}
        if tag == "dialog":
            self._dialogues.append(attributs.get("id", ""))
        elif tag == "form" and attributs.get("method", "get").lower() == "post":
            dialogue = self._dialogues[-1] if self._dialogues else None
            self._courant = Formulaire(attributs.get("action", ""), dialogue=dialogue)
            self.formulaires.append(self._courant)
        elif self._courant is not None and tag == "input" and attributs.get("type") == "hidden":
            nom = attributs.get("name", "")
            if nom != "csrf":  # the navigator adds its own
                self._courant.champs[nom] = attributs.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "dialog" and self._dialogues:
            self._dialogues.pop()
        elif tag == "form":
            self._courant = None


def formulaires(html: str) -> list[Formulaire]:
    lecteur = _Lecteur()
    lecteur.feed(html)
    return lecteur.formulaires


def bouton_de_dialogue(html: str, dialogue: str) -> bool:
    """Whether the page has the button that opens the modal ``dialogue`` (DSFR: ``aria-controls``)."""
    return f'data-fr-opened="false" aria-controls="{dialogue}"' in html
