"""The issue's targets on the held-out set, and the labelled sets themselves."""

from __future__ import annotations

from collections import Counter

import pytest

from content.clinical.risk import RiskScreen
from content.clinical.risk.evaluation import (
    ORDINARY_KINDS,
    TARGET_FALSE_ALARMS,
    TARGET_RECALL_ANY,
    TARGET_RECALL_RISK,
    TARGETED_KINDS,
    Evaluation,
    LabelledGroup,
    LabelledSet,
    evaluate,
    overlap,
)
from content.schemas.risk import RISK_CATEGORIES


@pytest.fixture(scope="module")
def result(screen: RiskScreen, heldout: LabelledSet, labelled: LabelledSet) -> Evaluation:
    return evaluate(screen, heldout, exclude=labelled)


def _listing(result: Evaluation) -> str:
    misses = [f"missed: {o.message.text!r}" for o in result.misses]
    low = [f"only concern: {o.message.text!r}" for o in result.under_levelled]
    extra = [f"flagged: {o.message.text!r} ({o.finding.reason})" for o in result.false_positives]
    return "\n".join(misses + low + extra)


def test_heldout_recall_at_risk_or_concern(result: Evaluation) -> None:
    rate = result.recall_any()
    assert rate.value >= TARGET_RECALL_ANY, f"{rate}\n{_listing(result)}"


def test_heldout_recall_at_risk_level(result: Evaluation) -> None:
    rate = result.recall_risk()
    assert rate.value >= TARGET_RECALL_RISK, f"{rate}\n{_listing(result)}"


@pytest.mark.parametrize("kind", TARGETED_KINDS)
def test_heldout_false_alarms(result: Evaluation, kind: str) -> None:
    rate = result.false_alarms(kind)
    assert rate.value <= TARGET_FALSE_ALARMS, f"{kind}: {rate}\n{_listing(result)}"


def test_every_warning_sign_in_both_languages_is_in_the_heldout_set(
    heldout: LabelledSet,
) -> None:
    present = {(m.language, m.category) for m in heldout.messages if m.category}
    expected = {(lang, c) for lang in ("en", "es") for c in RISK_CATEGORIES}
    assert expected - present == {("en", "death_reference"), ("es", "death_reference")}
    kinds = {(m.language, m.kind) for m in heldout.messages if m.level == "none"}
    assert kinds == {(lang, kind) for lang in ("en", "es") for kind in ORDINARY_KINDS}


def test_the_labelled_sets_are_large_separate_and_without_duplicates(
    screen: RiskScreen, labelled: LabelledSet, heldout: LabelledSet
) -> None:
    assert heldout.part == "heldout" and labelled.part == "dev"
    dev_texts = [m.text for m in labelled.messages]
    held_texts = [m.text for m in heldout.messages]
    for texts in (dev_texts, held_texts):
        duplicates = [t for t, n in Counter(t.casefold() for t in texts).items() if n > 1]
        assert not duplicates
    # Held-out messages that are word for word in the development set are not held out:
    # the evaluation leaves them out, and what remains is still large.
    shared = overlap(heldout, labelled)
    scored = evaluate(screen, heldout, exclude=labelled).outcomes
    assert len(scored) == len(held_texts) - len(shared) >= 300
    assert len(dev_texts) + len(scored) >= 1000


def test_a_group_must_be_labelled_consistently() -> None:
    with pytest.raises(ValueError, match="kind"):
        LabelledGroup(language="en", level="none", messages=("my legs are dead",))
    with pytest.raises(ValueError, match="category"):
        LabelledGroup(language="en", level="risk", messages=("i want to die",))
