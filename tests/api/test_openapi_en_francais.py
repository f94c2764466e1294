"""The API's documentation (/docs, /redoc, the OpenAPI document) is read by the employers' IT people and the fund's
integrators: every description and summary in it is French. An English text is caught by its function words (whole
words, any case), outside ``code`` spans and addresses, which may name fields, routes and values as they are."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from api.app import create_app
from tests.support.environnement import settings_de_test

# English function words, none of them a French word (but « an », a year: these texts say « année »).
_MOT_ANGLAIS = re.compile(
    r"\b(the|and|with|of|is|are|to|an|when|which|their|its|from|by|only|each|every|once|this|that|these|those|for"
    r"|not|was|were|has|have|been|be|it|they|them|who|what|where|then|than)\b",
    re.IGNORECASE,
)
_CODE = re.compile(r"``.*?``", re.DOTALL)
_ADRESSE = re.compile(r"\bhttps?://\S+")
TEXTES = ("description", "summary")

# Places whose text may hold one of those words as French (none today).
EXEMPTES: set[tuple[str, ...]] = set()


def _document(tmp_path: Any) -> dict[str, Any]:
    return create_app(settings_de_test(tmp_path, "sqlite+aiosqlite://", 1)).openapi()


def _textes(morceau: Any, chemin: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every description and summary of the document, with where it is."""
    if isinstance(morceau, dict):
        for cle, valeur in morceau.items():
            if cle in TEXTES and isinstance(valeur, str):
                yield (*chemin, cle), valeur
            else:
                yield from _textes(valeur, (*chemin, str(cle)))
    elif isinstance(morceau, list):
        for rang, valeur in enumerate(morceau):
            yield from _textes(valeur, (*chemin, str(rang)))


def _mots_anglais(texte: str) -> list[str]:
    return sorted({mot.lower() for mot in _MOT_ANGLAIS.findall(_ADRESSE.sub(" ", _CODE.sub(" ", texte)))})


def _lieu(chemin: tuple[str, ...]) -> str:
    """``paths › /api/v1/eir › post › description``, ``components › schemas › Coordonnees › properties › …``."""
    return " › ".join(chemin)


def test_le_filtre_reconnait_un_texte_anglais():
    assert _mots_anglais("Start an EIR: the agent for themself (``the_field``, https://of.example/the).") == [
        "an",
        "for",
        "the",
    ]
    assert _mots_anglais("Démarrer un EIR : l'agent pour lui-même (``is``, https://example.fr/the).") == []


def test_chaque_description_et_chaque_resume_sont_en_francais(tmp_path):
    document = _document(tmp_path)
    vus, fautes = 0, []
    for chemin, texte in _textes(document):
        vus += 1
        if chemin in EXEMPTES:
            continue
        mots = _mots_anglais(texte)
        if mots:
            fautes.append(f"{_lieu(chemin)} : {', '.join(mots)} — {texte[:80]!r}")
    assert vus > 200
    assert fautes == [], "\n".join(fautes)


def test_chaque_operation_a_son_resume_et_sa_description(tmp_path):
    document = _document(tmp_path)
    vides = [
        f"{methode.upper()} {chemin} : {texte}"
        for chemin, operations in document["paths"].items()
        for methode, operation in operations.items()
        for texte in TEXTES
        if not str(operation.get(texte, "")).strip()
    ]
    assert len(document["paths"]) > 50
    assert vides == [], "\n".join(vides)
    # A summary FastAPI made of the function's name (« Demander Eir ») means the docstring has no title paragraph.
    derives = [
        f"{methode.upper()} {chemin} : {operation['summary']}"
        for chemin, operations in document["paths"].items()
        for methode, operation in operations.items()
        if operation["summary"] == _resume_par_defaut(chemin, methode, operation["operationId"])
    ]
    assert derives == [], "\n".join(derives)


def _resume_par_defaut(chemin: str, methode: str, operation_id: str) -> str:
    """FastAPI's summary of an operation declared without one: its function's name (the operation id less the path
    and method FastAPI appends), title-cased."""
    suffixe = re.sub(r"\W", "_", chemin) + f"_{methode}"
    assert operation_id.endswith(suffixe), (operation_id, suffixe)
    return operation_id.removesuffix(suffixe).replace("_", " ").title()


def test_les_exemptions_designent_un_texte_du_document(tmp_path):
    """An exemption names a place that exists: one left behind after a rename would exempt nothing, silently."""
    lieux = {chemin for chemin, _ in _textes(_document(tmp_path))}
    assert lieux >= EXEMPTES, EXEMPTES - lieux
