"""Durations in patient words, per language."""

from __future__ import annotations

import pytest

from content.clinical.understanding.durations import DurationReader
from content.clinical.understanding.normalise import normalise
from content.loader import Content


def _minutes(content: Content, language: str, text: str) -> list[int]:
    reader = DurationReader(content.understanding[language].durations)
    return [d.minutes for d in reader.find(tuple(normalise(text).split()))]


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("walked 20 min", [20]),
        ("20mins", [20]),
        ("30m jog", [30]),
        ("1h bike", [60]),
        ("1h30", [90]),
        ("1 hour 15 minutes", [75]),
        ("an hour and 20 min", [80]),
        ("an hour and a half", [90]),
        ("two hours and a half", [150]),
        ("1.5 hours", [90]),
        ("half an hour", [30]),
        ("forty five minutes", [45]),
        ("a quarter of an hour", [15]),
        ("10 min walk then 5 min stretch", [10, 5]),
        ("ran 5k", []),
        ("at 10am", []),
        ("a few minutes", []),
    ],
)
def test_english(content: Content, text: str, minutes: list[int]) -> None:
    assert _minutes(content, "en", text) == minutes


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("30 minutos", [30]),
        ("media hora", [30]),
        ("una hora y media", [90]),
        ("hora y media", [90]),
        ("dos horas", [120]),
        ("1h y 10 min", [70]),
        ("cuarenta y cinco minutos", [45]),
        ("un cuarto de hora", [15]),
        ("un rato", []),
    ],
)
def test_spanish(content: Content, text: str, minutes: list[int]) -> None:
    assert _minutes(content, "es", text) == minutes


def test_only_ascii_digits_are_numbers(content: Content) -> None:
    assert _minutes(content, "en", "٣ min") == []
    assert _minutes(content, "en", "1 hour a day") == [60]
