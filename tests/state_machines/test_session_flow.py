"""Logging a session: today's offer (done / partial / can't) or a reported one (/log)."""

from __future__ import annotations

import pytest

from state_machines.engine import InvalidTransition
from state_machines.session import SESSION, SessionModel, SessionState

S = SessionState
QUESTIONS = [
    ("give_minutes", "minutes", 20, S.ASK_EXERTION),
    ("give_exertion", "exertion", 13, S.ASK_MOOD_BEFORE),
    ("give_mood_before", "mood_before", 3, S.ASK_MOOD_AFTER),
    ("give_mood_after", "mood_after", 6, S.LOGGED),
]
ANSWERS = {key: value for _, key, value, _ in QUESTIONS}


def answer_questions(model: SessionModel) -> None:
    for trigger, _, value, following in QUESTIONS:
        SESSION.fire(model, trigger, value=value)
        assert model.state is following


@pytest.mark.parametrize("trigger", ["done", "partial"])
def test_offered_session_is_logged_with_every_answer(trigger: str) -> None:
    model = SessionModel(S.OFFERED, planned=True)
    assert model.state is S.OFFERED
    SESSION.fire(model, trigger)
    assert model.state is S.ASK_MINUTES
    assert model.status == trigger
    answer_questions(model)
    assert model.status == trigger
    assert model.answers == ANSWERS


def test_cant_skips_without_asking_anything() -> None:
    model = SessionModel(S.OFFERED, planned=True)
    SESSION.fire(model, "cant")
    assert model.state is S.SKIPPED
    assert model.status == "skipped"
    assert model.answers == {}
    assert SESSION.triggers_from(S.SKIPPED) == []


def test_log_path_starts_at_activity() -> None:
    model = SessionModel(S.ASK_ACTIVITY, planned=False)
    SESSION.fire(model, "give_activity", value="walking")
    assert model.state is S.ASK_MINUTES
    answer_questions(model)
    assert model.status == "done"
    assert model.answers == {"modality": "walking", **ANSWERS}


def test_answers_are_kept_as_given() -> None:
    model = SessionModel(S.OFFERED, planned=True)
    SESSION.fire(model, "partial")
    SESSION.fire(model, "give_minutes", value=7)
    SESSION.fire(model, "give_exertion", value=11)
    assert model.answers == {"minutes": 7, "exertion": 11}
    assert model.state is S.ASK_MOOD_BEFORE


@pytest.mark.parametrize(
    ("state", "trigger"),
    [
        (S.OFFERED, "give_minutes"),
        (S.OFFERED, "give_activity"),
        (S.ASK_ACTIVITY, "done"),
        (S.ASK_ACTIVITY, "give_minutes"),
        (S.ASK_MINUTES, "done"),
        (S.ASK_MINUTES, "give_exertion"),
        (S.ASK_EXERTION, "give_mood_after"),
        (S.ASK_MOOD_BEFORE, "give_mood_after"),
        (S.ASK_MOOD_AFTER, "cant"),
        (S.LOGGED, "give_mood_after"),
        (S.LOGGED, "done"),
        (S.SKIPPED, "done"),
        (S.OFFERED, "not_a_trigger"),
    ],
)
def test_invalid_triggers_raise_and_change_nothing(state: SessionState, trigger: str) -> None:
    model = SessionModel(state, planned=True)
    with pytest.raises(InvalidTransition):
        SESSION.fire(model, trigger, value=1)
    assert model == SessionModel(state, planned=True)


def test_logged_and_skipped_are_final() -> None:
    assert SESSION.triggers_from(S.LOGGED) == []
    assert SESSION.triggers_from(S.SKIPPED) == []
