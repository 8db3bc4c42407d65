"""Crisis resources per country, each with its source and the date it was last verified."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Self

from pydantic import Field, model_validator

from content.schemas.base import StrictModel


class CrisisLine(StrictModel):
    name: str
    call: str | None = None
    text: str | None = None
    hours: str
    languages: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not (self.call or self.text):
            raise ValueError(f"crisis line {self.name!r} needs a number to call or text")
        return self


class CountryResources(StrictModel):
    name: str
    emergency: str
    lines: list[CrisisLine] = Field(min_length=1)
    source: str
    verified: dt.date


class CrisisDirectory(StrictModel):
    """Unknown countries get the fallback: call your local emergency number."""

    schema_version: Literal[1]
    version: str
    countries: dict[str, CountryResources]
    fallback_key: str

    def for_country(self, country: str | None) -> CountryResources | None:
        return self.countries.get((country or "").upper())

    @model_validator(mode="after")
    def _codes(self) -> Self:
        for code in self.countries:
            if len(code) != 2 or not code.isupper():
                raise ValueError(
                    f"country code {code!r} must be two upper-case letters (ISO 3166)"
                )
        return self
