"""An affiliate's postal address (« adresse personnelle », REGLES §15) and the channel of their campaign documents.

The address is stored as its lines (``affilie.adresse_postale``, one line a row, as the print provider writes them on
the envelope): the street, an optional complement, then « code postal commune ». Each line holds at most 38
characters (norme NF Z10-011, the envelope's window).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import ConfigDict, Field, field_validator

from domain.campagne import Canal
from domain.saisie import Saisie
from domain.texte import TexteLibre

LIGNE_MAX = 38
LIGNES_MAX = 6  # lines of the address block in the envelope's window, the recipient's name included
_CODE_POSTAL = re.compile(r"[0-9]{5}")
_COMMUNE = re.compile(r"[^\W\d_]+(?:[ '’-]+[^\W\d_]+)*(?: \d{1,2}(?:e|er))?", re.UNICODE)
_DERNIERE_LIGNE = re.compile(r"([0-9]{5}) +(.+)")
_ADRESSE_ELECTRONIQUE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_MAX = 200


def adresse_electronique(valeur: str) -> str:
    """An email address as a person types it, checked (« nom@domaine.fr »), without its surrounding spaces."""
    if not _ADRESSE_ELECTRONIQUE.match(valeur.strip()):
        raise ValueError("une adresse électronique est attendue (nom@domaine.fr)")
    return valeur.strip()


def meme_adresse_electronique(une: str | None, autre: str | None) -> bool:
    """The domain part is case-insensitive and providers ignore the case of the local part: the same mailbox."""
    return (une or "").strip().lower() == (autre or "").strip().lower()


# ``lignes()`` is what the envelope carries.
class AdressePostale(Saisie):
    """L'adresse postale telle qu'une personne la saisit."""

    model_config = ConfigDict(str_strip_whitespace=True)

    voie: TexteLibre = Field(min_length=1, max_length=LIGNE_MAX, description="Numéro et voie (3 rue des Écoles)")
    complement: TexteLibre = Field(
        default="", max_length=LIGNE_MAX, description="Complément (bâtiment, lieu-dit, boîte postale)"
    )
    code_postal: str = Field(description="Code postal, 5 chiffres")
    commune: TexteLibre = Field(min_length=1, max_length=LIGNE_MAX - 6, description="Commune")

    @field_validator("code_postal")
    @classmethod
    def _code_postal(cls, valeur: str) -> str:
        valeur = valeur.replace(" ", "")
        if not _CODE_POSTAL.fullmatch(valeur) or valeur.startswith("00"):
            raise ValueError("le code postal a 5 chiffres (par exemple 33000) ; vérifiez-le.")
        return valeur

    @field_validator("commune")
    @classmethod
    def _commune(cls, valeur: str) -> str:
        if not _COMMUNE.fullmatch(valeur):
            raise ValueError(
                "le nom de la commune s'écrit en lettres (espaces, traits d'union et apostrophes permis), "
                "sans le code postal : par exemple « Saint-Médard-en-Jalles »."
            )
        return valeur

    def lignes(self) -> list[str]:
        return [ligne for ligne in (self.voie, self.complement, f"{self.code_postal} {self.commune.upper()}") if ligne]

    def en_texte(self) -> str:
        return "\n".join(self.lignes())


def lignes_adresse(adresse: str | None) -> list[str]:
    """The stored address's lines, blank ones left out."""
    return [ligne.strip() for ligne in (adresse or "").splitlines() if ligne.strip()]


def bloc_adresse(destinataire: str, adresse: Sequence[str]) -> list[str]:
    """The address block a letter shows in the envelope's window (norme NF Z10-011): the recipient's name, then the
    address's lines, at most six lines of 38 characters, the last one (« code postal COMMUNE ») in capitals. An
    address stored with too many lines keeps its first ones and its last; none: no block."""
    lignes = [ligne.strip() for ligne in adresse if ligne.strip()]
    if not lignes:
        return []
    if len(lignes) > LIGNES_MAX - 1:
        lignes = [*lignes[: LIGNES_MAX - 2], lignes[-1]]
    lignes[-1] = lignes[-1].upper()
    return [ligne[:LIGNE_MAX] for ligne in (destinataire.strip(), *lignes) if ligne]


def lire_adresse(adresse: str | None) -> dict[str, str]:
    """The stored address back in the form's fields (an address stored otherwise: its lines in ``voie`` and
    ``complement``, for the person to sort out)."""
    lignes = lignes_adresse(adresse)
    if not lignes:
        return {}
    derniere = _DERNIERE_LIGNE.fullmatch(lignes[-1])
    if derniere is None:
        return {"voie": lignes[0], "complement": " ".join(lignes[1:])}
    return {
        "voie": lignes[0] if len(lignes) > 1 else "",
        "complement": " ".join(lignes[1:-1]),
        "code_postal": derniere.group(1),
        "commune": derniere.group(2),
    }


class Coordonnees(Saisie):
    """Ce que l'agent (ou un superviseur pour lui) renseigne : l'adresse postale, l'adresse électronique, et la façon
    dont les documents de la campagne lui parviennent. Le papier demande une adresse postale, le courriel une adresse
    électronique ; corriger l'adresse électronique laisse le canal tel qu'il est indiqué ici."""

    adresse_postale: AdressePostale | None = None
    # A free text: an invisible character (NUL) passes the address's pattern, and PostgreSQL refuses to store it.
    email: TexteLibre | None = Field(
        default=None,
        max_length=EMAIL_MAX,
        description="Adresse électronique (nom@domaine.fr) ; absente : celle enregistrée reste",
    )
    canal: Canal = Field(description="email : par courriel ; papier : par courrier à l'adresse postale")

    @field_validator("email")
    @classmethod
    def _email(cls, valeur: str | None) -> str | None:
        return None if valeur is None else adresse_electronique(valeur)


def par_courriel(canal: str, email: str | None) -> bool:
    """Whether a campaign document goes by mail: the agent accepts it and has an address; otherwise on paper."""
    return canal != Canal.papier.value and bool((email or "").strip())


def cle_incident_sans_adresse(affilie_id: int) -> str:
    """The campaign incident of an agent due on paper whose address is unknown (one per campaign): resolved when
    the address is set."""
    return f"adresse:affilie-{affilie_id}"


def cle_incident_courriel(affilie_id: int) -> str:
    """The campaign incident of an agent whose mail was refused, or came back after it was sent (one per campaign)."""
    return f"courriel:affilie-{affilie_id}"


def cle_incident_courriel_employeur(employeur_id: int) -> str:
    """The campaign incident of an employer whose launch mail or reminders were refused (seen at the cut-off), or
    came back after they were sent (a bounce): one per employer and campaign, whichever reports it first."""
    return f"courriel:employeur-{employeur_id}"


def employeur_de_l_incident(cle: str) -> int | None:
    """The employer an incident key of ``cle_incident_courriel_employeur`` names; any other key: none."""
    prefixe = cle_incident_courriel_employeur(0)[:-1]
    numero = cle.removeprefix(prefixe) if cle.startswith(prefixe) else ""
    return int(numero) if numero.isascii() and numero.isdigit() else None
