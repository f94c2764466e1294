"""The action routes of the processes (an agent validates a RIS, an employer completes a task, a supervisor decides):
each one a use case of ``services/`` called as ``action(session, moteur, compte, numero[, corps])``. Declared once
here, each router giving its path, its use case, who may call it, its body and its view."""

# No ``from __future__ import annotations``: FastAPI reads the role, the body and the path parameter's alias, set per
# route, from the annotations themselves.
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel

from api.deps import MoteurDep, SessionDep
from api.parametres import INTROUVABLE_SINON, NUMERO_MAX

_PARAMETRE = re.compile(r"\{(\w+)\}")


def route_d_action(
    router: APIRouter,
    methode: str,
    chemin: str,
    action: Callable[..., Awaitable[Any]],
    *,
    vue: type[BaseModel],
    role: Any,
    corps: type[BaseModel] | None = None,
    corps_facultatif: bool = False,
    resume: str,
    description: str,
) -> None:
    """``methode chemin`` on ``router``, named after the use case, with its French summary (``resume``) and
    description for the API's documentation; the number in the path is checked as every other (1 to NUMERO_MAX, 404
    past the database's integers)."""
    trouve = _PARAMETRE.search(chemin)
    if trouve is None:  # a declaration error, raised at import
        raise ValueError(f"{chemin} : le chemin d'une action nomme son numéro")
    numero_type = Annotated[
        int, Path(alias=trouve.group(1), ge=1, le=NUMERO_MAX, description="Numéro"), INTROUVABLE_SINON
    ]
    declarer = router.api_route(
        chemin,
        methods=[methode.upper()],
        response_model=vue,
        name=action.__name__,
        summary=resume,
        description=description,
    )
    if corps is None:

        async def sans_corps(numero: numero_type, compte: role, session: SessionDep, moteur: MoteurDep) -> Any:
            return await action(session, moteur, compte, numero)

        declarer(sans_corps)
    elif corps_facultatif:
        facultatif: Any = Annotated[corps | None, Body()]

        async def corps_libre(
            numero: numero_type,
            compte: role,
            session: SessionDep,
            moteur: MoteurDep,
            donnees: facultatif = None,
        ) -> Any:
            return await action(session, moteur, compte, numero, donnees)

        declarer(corps_libre)
    else:
        modele: Any = corps  # a type built per route, which mypy cannot read as an annotation

        async def avec_corps(
            numero: numero_type,
            donnees: modele,
            compte: role,
            session: SessionDep,
            moteur: MoteurDep,
        ) -> Any:
            return await action(session, moteur, compte, numero, donnees)

        declarer(avec_corps)
