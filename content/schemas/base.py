"""Shared building blocks of the content schemas."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

# Every file declares the schema version it was written for, so a future schema change can
# refuse (or migrate) old files instead of misreading them.
SCHEMA_VERSION = 1

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)]
TextKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]


class StrictModel(BaseModel):
    """Unknown fields are errors: a misspelt key must not be ignored in clinical content."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(StrictModel):
    """Exact wording per language, for instruments whose wording must not drift."""

    en: str = Field(min_length=1)
    es: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return str(getattr(self, language, None) or self.en)


class Range(StrictModel):
    """An inclusive numeric range, as clinical tables write them (20–30 minutes)."""

    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        return self


class IntRange(StrictModel):
    """An inclusive whole-number range."""

    low: int
    high: int

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        return self

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high
