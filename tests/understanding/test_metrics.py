"""The issue's targets on the labelled messages, and the labelled sets themselves."""

from __future__ import annotations

from collections import Counter

import pytest

from content.clinical.understanding import Understander
from content.clinical.understanding.evaluation import (
    TARGET_ACCURACY,
    TARGET_UNKNOWN_LEAK,
    Evaluation,
    LabelledMessage,
    LabelledSet,
    evaluate,
)
from content.loader import Content
from content.schemas.understanding import INTENTS


def _listing(result: Evaluation) -> str:
    return "\n".join(
        f"{o.message.text!r}: labelled {o.message.intent}, found {o.found.why} {o.found.slots}"
        for o in result.errors
    )


@pytest.fixture(scope="module", params=["tuned", "held_out"])
def result(request: pytest.FixtureRequest, understander: Understander) -> Evaluation:
    labelled: LabelledSet = request.getfixturevalue(request.param)
    return evaluate(understander, labelled)


def test_right_intent_for_at_least_90_percent(result: Evaluation) -> None:
    rate = result.accuracy()
    assert rate.value >= TARGET_ACCURACY, f"{rate}\n{_listing(result)}"


def test_not_understood_messages_get_the_fallback(result: Evaluation) -> None:
    rate = result.unknown_leak()
    assert rate.value <= TARGET_UNKNOWN_LEAK, f"{rate}\n{_listing(result)}"


def test_activity_reports_read_as_such_have_the_right_slots(result: Evaluation) -> None:
    rate = result.slots()
    assert rate.value >= TARGET_ACCURACY, f"{rate}\n{_listing(result)}"


def test_the_labelled_sets_are_large_varied_and_separate(
    tuned: LabelledSet, held_out: LabelledSet
) -> None:
    every = tuned.messages + held_out.messages
    assert len(every) >= 400
    assert len(held_out.messages) >= 100
    for labelled in (tuned, held_out):
        intents = Counter(m.intent for m in labelled.messages)
        assert set(intents) == set(INTENTS)
        assert {m.language for m in labelled.messages} == {"en", "es"}
        assert intents["unknown"] >= 20
    texts = Counter(m.text for m in every)
    assert not [text for text, n in texts.items() if n > 1], "a message is labelled twice"


def test_no_lexicon_example_is_a_held_out_message(content: Content, held_out: LabelledSet) -> None:
    held = {m.text for m in held_out.messages}
    examples = {
        example
        for lexicon in content.understanding.values()
        for _, pattern in lexicon.all_patterns()
        for example in pattern.examples
    }
    assert not examples & held


def test_only_activity_reports_carry_slots() -> None:
    with pytest.raises(ValueError, match="only activity reports"):
        LabelledMessage(text="done", language="en", intent="session_done", minutes=20)
