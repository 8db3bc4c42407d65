"""Questionnaire instruments (PHQ-9 and its PHQ-2 short form) as validated data.

The wording is stored inline per language because an instrument's wording is part of
its validation: it is versioned with the instrument, not with the bot's chat texts.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from content.schemas.base import Identifier, IntRange, LocalizedText, StrictModel


class AnswerOption(StrictModel):
    value: int = Field(ge=0)
    label: LocalizedText


class Item(StrictModel):
    id: Identifier
    text: LocalizedText


class DifficultyQuestion(StrictModel):
    """Asked after the items; recorded but never scored."""

    id: Identifier
    text: LocalizedText
    options: list[AnswerOption] = Field(min_length=2)


class SeverityBand(StrictModel):
    id: Identifier
    range: IntRange
    label: LocalizedText


class SafetyRule(StrictModel):
    """An answer at or above `threshold` on `item` starts the safety protocol at once."""

    item: Identifier
    threshold: int = Field(ge=1)


class ChangeThresholds(StrictModel):
    """Change against the patient's baseline (first complete administration)."""

    meaningful_change: int = Field(gt=0)
    response_fraction: float = Field(gt=0, le=1)
    remission_below: int = Field(gt=0)
    deterioration_rise: int = Field(gt=0)


class ShortForm(StrictModel):
    id: Identifier
    items: list[Identifier] = Field(min_length=1)
    cutoff: int = Field(ge=0)


class Instrument(StrictModel):
    schema_version: Literal[1]
    id: Identifier
    version: str
    title: LocalizedText
    citation: str
    licence: str
    stem: LocalizedText
    options: list[AnswerOption] = Field(min_length=2)
    items: list[Item] = Field(min_length=1)
    difficulty: DifficultyQuestion | None = None
    bands: list[SeverityBand] = Field(min_length=1)
    safety: SafetyRule | None = None
    change: ChangeThresholds
    readminister_days: int = Field(gt=0)
    short_forms: list[ShortForm] = Field(default_factory=list)

    @property
    def max_total(self) -> int:
        return len(self.items) * max(o.value for o in self.options)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("item ids must be unique")
        values = sorted(o.value for o in self.options)
        if values != list(range(len(values))):
            raise ValueError("answer values must be 0, 1, 2 … without gaps")
        expected = 0
        for band in sorted(self.bands, key=lambda b: b.range.low):
            if band.range.low != expected:
                raise ValueError(
                    f"severity bands must cover every total; gap or overlap at {expected}"
                )
            expected = band.range.high + 1
        if expected - 1 != self.max_total:
            raise ValueError(f"severity bands must end at the maximum total {self.max_total}")
        if self.safety and self.safety.item not in ids:
            raise ValueError(f"safety item {self.safety.item!r} is not an item of this instrument")
        for form in self.short_forms:
            unknown = set(form.items) - set(ids)
            if unknown:
                raise ValueError(f"short form {form.id!r} names unknown items {sorted(unknown)}")
        return self
