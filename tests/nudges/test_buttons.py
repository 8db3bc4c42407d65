"""A nudge's button does what it says, through the real router (menu buttons `m:cmd:…`)."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest

from content.clinical.risk import RiskScreen
from dialogs import router
from dialogs.context import DialogDeps
from dialogs.events import Press
from dialogs.nudges import DayLoad, NudgeKind, Send, decide, plan
from tests.nudges.helpers import at, checkin, content, local, make_state

NY = "America/New_York"


@cache
def deps() -> DialogDeps:
    return DialogDeps(content=content(), risk=RiskScreen(dict(content().risk)))


@pytest.mark.parametrize(
    ("kind", "day", "first_key"),
    [
        (NudgeKind.SESSION, dt.date(2026, 3, 2), "today.heading"),
        (NudgeKind.CHECKIN, dt.date(2026, 3, 2), "checkin.intro"),
        (NudgeKind.FOLLOWUP, dt.date(2026, 3, 2), "barrier.intro"),
    ],
)
def test_the_button_opens_the_conversation(kind: NudgeKind, day: dt.date, first_key: str) -> None:
    state = make_state(training_days=[0], checkins=[checkin(local(NY, 2026, 2, 16, 12))])
    slots = plan(at(state, local(NY, 2026, 3, 2, 0, 5)), content())
    slot = next(s for s in slots if s.kind is kind and s.day == day)
    pressed_at = at(state, slot.due_at)
    decision = decide(slot, pressed_at, content(), DayLoad())
    assert isinstance(decision, Send)
    (button,) = decision.screen.choices[0]
    outcome = router.handle(pressed_at, Press(button.data), deps())
    keys = [key for screen in outcome.replies for key in screen.keys]
    assert first_key in keys, keys
