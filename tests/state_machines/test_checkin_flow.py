"""The PHQ-9 check-in: one item at a time, a way back, and the safety item before everything.

CLINICAL_SPEC 1: item 9 >= 1 is a positive safety screen whatever the total; it starts the
safety protocol at once, before anything else is asked.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from state_machines.checkin import CHECKIN, CheckinModel, CheckinState
from state_machines.engine import InvalidTransition

S = CheckinState
ITEMS = [f"phq9_{n}" for n in range(1, 10)]
SAFETY_ITEM = "phq9_9"
ANSWER = st.integers(min_value=0, max_value=3)


def new_checkin(safety_item: str | None = SAFETY_ITEM, threshold: int = 1) -> CheckinModel:
    return CheckinModel(
        state=S.ASKING,
        item_ids=list(ITEMS),
        safety_item=safety_item,
        safety_threshold=threshold,
    )


def answer_all(model: CheckinModel, values: list[int]) -> None:
    for value in values:
        CHECKIN.fire(model, "answer", value=value)


def test_all_zero_reaches_difficulty_then_complete_keeping_difficulty() -> None:
    model = new_checkin()
    answer_all(model, [0] * 9)
    assert model.state is S.DIFFICULTY
    assert model.answers == dict.fromkeys(ITEMS, 0)
    CHECKIN.fire(model, "rate_difficulty", value=2)
    assert model.state is S.COMPLETE
    assert model.difficulty == 2
    assert model.answers == dict.fromkeys(ITEMS, 0)


def test_items_are_asked_one_at_a_time_in_order() -> None:
    model = new_checkin()
    asked = []
    while model.state is S.ASKING:
        asked.append(model.current_item)
        CHECKIN.fire(model, "answer", value=1)
    assert asked == ITEMS


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_positive_item_9_stops_at_once_keeping_every_answer(item9: int) -> None:
    model = new_checkin()
    answer_all(model, [2, 1, 0, 3, 1, 0, 2, 1])
    assert model.state is S.ASKING
    CHECKIN.fire(model, "answer", value=item9)
    assert model.state is S.SAFETY_STOP
    assert model.answers == dict(zip(ITEMS, [2, 1, 0, 3, 1, 0, 2, 1, item9], strict=True))
    assert model.difficulty is None


@pytest.mark.parametrize("trigger", ["answer", "back", "rate_difficulty"])
def test_safety_stop_is_final(trigger: str) -> None:
    model = new_checkin()
    answer_all(model, [0] * 8 + [1])
    before = model.dump()
    with pytest.raises(InvalidTransition):
        CHECKIN.fire(model, trigger, value=0)
    assert model.state is S.SAFETY_STOP
    assert model.dump() == before


def test_safety_item_stops_before_later_items_are_asked() -> None:
    """The stop depends on the declared safety item, not on it being the last item."""
    model = new_checkin(safety_item="phq9_3")
    answer_all(model, [0, 0, 1])
    assert model.state is S.SAFETY_STOP
    assert model.answers == {"phq9_1": 0, "phq9_2": 0, "phq9_3": 1}


def test_threshold_is_respected() -> None:
    model = new_checkin(threshold=2)
    answer_all(model, [0] * 8 + [1])
    assert model.state is S.DIFFICULTY
    model = new_checkin(threshold=2)
    answer_all(model, [0] * 8 + [2])
    assert model.state is S.SAFETY_STOP


def test_without_safety_item_nothing_stops() -> None:
    model = new_checkin(safety_item=None)
    answer_all(model, [3] * 9)
    assert model.state is S.DIFFICULTY


def test_back_changes_the_previous_answer() -> None:
    model = new_checkin()
    answer_all(model, [1, 2, 3])
    assert model.current_item == "phq9_4"
    CHECKIN.fire(model, "back")
    assert model.state is S.ASKING
    assert model.current_item == "phq9_3"
    CHECKIN.fire(model, "answer", value=0)
    assert model.current_item == "phq9_4"
    assert model.answers == {"phq9_1": 1, "phq9_2": 2, "phq9_3": 0}


def test_back_cannot_go_before_the_first_item() -> None:
    model = new_checkin()
    with pytest.raises(InvalidTransition):
        CHECKIN.fire(model, "back")
    assert (model.state, model.cursor, model.answers) == (S.ASKING, 0, {})
    CHECKIN.fire(model, "answer", value=2)
    CHECKIN.fire(model, "back")
    with pytest.raises(InvalidTransition):
        CHECKIN.fire(model, "back")
    assert (model.state, model.current_item, model.answers) == (S.ASKING, "phq9_1", {"phq9_1": 2})


def test_back_from_difficulty_returns_to_the_last_item() -> None:
    model = new_checkin()
    answer_all(model, [0] * 9)
    CHECKIN.fire(model, "back")
    assert model.state is S.ASKING
    assert model.current_item == ITEMS[-1]
    CHECKIN.fire(model, "answer", value=0)
    assert model.state is S.DIFFICULTY


def test_changing_item_9_to_positive_after_back_stops() -> None:
    model = new_checkin()
    answer_all(model, [0] * 9)
    CHECKIN.fire(model, "back")
    CHECKIN.fire(model, "answer", value=1)
    assert model.state is S.SAFETY_STOP
    assert model.answers[SAFETY_ITEM] == 1


def test_difficulty_is_asked_only_after_the_items() -> None:
    model = new_checkin()
    with pytest.raises(InvalidTransition):
        CHECKIN.fire(model, "rate_difficulty", value=0)
    assert model.state is S.ASKING
    assert model.difficulty is None


@pytest.mark.parametrize("trigger", ["answer", "back", "rate_difficulty"])
def test_complete_is_final(trigger: str) -> None:
    model = new_checkin()
    answer_all(model, [0] * 9)
    CHECKIN.fire(model, "rate_difficulty", value=1)
    with pytest.raises(InvalidTransition):
        CHECKIN.fire(model, trigger, value=0)
    assert model.state is S.COMPLETE


def test_a_check_in_resumes_from_its_stored_record() -> None:
    """The machine is rebuilt per update: state plus dump() must be enough to go on."""
    model = new_checkin()
    answer_all(model, [1, 1, 1, 1])
    stored = (model.state.value, model.dump())
    resumed = CheckinModel.load(
        stored[0], stored[1], item_ids=list(ITEMS), safety_item=SAFETY_ITEM, safety_threshold=1
    )
    answer_all(resumed, [0] * 5)
    assert resumed.state is S.DIFFICULTY
    assert resumed.answers == dict(zip(ITEMS, [1] * 4 + [0] * 5, strict=True))


@given(st.lists(ANSWER, min_size=9, max_size=9))
def test_final_state_is_safety_stop_iff_item_9_positive(vector: list[int]) -> None:
    model = new_checkin()
    answer_all(model, vector)
    if model.state is S.DIFFICULTY:
        CHECKIN.fire(model, "rate_difficulty", value=0)
    assert (model.state is S.SAFETY_STOP) == (vector[8] >= 1)
    assert model.state in (S.SAFETY_STOP, S.COMPLETE)
    assert model.answers == dict(zip(ITEMS, vector, strict=True))


OPS = st.lists(st.one_of(st.just(("back", 0)), st.tuples(st.just("answer"), ANSWER)))


@given(OPS)
def test_any_mix_of_answers_and_backs_matches_a_reference(
    ops: list[tuple[str, int]],
) -> None:
    """A tiny reference model of the spec, replayed against the machine step by step."""
    model = new_checkin()
    state, cursor = S.ASKING, 0
    answers: dict[str, int] = {}
    for trigger, value in ops:
        allowed = state is S.ASKING and (trigger == "answer" or cursor > 0)
        allowed = allowed or (state is S.DIFFICULTY and trigger == "back")
        if not allowed:
            with pytest.raises(InvalidTransition):
                CHECKIN.fire(model, trigger, value=value)
        elif state is S.DIFFICULTY:
            CHECKIN.fire(model, trigger)
            state = S.ASKING
        elif trigger == "back":
            CHECKIN.fire(model, trigger)
            cursor -= 1
        else:
            CHECKIN.fire(model, trigger, value=value)
            answers[ITEMS[cursor]] = value
            if answers.get(SAFETY_ITEM, 0) >= 1:
                state = S.SAFETY_STOP
            elif cursor + 1 < len(ITEMS):
                cursor += 1
            else:
                state = S.DIFFICULTY
        assert (model.state, model.cursor, model.answers) == (state, cursor, answers)


def test_a_check_in_stored_by_the_first_release_still_loads() -> None:
    """Rows written before models serialised themselves had no version: they still load."""
    legacy = {
        "kind": "baseline",
        "started_at": "2026-11-30T08:00:00+00:00",
        "cursor": 2,
        "answers": {"phq9_1": 1, "phq9_2": 0},
        "difficulty": None,
    }
    model = CheckinModel.load("asking", legacy, item_ids=list(ITEMS), safety_item=SAFETY_ITEM)
    assert (model.cursor, model.answers, model.kind) == (2, {"phq9_1": 1, "phq9_2": 0}, "baseline")
    assert model.dump()["v"] == CheckinModel.VERSION
