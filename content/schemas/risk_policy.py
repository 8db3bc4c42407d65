"""The risk screen's two small policy files, next to the lexicons in `data/risk/`.

- `normalise.yaml`: look-alike letters from other alphabets and the emoji the screen reads
  as words, so a clinician can see (and extend) every character the screen rewrites.
- `concern.yaml`: what Stride does with a *concern* (a weaker warning sign): the question it
  asks, what each answer leads to, and when a repeated concern becomes urgent.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, field_validator, model_validator

from content.schemas.base import StrictModel, TextKey

Escalation = Literal["urgent", "routine"]
ConcernAnswer = Literal["yes", "not_sure", "no"]
CONCERN_ANSWERS: tuple[ConcernAnswer, ...] = ("yes", "not_sure", "no")

_Word = Annotated[str, StringConstraints(pattern=r"^[a-z]+( [a-z]+)*$", max_length=40)]


class NormalisationTable(StrictModel):
    """Characters rewritten before matching (after Unicode NFKC, which handles full-width
    and mathematical letters by itself)."""

    schema_version: Literal[1]
    # One character from another script -> the Latin letter it is made to look like.
    confusables: dict[str, Annotated[str, StringConstraints(pattern=r"^[a-z]$")]]
    # One emoji (without variation selector) -> the plain words it stands for.
    emoji: dict[str, _Word]
    # Everyday words (normalised: lower case, no accents) that letters spaced or dotted out
    # ("i w a n t t o d i e") are cut back into, besides every word the lexicons use.
    words: tuple[Annotated[str, StringConstraints(pattern=r"^[a-z]+$")], ...] = ()

    @field_validator("confusables", "emoji")
    @classmethod
    def _single_characters(cls, value: dict[str, str]) -> dict[str, str]:
        for char in value:
            if len(char) != 1:
                raise ValueError(f"{char!r} must be exactly one character (code point)")
            if char.isascii():
                raise ValueError(f"{char!r} is ASCII; only other characters are rewritten")
            if unicodedata.category(char) in {"Mn", "Me", "Cf"}:
                raise ValueError(f"{char!r} is a combining or invisible character")
        return value


class ConcernAnswerRule(StrictModel):
    button_key: TextKey
    escalation: Escalation


class ConcernPolicy(StrictModel):
    """The direct question after a concern, and the escalation rules (CLINICAL_SPEC §6).

    Asking directly about suicide does not put the idea in anyone's head; it tells the person
    they may talk about it. "Yes" and "Not sure" go the urgent path; "No" still tells the care
    team (routine). A further concern within `repeat_within_days` of an earlier one is urgent
    whatever the answer, and so is a concern that arrives while an earlier one is that recent.
    """

    schema_version: Literal[1]
    question_key: TextKey
    answers: dict[ConcernAnswer, ConcernAnswerRule]
    repeat_within_days: int = Field(ge=1, le=90)
    repeat_escalation: Escalation
    # No answer after this long: the care team is told anyway, with this escalation.
    unanswered_after_minutes: int = Field(ge=5, le=24 * 60)
    unanswered_escalation: Escalation

    @model_validator(mode="after")
    def _every_answer(self) -> Self:
        missing = [a for a in CONCERN_ANSWERS if a not in self.answers]
        if missing:
            raise ValueError(f"answers needs a rule for each of {list(CONCERN_ANSWERS)}")
        return self

    def text_keys(self) -> tuple[str, ...]:
        """Every message key the policy names (all must exist in every language)."""
        return (self.question_key, *(self.answers[a].button_key for a in CONCERN_ANSWERS))


__all__ = [
    "CONCERN_ANSWERS",
    "ConcernAnswer",
    "ConcernAnswerRule",
    "ConcernPolicy",
    "Escalation",
    "NormalisationTable",
]
