"""Normalisation: the one form messages and phrases are matched in."""

from __future__ import annotations

import pytest

from content.clinical.understanding.normalise import (
    collapse_regex,
    emoji_table,
    normalise,
    normalise_phrase,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Im sooo TIRED", "im so tired"),
        ("can't   do it!!!", "cant do it"),
        ("caminé 20min", "camine 20 min"),
        ("1h30 bike", "1 h 30 bike"),
        ("1,5h", "1.5 h"),
        ("walked 1.5 hours.", "walked 1.5 hours"),
        ("ｆｕｌｌ width", "ful width"),
        ("zero\u200bwidth", "zerowidth"),
        ("feeling", "feling"),
        ("under_score", "under score"),
        ("   ", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_emoji_become_the_lexicon_words_and_others_vanish() -> None:
    table = emoji_table({"😴": "sleepy", "❤️": "love"})
    assert (
        normalise("so 😴😴 🎉", table) == "so slepy slepy"
    )  # repeated letters collapse, as everywhere
    assert normalise("❤️", table) == "love"  # the variation selector is ignored on both sides


def test_phrases_and_text_meet_in_the_same_form() -> None:
    assert normalise_phrase("Too  tired") == normalise("tooo tired!!")


def test_collapse_regex_collapses_letters_but_not_escapes() -> None:
    assert collapse_regex(r"\bfeeling\s+\bbb") == r"\bfeling\s+\bb"
    assert collapse_regex(r"\\ss") == r"\\s"  # an escaped backslash, then one collapsed s
