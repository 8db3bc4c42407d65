"""The pre-exercise readiness screen (PAR-Q+ style general questions, Stride's own words)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from content.schemas.base import Identifier, StrictModel, TextKey


class ReadinessQuestion(StrictModel):
    id: Identifier
    text_key: TextKey


class ReadinessScreen(StrictModel):
    """Any "yes" means: lowest step, advice to see a doctor, supervisor told."""

    schema_version: Literal[1]
    id: Identifier
    version: str
    intro_key: TextKey
    questions: list[ReadinessQuestion] = Field(min_length=1)
    positive_advice_key: TextKey
