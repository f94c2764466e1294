"""The two reading routes of a process's routers (EIR, rectifications, validations): its list, for the agent
(their own) or a supervisor, and one of them by number, for its owner or a supervisor; each answered by the
service's use case. Declared once here, each router giving its view, the name of its number in the path and
its use cases."""

# No ``from __future__ import annotations``: FastAPI reads the path parameter's alias, set per router, from
# the annotation itself.
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from api.deps import Affilie_ou_Superviseur, CompteCourant, SessionDep
from api.parametres import INTROUVABLE_SINON, NUMERO_MAX
from services.base import AsyncSession
from services.comptes import Compte


def routes_de_consultation(
    router: APIRouter,
    vue: type[BaseModel],
    parametre: str,
    lister: Callable[[AsyncSession, Compte], Awaitable[list[Any]]],
    consulter: Callable[[AsyncSession, Compte, int], Awaitable[Any]],
    *,
    nom_liste: str = "lister",
    resume_liste: str,
    description_liste: str,
    resume_fiche: str,
    description_fiche: str,
) -> None:
    """``GET ""`` (named ``nom_liste``) and ``GET "/{parametre}"`` (named ``consulter``) on ``router``, each with
    its French summary and description for the API's documentation."""

    # the list's model is built at run time from the router's view, which mypy cannot read as a type
    @router.get(
        "",
        response_model=list[vue],  # type: ignore[valid-type]
        name=nom_liste,
        summary=resume_liste,
        description=description_liste,
    )
    async def liste(compte: Affilie_ou_Superviseur, session: SessionDep) -> list[Any]:
        return await lister(session, compte)

    @router.get(
        f"/{{{parametre}}}", response_model=vue, name="consulter", summary=resume_fiche, description=description_fiche
    )
    async def fiche(
        numero: Annotated[int, Path(alias=parametre, ge=1, le=NUMERO_MAX, description="Numéro"), INTROUVABLE_SINON],
        compte: CompteCourant,
        session: SessionDep,
    ) -> Any:
        return await consulter(session, compte, numero)
