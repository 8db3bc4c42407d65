"""(2) The issue's targets on the labelled set, and the labelled set itself."""

from __future__ import annotations

from collections import Counter

import pytest

from content.clinical.risk import RiskScreen
from content.clinical.risk_evaluation import (
    NO_RISK_KINDS,
    RISK_KINDS,
    TARGET_HYPERBOLE_FP,
    TARGET_INDIRECT_RECALL,
    TARGET_RECALL,
    Evaluation,
    LabelledMessage,
    LabelledSet,
    evaluate,
)


@pytest.fixture(scope="module")
def result(screen: RiskScreen, labelled: LabelledSet) -> Evaluation:
    return evaluate(screen, labelled)


def _listing(result: Evaluation) -> str:
    misses = [f"missed: {o.message.text!r}" for o in result.misses]
    extra = [f"flagged: {o.message.text!r} ({o.finding.reason})" for o in result.false_positives]
    return "\n".join(misses + extra)


def test_recall_on_indirect_ideation(result: Evaluation) -> None:
    rate = result.recall("indirect")
    assert rate.value >= TARGET_INDIRECT_RECALL, f"{rate}\n{_listing(result)}"


def test_false_positives_on_exercise_hyperbole(result: Evaluation) -> None:
    rate = result.false_positive_rate("exercise_hyperbole")
    assert rate.value <= TARGET_HYPERBOLE_FP, f"{rate}\n{_listing(result)}"


def test_overall_recall(result: Evaluation) -> None:
    rate = result.recall()
    assert rate.value >= TARGET_RECALL, f"{rate}\n{_listing(result)}"


@pytest.mark.parametrize("kind", ["explicit", "negation_or_third_party"])
def test_the_clearest_risk_kinds_are_never_missed(result: Evaluation, kind: str) -> None:
    rate = result.recall(kind)
    assert rate.hits == rate.total, f"{kind}: {rate}\n{_listing(result)}"


def test_the_labelled_set_is_large_varied_and_balanced(labelled: LabelledSet) -> None:
    messages = labelled.messages
    kinds = Counter(m.kind for m in messages)
    assert len(messages) >= 240
    assert kinds["indirect"] >= 60
    assert kinds["exercise_hyperbole"] >= 60
    assert kinds["ordinary_low_mood"] >= 20
    assert set(kinds) == set(RISK_KINDS) | set(NO_RISK_KINDS)
    assert {(m.language, m.label) for m in messages} == {
        (language, label) for language in ("en", "es") for label in ("risk", "none")
    }
    duplicates = [text for text, n in Counter(m.text for m in messages).items() if n > 1]
    assert not duplicates


def test_a_label_must_fit_its_kind() -> None:
    with pytest.raises(ValueError, match="always labelled"):
        LabelledMessage(
            text="my legs are dead", language="en", label="risk", kind="exercise_hyperbole"
        )
