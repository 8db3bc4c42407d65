"""Alerts quote the part of a long message around the matched risk words."""

from __future__ import annotations

from content.clinical.excerpt import ELLIPSIS, excerpt
from content.clinical.risk import shipped_risk_screen

FILLER = "I walked the dog and then had some tea. " * 40


def test_a_short_message_is_quoted_whole() -> None:
    assert excerpt("I want to end my life", "end my life") == "I want to end my life"


def test_risk_words_at_the_end_of_a_long_message_are_quoted() -> None:
    text = FILLER + "Honestly, I want to end my life."
    finding = shipped_risk_screen().screen(text, "en")
    assert finding.flagged
    quoted = excerpt(text, finding.matched)
    assert len(quoted) == 500
    assert "end my life" in quoted and quoted.startswith(ELLIPSIS)
    assert text[:500] != quoted  # the old first-500-characters quote missed it


def test_risk_words_in_the_middle_keep_context_on_both_sides() -> None:
    text = FILLER + "Some days I w4nt to d1e, to be honest. " + FILLER
    finding = shipped_risk_screen().screen(text, "en")
    assert finding.flagged and finding.matched
    quoted = excerpt(text, finding.matched)
    assert "w4nt to d1e" in quoted
    assert quoted.startswith(ELLIPSIS) and quoted.endswith(ELLIPSIS)
    assert quoted.index("w4nt") > 100  # context before the words, not only after


def test_without_a_match_the_start_is_quoted() -> None:
    assert excerpt(FILLER, None) == FILLER[:499] + ELLIPSIS
