"""Responses written by the route itself, for the most read lists of the service."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import TypeAdapter


def json_ecrit(adaptateur: TypeAdapter, objets: Any) -> Response:
    """``objets``, already validated by ``adaptateur``, written as JSON by pydantic-core. A route that returns
    its objects has them validated again by FastAPI against its ``response_model`` before they are written; a
    ``Response`` is sent as it is (the route keeps its ``response_model`` for the schema)."""
    return Response(adaptateur.dump_json(objets), media_type="application/json")
