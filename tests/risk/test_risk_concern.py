"""What follows a concern: the question is content, the escalation rules are pure."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from pydantic import ValidationError

from content.clinical.risk.concern import (
    load_concern_policy,
    on_answer,
    on_concern,
    on_no_answer,
    shipped_concern_policy,
)
from content.loader import load_content
from content.schemas.risk_policy import ConcernPolicy

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
POLICY = shipped_concern_policy()


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("answer", "escalation"), [("yes", "urgent"), ("not_sure", "urgent"), ("no", "routine")]
)
def test_first_concern_answers(answer: str, escalation: str) -> None:
    decision = on_answer(POLICY, answer, NOW, [])  # type: ignore[arg-type]
    assert (decision.escalation, decision.reason, decision.answer) == (
        escalation,
        "answer",
        answer,
    )


def test_no_after_a_concern_within_seven_days_is_urgent() -> None:
    decision = on_answer(POLICY, "no", NOW, [days_ago(6.9)])
    assert decision.urgent and decision.reason == "repeat"
    assert not on_answer(POLICY, "no", NOW, [days_ago(7.1), days_ago(30)]).urgent


def test_a_second_concern_within_the_window_skips_the_question() -> None:
    assert on_concern(POLICY, NOW, []).ask
    assert on_concern(POLICY, NOW, [days_ago(8)]).ask
    step = on_concern(POLICY, NOW, [days_ago(2)])
    assert not step.ask and step.decision is not None and step.decision.urgent


def test_future_times_do_not_count_as_earlier_concerns() -> None:
    assert on_concern(POLICY, NOW, [NOW + dt.timedelta(hours=1)]).ask


def test_an_unanswered_question_still_tells_the_care_team() -> None:
    assert on_no_answer(POLICY, NOW, []).escalation == "routine"
    assert on_no_answer(POLICY, NOW, [days_ago(1)]).urgent


def test_the_numbers_and_wording_are_content() -> None:
    assert POLICY.repeat_within_days == 7
    content = load_content()
    assert content.concern == POLICY
    question = content.texts.get("en", POLICY.question_key)
    assert question.startswith("Sometimes when people feel this way they think about ending")
    assert question.endswith("Is that happening for you?")
    buttons = [content.texts.get("en", POLICY.answers[a].button_key) for a in POLICY.answers]
    assert buttons == ["Yes", "Not sure", "No"]
    assert "quitarse la vida" in content.texts.get("es", POLICY.question_key)


def test_a_policy_needs_a_rule_for_every_answer() -> None:
    data = copy.deepcopy(POLICY.model_dump())
    del data["answers"]["not_sure"]
    with pytest.raises(ValidationError, match="answers needs a rule"):
        ConcernPolicy.model_validate(data)


def test_a_changed_window_changes_the_decision(tmp_path: object) -> None:
    wider = POLICY.model_copy(update={"repeat_within_days": 14})
    assert on_answer(wider, "no", NOW, [days_ago(10)]).urgent
    assert load_concern_policy() == POLICY
