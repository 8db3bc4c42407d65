"""The barrier plan's follow-up: "How did it go?" at the time the plan named.

A barrier conversation ends with a tiny plan (what, and when). At the time its `when` stands
for (`protocol.yaml` barrier_follow_up: in two hours, this evening at 20:30, tomorrow at
noon), one nudge asks how it went, with Done / Not yet / Change my plan. It is an ordinary
nudge (`dialogs.nudges`, kind `barrier_followup`): quiet hours, the grace period, a pause
and the daily cap apply. It is not sent when a session was logged since the plan (it
happened), and a `when` the content gives no time for gets no follow-up.

The answers are menu buttons (they stay valid on the nudge's message): Done thanks the
patient and offers /log; Not yet says that is fine; Change my plan reopens the barrier
conversation at its plan step. Each answer is audited.
"""

from __future__ import annotations

import datetime as dt

from content.clinical.mood_rules import barrier_follow_up_at
from content.loader import Content
from dialogs.context import DialogContext, menu
from dialogs.flow import Flow
from dialogs.records import SessionStatus
from dialogs.screens import Choice, Screen, say
from dialogs.state import PatientState
from dialogs.timezones import tz_for

PREFIX = "bfu:"
DONE, NOT_YET, CHANGE = "done", "not_yet", "change"
_DID = frozenset({SessionStatus.DONE, SessionStatus.PARTIAL})


def due_at(state: PatientState, content: Content) -> dt.datetime | None:
    """When the latest plan's follow-up is wanted (local time), or None if it is not."""
    plan = state.barrier_plan
    if plan is None:
        return None
    zone = tz_for(state.patient.timezone)
    when = barrier_follow_up_at(content.protocol, plan.when, plan.created_at.astimezone(zone))
    if when is None:
        return None
    moved = any(
        r.status in _DID and r.logged_at is not None and r.logged_at >= plan.created_at
        for r in state.sessions
    )
    return None if moved else when


def wanted_on(state: PatientState, content: Content, day: dt.date) -> dt.time | None:
    """The local time of the follow-up on `day`, if it falls on that day."""
    when = due_at(state, content)
    return when.time() if when is not None and when.date() == day else None


def screen(state: PatientState, content: Content, line_key: str, variant: int) -> Screen:
    """The nudge: the plan in a few words, and the three answers."""
    from dialogs.nudges import VariantLine  # dialogs.nudges lists this kind

    policy = content.nudges.barrier_followup
    plan = state.barrier_plan
    what = _what(state, content, plan.what if plan else "")
    line = VariantLine(key=line_key, params={"what": what}, variant=variant)
    row: tuple[Choice, ...] = (
        menu(PREFIX + DONE, policy.button_key),
        menu(PREFIX + NOT_YET, policy.not_yet_key),
    )
    return Screen(lines=(line,), choices=(row, (menu(PREFIX + CHANGE, policy.change_key),)))


def _what(state: PatientState, content: Content, what: str) -> str:
    labels = {c.id: c.label_key for c in content.barriers.plan_what}
    if what not in labels:
        return what
    return content.texts.get(state.patient.language, labels[what])


def on_menu(ctx: DialogContext, value: str) -> bool:
    """The follow-up's answers; False for any other menu value."""
    if not value.startswith(PREFIX):
        return False
    answer = value.removeprefix(PREFIX)
    if answer not in (DONE, NOT_YET, CHANGE):
        return False
    ctx.audit("barrier.follow_up", answer=answer)
    plan = ctx.state.barrier_plan
    if answer == DONE:
        ctx.show(say("barrier_followup.done"), rows=[[menu("cmd:log", "barrier_followup.log")]])
    elif answer == NOT_YET:
        ctx.show(say("barrier_followup.not_yet"))
    elif plan is not None:
        ctx.start(Flow.BARRIER, barrier=plan.barrier, script=plan.script)
    else:
        ctx.start(Flow.BARRIER)
    return True
