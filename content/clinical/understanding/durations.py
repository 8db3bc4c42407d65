"""Durations in patient words: "20 min", "1h30", "half an hour", "una hora y media".

A small scanner over the words of normalised text, configured per language by the lexicon's
`durations` block, rather than one large regular expression: the parts (numbers in words,
units, fixed phrases, "and a half") combine freely, and each found duration keeps its span so
the engine can replace it with the `{{duration}}` token the patterns refer to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from content.clinical.understanding.normalise import normalise_phrase
from content.schemas.understanding import Durations

_Words = tuple[str, ...]
# Digits as normalised text writes them; other Unicode digits ("٣") are not read as numbers.
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


@dataclass(frozen=True, slots=True)
class Duration:
    """A duration found in normalised text: word positions [start, end) and minutes."""

    start: int
    end: int
    minutes: int


def _phrases(words: Mapping[str, int] | tuple[str, ...]) -> dict[_Words, int]:
    if isinstance(words, tuple):
        return {tuple(normalise_phrase(w).split()): 0 for w in words}
    return {tuple(normalise_phrase(w).split()): n for w, n in words.items()}


class DurationReader:
    """Finds durations in the words of a normalised message."""

    def __init__(self, spec: Durations) -> None:
        self.max_minutes = spec.max_minutes
        self._numbers = _phrases(spec.numbers)
        self._fixed = _phrases(spec.fixed)
        self._minute_units = set(_phrases(spec.minute_units))
        self._hour_units = set(_phrases(spec.hour_units))
        self._joiners = set(_phrases(spec.joiners))
        self._halves = set(_phrases(spec.half_suffixes))

    @staticmethod
    def _longest(words: _Words, at: int, options: set[_Words] | dict[_Words, int]) -> int:
        """The length of the longest option starting at `at` (0 if none)."""
        best = 0
        for option in options:
            if len(option) > best and words[at : at + len(option)] == option:
                best = len(option)
        return best

    def _number(self, words: _Words, at: int) -> tuple[float, int] | None:
        """(value, words used) of a number in digits or words at `at`."""
        if at >= len(words):
            return None
        word = words[at]
        if _NUMBER.fullmatch(word):
            return float(word), 1
        length = self._longest(words, at, self._numbers)
        if length:
            return float(self._numbers[words[at : at + length]]), length
        return None

    def _component(self, words: _Words, at: int) -> tuple[float, int, bool] | None:
        """(minutes, words used, was in hours) of one fixed phrase or number + unit."""
        length = self._longest(words, at, self._fixed)
        if length:
            return float(self._fixed[words[at : at + length]]), length, False
        number = self._number(words, at)
        if number is None:
            return None
        value, used = number
        unit_at = at + used
        for units, factor in ((self._minute_units, 1.0), (self._hour_units, 60.0)):
            unit = self._longest(words, unit_at, units)
            if unit:
                return value * factor, used + unit, factor > 1
        return None

    def _after_hours(self, words: _Words, at: int) -> tuple[float, int]:
        """Minutes added after an hour ("1 h 30", "an hour and 20 min", "dos horas y media")."""
        half = self._longest(words, at, self._halves)
        if half:
            return 30.0, half
        start = at + self._longest(words, at, self._joiners)
        component = self._component(words, start)
        if component is not None and not component[2]:
            return component[0], start - at + component[1]
        number = self._number(words, start)
        if number is not None and _NUMBER.fullmatch(words[start]) and 0 < number[0] < 60:
            return number[0], start - at + number[1]
        return 0.0, 0

    def find(self, words: _Words) -> list[Duration]:
        """Every duration in `words`, left to right, none overlapping."""
        found: list[Duration] = []
        at = 0
        while at < len(words):
            component = self._component(words, at)
            if component is None:
                at += 1
                continue
            minutes, used, in_hours = component
            if in_hours:
                extra, more = self._after_hours(words, at + used)
                minutes, used = minutes + extra, used + more
            found.append(Duration(at, at + used, round(minutes)))
            at += used
        return found


__all__ = ["Duration", "DurationReader"]
