"""What a person sends the service (a request's body, a page's form), as a model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Saisie(BaseModel):
    """A field the service does not know is refused, named, rather than dropped: a mistyped optional field would
    otherwise be lost without a word, the person believing it sent."""

    model_config = ConfigDict(extra="forbid")
