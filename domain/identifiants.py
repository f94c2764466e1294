"""Checks of the identifiers the service receives: NIR (with its key) and SIRET (Luhn key).

Each check returns ``None`` when valid, else a French sentence saying what is wrong.
"""

from __future__ import annotations

import re

_NIR = re.compile(r"^[12378]\d{2}(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)\d{6}\d{2}$")
# SIREN of La Poste: its establishments follow a different key (sum of the digits, multiple of 5).
_SIREN_LA_POSTE = "356000000"


def normaliser(valeur: str) -> str:
    return re.sub(r"[\s.\-]", "", valeur or "").upper()


def erreur_nir(nir: str) -> str | None:
    """The NIR: 13 characters and a 2-digit key equal to 97 − (number mod 97)."""
    nir = normaliser(nir)
    if len(nir) != 15:
        return "Le NIR doit compter 15 caractères (13 chiffres et la clé de 2 chiffres)."
    if not _NIR.match(nir):
        return "Le NIR n'a pas la forme attendue (sexe, année, mois, département, commune, ordre, clé)."
    corps = nir[:13].replace("2A", "19").replace("2B", "18")
    cle = 97 - int(corps) % 97
    if cle != int(nir[13:]):
        return "La clé du NIR ne correspond pas : vérifiez le numéro de sécurité sociale saisi."
    return None


def erreur_siret(siret: str) -> str | None:
    """The SIRET: 14 digits whose Luhn key is valid."""
    siret = normaliser(siret)
    if not re.fullmatch(r"\d{14}", siret):
        return "Le SIRET doit compter exactement 14 chiffres."
    if siret.startswith(_SIREN_LA_POSTE):
        if sum(int(c) for c in siret) % 5 == 0:
            return None
        return "La clé du SIRET ne correspond pas : vérifiez le numéro saisi."
    total = 0
    for i, c in enumerate(reversed(siret)):
        n = int(c)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    if total % 10 != 0:
        return "La clé du SIRET ne correspond pas (contrôle de Luhn) : vérifiez le numéro saisi."
    return None


def cle_nir(corps13: str) -> str:
    """The 2-digit key of a 13-character NIR body (used to build demo and synthetic data)."""
    corps = corps13.upper().replace("2A", "19").replace("2B", "18")
    return f"{97 - int(corps) % 97:02d}"


def completer_siret(siren_et_nic13: str) -> str:
    """Append the Luhn digit to 13 digits (used to build demo and synthetic data)."""
    for chiffre in "0123456789":
        if erreur_siret(siren_et_nic13 + chiffre) is None:
            return siren_et_nic13 + chiffre
    raise ValueError(siren_et_nic13)
