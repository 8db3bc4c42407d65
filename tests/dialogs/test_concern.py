"""The direct question after a concern, and what each answer and each path does."""

from __future__ import annotations

import datetime as dt

from factories import button_values, command, deps, keys, last, make_state, press, run

from dialogs import router
from dialogs.events import Text
from dialogs.records import EscalationTrigger, Priority

CONCERN = "I feel like a burden to everyone"


def test_a_concern_asks_the_question_and_flags_it_for_review_at_once() -> None:
    state = make_state()
    outcome = run(state, Text(CONCERN))
    assert keys(outcome) == ["concern.question"]
    assert last(outcome).urgent
    assert button_values(last(outcome)) == ["yes", "not_sure", "no"]
    [flag] = outcome.escalations  # never lost, even if the patient never answers
    assert (flag.trigger, flag.priority) == (EscalationTrigger.CONCERN, Priority.ROUTINE)
    assert flag.details["reason"].startswith("burden: ")
    assert flag.details["answer"] == "pending"


def test_yes_is_urgent_with_the_warning_sign_and_the_words() -> None:
    state = make_state()
    run(state, Text(CONCERN))
    outcome = press(state, "yes")
    [escalation] = outcome.escalations
    assert escalation.trigger is EscalationTrigger.CONCERN
    assert escalation.priority is Priority.URGENT
    assert escalation.details["reason"].startswith("burden: ")
    assert "«" in escalation.details["reason"]
    assert escalation.details["answer"] == "yes"
    assert outcome.responses == ["concern_yes"]
    assert "safety.ack.concern" in keys(outcome)
    assert state.conversation.flow == "crisis"


def test_a_typed_no_is_an_answer_kept_on_the_routine_flag() -> None:
    state = make_state()
    asked = run(state, Text(CONCERN))
    assert [e.priority for e in asked.escalations] == [Priority.ROUTINE]
    outcome = run(state, Text("No."))
    assert not outcome.escalations  # the flag raised on asking is the routine flag
    assert outcome.responses == ["concern_no"]
    assert "concern.thanks_no" in keys(outcome)
    assert state.conversation.flow == "idle"


def test_a_question_left_for_another_flow_was_already_told() -> None:
    state = make_state()
    asked = run(state, Text(CONCERN))
    outcome = command(state, "mood")
    assert not outcome.escalations
    assert asked.escalations[0].details["rule"] == "asked"
    assert state.conversation.flow == "mood"


def test_a_second_concern_within_the_window_is_urgent_at_once() -> None:
    state = make_state()
    state.recent_safety = [state.now - dt.timedelta(days=6)]
    outcome = run(state, Text(CONCERN))
    assert "concern.question" not in keys(outcome)
    [escalation] = outcome.escalations
    assert escalation.priority is Priority.URGENT
    assert escalation.details["rule"] == "repeat"


def test_an_old_concern_does_not_count() -> None:
    state = make_state()
    state.recent_safety = [state.now - dt.timedelta(days=8)]
    assert keys(run(state, Text(CONCERN))) == ["concern.question"]


def test_a_concern_in_a_group_is_asked_in_private() -> None:
    state = make_state()
    outcome = router.handle_group_risk(state, CONCERN, deps())
    assert "concern.question" in keys(outcome)
    assert all(not screen.group_safe for screen in outcome.replies)
    assert [e.priority for e in outcome.escalations] == [Priority.ROUTINE]
    urgent = press(state, "not_sure").escalations
    assert urgent[0].priority is Priority.URGENT
    assert urgent[0].details["where"] == "group"


def test_risk_in_a_group_is_still_the_crisis_path() -> None:
    state = make_state()
    outcome = router.handle_group_risk(state, "I want to kill myself", deps())
    assert outcome.escalations[0].priority is Priority.URGENT
    assert "safety.ack.risk_language" in keys(outcome)
