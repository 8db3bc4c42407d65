"""The opt-in daily mood check, its just-in-time offer and the offer's one follow-up.

A patient turns the check on (a time) or off in /settings. At that local time a nudge asks for
a 0–10 rating with buttons (kind `mood_check`, `dialogs.nudges`). A press opens the /mood
conversation in its check mode (`dialogs.mood`), so the rating is stored like every mood. A low
rating (`protocol.yaml` mood.low_mood, the day's first low one) gets a just-in-time offer:
"Start 10 minutes" / "Not now". Starting records a short session, the way sessions are logged
(unplanned, partial: it counts its minutes, but never passes for a whole planned session, nor
cancels the day's session reminder). The offer's time is kept on the profile (`mood_offer_at`):
if no session was logged since, one follow-up nudge comes `follow_up_hours` later (kind
`mood_followup`) with the same two buttons; inside quiet hours it is dropped, not moved
(`content.clinical.mood_rules.follow_up_due`). One follow-up per offer: its slot key is taken
once sent or dropped. Both kinds are patient-requested, so the daily nudge cap neither counts
nor drops them (`nudges.yaml` mood_check.uncapped).

Buttons on nudges are menu buttons (`m:mck:...`): they stay valid on the nudge's message.
"""

from __future__ import annotations

import datetime as dt

from content.clinical.mood_rules import follow_up_due, offer_minutes
from content.loader import Content
from dialogs import programme
from dialogs.context import DialogContext, menu
from dialogs.flow import Flow
from dialogs.nudge_time import QuietHours
from dialogs.questions import Choice as ProfileChoice
from dialogs.questions import Kind, ProfileQuestion
from dialogs.records import SessionRecord, SessionStatus
from dialogs.screens import Choice, Line, Screen, say
from dialogs.session_card import MOOD_RANGE, MOOD_ROW
from dialogs.state import PatientState
from dialogs.timezones import tz_for

PREFIX = "mck:"
START, NOT_NOW = "start", "not_now"
# What a started offer's session record carries, so it can be told from a /log.
NOTE = "mood_offer"
_DID = frozenset({SessionStatus.DONE, SessionStatus.PARTIAL})
# Times offered in /settings (any typed time is accepted too).
CHECK_TIMES = ("09:00", "12:00", "17:00", "20:00")


# ----------------------------------------------------------------------------- timing


def check_time(state: PatientState) -> dt.time | None:
    """The local time of the daily check, or None when the patient has not opted in."""
    text = state.profile.mood_check_time
    if not text:
        return None
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        return None


def logged_since(state: PatientState, since: dt.datetime) -> bool:
    """A session (any, planned or not) done or partly done was logged at or after `since`."""
    return any(
        r.status in _DID and r.logged_at is not None and r.logged_at >= since
        for r in state.sessions
    )


def follow_up_at(state: PatientState, content: Content) -> dt.datetime | None:
    """When the latest offer's follow-up is wanted (local time), or None: no offer, or a
    session was logged since it."""
    offered = state.profile.mood_offer_at
    if offered is None or logged_since(state, offered):
        return None
    hours = dt.timedelta(hours=content.protocol.mood.follow_up_hours)
    return (offered + hours).astimezone(tz_for(state.patient.timezone))


def follow_up_on(state: PatientState, content: Content, day: dt.date) -> dt.time | None:
    when = follow_up_at(state, content)
    return when.time() if when is not None and when.date() == day else None


def follow_up_now(state: PatientState, content: Content, in_quiet_hours: bool) -> bool:
    """The pure rule at the due time: hours after the offer, nothing logged, not quiet."""
    offered = state.profile.mood_offer_at
    if offered is None:
        return False
    logged = logged_since(state, offered)
    return follow_up_due(content.protocol, offered, state.now, logged, in_quiet_hours)


# ----------------------------------------------------------------------------- screens


