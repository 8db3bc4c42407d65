"""(5) Properties over arbitrary text: never raises, deterministic, risk always survives."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.clinical.risk import (
    RiskScreen,
    load_risk_lexicons,
    normalise,
    normalised_variants,
    shipped_risk_screen,
)

SCREEN = shipped_risk_screen()
EXPLICIT = [
    "I want to kill myself",
    "i want to die",
    "I've been thinking about suicide",
    "me quiero morir",
    "quiero quitarme la vida",
]
# Arbitrary Unicode, plus text that looks like chat so the patterns get exercised too.
CHATTY = st.lists(
    st.sampled_from(
        [
            "i",
            "want",
            "to",
            "die",
            "dead",
            "killing",
            "me",
            "workout",
            "legs",
            "are",
            "muero",
            "de",
            "cansancio",
            "not",
            "never",
            "wake",
            "up",
            "kms",
            "5",
            "'",
            "!",
            "😂",
            "\n",
        ]
    ),
    max_size=40,
).map(" ".join)
TEXT = st.one_of(st.text(max_size=10_000), CHATTY, st.text(alphabet="ab 'dieklm", max_size=300))
LANGUAGE = st.sampled_from([None, "en", "es", "fr", ""])
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXT, LANGUAGE)
def test_screen_never_raises_and_is_deterministic(text: str, language: str | None) -> None:
    first = SCREEN.screen(text, language)
    assert SCREEN.screen(text, language) == first
    assert first.flagged == (first.category is not None) == (first.level != "none")
    if first.flagged:
        assert first.pattern_id and first.matched
        assert any(first.matched in variant for variant in normalised_variants(text))
        for match in first.matches:  # offsets point into the text as given
            assert 0 <= match.start < match.end <= len(text)


@FAST
@given(TEXT, TEXT, st.sampled_from(EXPLICIT), LANGUAGE)
def test_adding_an_explicit_risk_phrase_always_flags(
    before: str, after: str, phrase: str, language: str | None
) -> None:
    assert SCREEN.screen(f"{before}\n{phrase}\n{after}", language).flagged


@FAST
@given(TEXT)
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


SECOND = RiskScreen(load_risk_lexicons())


@FAST
@given(TEXT)
def test_a_second_screen_from_the_same_files_agrees(text: str) -> None:
    assert SECOND.screen(text) == SCREEN.screen(text)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.text(min_size=2_000, max_size=10_000))
def test_long_arbitrary_text_never_raises(text: str) -> None:
    assert SCREEN.screen(text) == SCREEN.screen(text)
