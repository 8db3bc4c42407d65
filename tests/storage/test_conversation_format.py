"""The stored conversation format: the first release's rows still load, new rows round-trip."""

from __future__ import annotations

from bot.storage.convert import stack_from_json, stack_to_json
from dialogs.records import Frame


def test_the_first_releases_single_suspended_flow_loads_as_a_one_frame_stack() -> None:
    legacy = {"flow": "onboarding", "state": "age", "data": {"readiness_index": 6}}
    assert stack_from_json(legacy) == [Frame("onboarding", "age", {"readiness_index": 6})]


def test_no_waiting_flow_is_stored_as_null() -> None:
    assert stack_to_json([]) is None
    assert stack_from_json(None) == []


def test_a_stack_round_trips_innermost_last() -> None:
    stack = [
        Frame("onboarding", "days", {"selected": ["0"], "v": 2}),
        Frame("session", "ask_minutes", {}),
    ]
    stored = stack_to_json(stack)
    assert stored is not None and stored["v"] == 2
    assert stack_from_json(stored) == stack