def check_screen(line: Line) -> Screen:
    """The check nudge: its (rotating) line, the scale, and 0–10 as menu buttons."""
    low, high = MOOD_RANGE
    buttons = [Choice(data=f"m:{PREFIX}{n}", literal=str(n)) for n in range(low, high + 1)]
    rows = tuple(tuple(buttons[i : i + MOOD_ROW]) for i in range(0, len(buttons), MOOD_ROW))
    return Screen(lines=(line, say("today.mood_scale")), choices=rows)


def offer_choices(content: Content) -> tuple[tuple[Choice, ...], ...]:
    policy, minutes = content.nudges.mood_check, offer_minutes(content.protocol)
    return (
        (
            menu(PREFIX + START, policy.start_key, minutes=minutes),
            menu(PREFIX + NOT_NOW, policy.not_now_key),
        ),
    )


def follow_up_screen(line: Line, content: Content) -> Screen:
    return Screen(lines=(line,), choices=offer_choices(content))


# ----------------------------------------------------------------------------- answers


def start_activity(ctx: DialogContext) -> None:
    """The offer taken: a short session recorded now (unplanned, partial), and how to do it."""
    state, content = ctx.state, ctx.content
    minutes = offer_minutes(content.protocol)
    modality, activity = _activity(ctx)
    record = SessionRecord(
        day=state.today,
        status=SessionStatus.PARTIAL,
        planned=False,
        modality=modality,
        minutes=minutes,
        note=NOTE,
        logged_at=state.now,
    )
    state.sessions.append(record)
    ctx.outcome.store(record)
    ctx.audit("mood.offer_started", minutes=minutes)
    ctx.show(say("mood_check.started", activity=activity, minutes=minutes))


def not_now(ctx: DialogContext) -> None:
    ctx.audit("mood.offer_declined")
    ctx.show(say("mood_check.not_now"))


def _activity(ctx: DialogContext) -> tuple[str | None, str]:
    """Today's modality (or the step's first) and one easy activity of it, by name."""
    state, content = ctx.state, ctx.content
    if not programme.has_programme(state):
        first = content.modalities.modalities[0]
        return None, ctx.texts.get(ctx.language, first.name_key)
    return programme.todays_easy_activity(state, content, ctx.language)


def on_menu(ctx: DialogContext, value: str) -> bool:
    """The check's ratings and the follow-up's answers; False for any other menu value."""
    if not value.startswith(PREFIX):
        return False
    answer = value.removeprefix(PREFIX)
    low, high = MOOD_RANGE
    if answer.isdigit() and low <= int(answer) <= high:
        ctx.start(Flow.MOOD, args=answer, check=True)
    elif answer == START:
        start_activity(ctx)
    elif answer == NOT_NOW:
        not_now(ctx)
    else:
        return False
    return True


# ----------------------------------------------------------------------------- /settings


def _store(state: PatientState, value: object) -> None:
    state.profile.mood_check_time = None if value is None else str(value)


def _in_quiet_hours(state: PatientState, value: str) -> str | None:
    """A check inside quiet hours would never come: refuse it kindly."""
    try:
        quiet = QuietHours(
            dt.time.fromisoformat(state.profile.quiet_start),
            dt.time.fromisoformat(state.profile.quiet_end),
        )
        at = dt.time.fromisoformat(value)
    except ValueError:
        return None
    return "settings.mood_check.in_quiet_hours" if quiet.contains(at) else None


QUESTION = ProfileQuestion(
    "mood_check",
    "settings.mood_check.ask",
    Kind.TIME,
    _store,
    options=lambda c, lang: [ProfileChoice(t, literal=t) for t in CHECK_TIMES],
    columns=len(CHECK_TIMES),
    skip_key="settings.mood_check.off",
    refuse=_in_quiet_hours,
)
QUESTIONS = {QUESTION.id: QUESTION}


def settings_line(state: PatientState) -> Line:
    at = state.profile.mood_check_time
    if at:
        return say("settings.mood_check.line_on", time=at)
    return say("settings.mood_check.line_off")
