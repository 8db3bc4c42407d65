"""Scheduled nudges, as pure rules: which slots exist, when they are due, what they say.

Nothing here sends or stores. `bot/nudges/` loads a patient's state, asks `plan` which slots
to add, keeps them in the database, and at the due time asks `decide` whether a slot is still
wanted *now* — the state may have changed since it was planned — and what it says.

Kinds, in priority order (content/data/nudges.yaml ranks them):
- `session`: at the preferred session time on each day with a planned session;
- `checkin`: PHQ-9 due every `readminister_days` from the baseline, and `checkin_again` the
  next day if it is still not done;
- `followup`: the evening of a planned session with nothing recorded; opens the barrier
  conversation (menu button `m:cmd:barrier`);
- `summary`: the weekly progress summary, with the chart;
- `barrier_followup`: a barrier plan's "How did it go?" (`dialogs.barrier_followup`);
- `mood_check`: the opt-in daily mood check at the patient's time, 0–10 buttons, and
  `mood_followup`: one nudge `follow_up_hours` after a low rating's just-in-time offer if
  nothing was logged since (`dialogs.mood_check`). Both are patient-requested: the daily cap
  neither counts nor drops them; the follow-up is dropped, not moved, by quiet hours.
The supervisors' weekly `digest` is planned in `bot/` (it belongs to no patient); its text
is built by `dialogs.digest.digest_screen`; the time rules live in `dialogs.nudge_time`.

Rules, each one a function below:
- quiet hours (the patient's, default 21:00–08:00, may span midnight) hold every nudge: it
  moves to the end of the quiet hours if still within the grace period, else it is dropped;
- a nudge later than the grace period (the bot was down) is dropped, never sent late;
- a pause (journey PAUSED) holds nudges on days before `paused_until`;
- at most `max_per_day` nudges per local day; a slot yields to higher-priority slots still
  pending that day, and only those still needed count (the mood kinds are outside the cap);
- a session nudge shows the dose as the record makes it now: progression is applied to the
  state read for the nudge (read only; the next contact applies and stores it);
- variants rotate: a slot takes the variant after the previous slot of its kind, so the same
  wording never comes two days running.
Safety messages and alerts are not nudges: none of these rules applies to them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from content.loader import Content
from content.schemas.nudges import NudgePolicy, as_time
from dialogs import barrier_followup, mood_check, programme, progress
from dialogs.context import menu
from dialogs.flow import Flow
from dialogs.nudge_kinds import (
    DOSE_KINDS,
    MOOD_KINDS,
    NOT_MOVED,
    PATIENT_KINDS,
    NudgeKind,
    Slot,
    SlotStatus,
    VariantLine,
    slot_key,
    text_key,
    text_of,
    uncapped,
)
from dialogs.nudge_time import QuietHours, deliverable_at, local_instant, paused_on, quiet_hours
from dialogs.records import SessionStatus
from dialogs.screens import Choice, Screen
from dialogs.state import PatientState
from dialogs.timezones import tz_for

# Sessions that settle a day: no follow-up, no reminder. Missed is what the follow-up is for.
_SETTLED = frozenset({SessionStatus.DONE, SessionStatus.PARTIAL, SessionStatus.SKIPPED})
_RESCHEDULE_TOLERANCE = dt.timedelta(minutes=1)


# ----------------------------------------------------------------------------- planning


def _zone(state: PatientState) -> dt.tzinfo:
    return tz_for(state.patient.timezone)


def checkin_due_days(state: PatientState, content: Content) -> tuple[dt.date, int] | None:
    """(local day of the baseline, interval in days), or None before a baseline."""
    baseline = state.baseline
    if baseline is None:
        return None
    done = baseline.completed_at or baseline.started_at
    return done.astimezone(_zone(state)).date(), content.phq9.readminister_days


def checkin_due_on(state: PatientState, content: Content, day: dt.date) -> bool:
    schedule = checkin_due_days(state, content)
    if schedule is None:
        return False
    start, every = schedule
    days = (day - start).days
    return days > 0 and days % every == 0


def checkin_done_for(state: PatientState, content: Content, due: dt.date) -> bool:
    """A check-in completed from a few days before the due day on counts for it."""
    since = due - dt.timedelta(days=content.nudges.checkin.counts_from_days_before)
    zone = _zone(state)
    return any(
        (c.completed_at or c.started_at).astimezone(zone).date() >= since
        for c in state.checkins
        if c.total is not None and c is not state.baseline
    )


def _session_settled(state: PatientState, day: dt.date) -> bool:
    """A record settles the day; a just-in-time 10 minutes after a low mood does not."""
    return any(
        r.day == day and r.status in _SETTLED and r.note != mood_check.NOTE for r in state.sessions
    )


def wanted_at(
    kind: NudgeKind,
    state: PatientState,
    content: Content,
    day: dt.date,
    session_day: bool | None = None,
) -> dt.time | None:
    """The local time a nudge of `kind` is wanted on `day`, or None if it is not wanted.

    Used at planning (is there such a slot?) and again at the due time (is it still wanted,
    and at the same time? The patient may have logged, changed days or their time).
    `session_day` (a session is planned that day) may be passed when already known: working
    out the week's plan is the costly part.
    """
    policy = content.nudges
    if not programme.has_programme(state):
        return None
    if kind in (NudgeKind.SESSION, NudgeKind.FOLLOWUP):
        if session_day is None:
            session_day = programme.planned_session(state, content, day) is not None
        if not session_day:
            return None
        if _session_settled(state, day):
            return None
        session_time = programme.session_time(state, content)
        if kind is NudgeKind.SESSION:
            return session_time
        evening = as_time(policy.followup.time)
        return evening if evening > session_time else None  # never before the session
    if kind in (NudgeKind.CHECKIN, NudgeKind.CHECKIN_AGAIN):
        due = day
        if kind is NudgeKind.CHECKIN_AGAIN:
            due = day - dt.timedelta(days=policy.checkin.again_after_days)
        wanted = (
            checkin_due_on(state, content, due)
            and not checkin_done_for(state, content, due)
            and Flow.CHECKIN not in _running(state)  # already answering it (or paused in it)
        )
        return as_time(policy.checkin.time) if wanted else None
    if kind is NudgeKind.SUMMARY:
        start = state.profile.programme_start
        if day.weekday() != policy.summary.weekday or (start is not None and day < start):
            return None
        return as_time(policy.summary.time)
    if kind is NudgeKind.BARRIER_FOLLOWUP:
        return barrier_followup.wanted_on(state, content, day)
    if kind is NudgeKind.MOOD_CHECK:
        return mood_check.check_time(state)
    if kind is NudgeKind.MOOD_FOLLOWUP:
        return mood_check.follow_up_on(state, content, day)
    return None


def _running(state: PatientState) -> set[str]:
    """The flow the patient is in and those waiting beneath it."""
    conversation = state.conversation
    return {conversation.flow, *(frame.flow for frame in conversation.stack)}


def _deliverable(
    kind: NudgeKind,
    due: dt.datetime,
    now: dt.datetime,
    zone: dt.tzinfo,
    quiet: QuietHours,
    grace: dt.timedelta,
) -> dt.datetime | None:
    """`deliverable_at`, except that quiet hours drop a kind that must not be moved."""
    if kind in NOT_MOVED and quiet.contains(max(due, now).astimezone(zone).time()):
        return None
    return deliverable_at(due, now, zone, quiet, grace)


def next_variant(kind: NudgeKind, day: dt.date, known: Iterable[Slot], count: int) -> int:
    """The variant after the one the previous slot of this kind used (rotation)."""
    if count <= 1:
        return 0
    earlier = [s for s in known if s.kind is kind and s.day < day]
    if not earlier:
        return day.toordinal() % count
    previous = max(earlier, key=lambda s: s.day)
    return (previous.variant + 1) % count


def plan(state: PatientState, content: Content, known: Sequence[Slot] = ()) -> list[Slot]:
    """The slots to add for the patient's next `horizon_days` local days, from `state.now`.

    `known` are the patient's stored slots (recent and upcoming): their keys are never planned
    again, and they carry the variants the rotation continues from. A slot due inside quiet
    hours and beyond the grace period comes back `dropped` (stored, so the drop is logged
    once); slots already later than the grace period are not planned at all.
    """
    policy = content.nudges
    if not programme.has_programme(state):
        return []
    zone, quiet, now = _zone(state), quiet_hours(state, policy), state.now
    taken = {s.key for s in known}
    history = list(known)
    added: list[Slot] = []
    for offset in range(policy.horizon_days):
        day = state.today + dt.timedelta(days=offset)
        session_day = programme.planned_session(state, content, day) is not None
        for kind in PATIENT_KINDS:
            key = slot_key(kind, day)
            at = wanted_at(kind, state, content, day, session_day)
            if at is None or key in taken:
                continue
            due = local_instant(day, at, zone)
            when = _deliverable(kind, due, due, zone, quiet, policy.grace)
            if now - (when or due) > policy.grace:
                continue
            count = len(content.texts.variants(state.patient.language, text_key(kind, policy)))
            variant = next_variant(kind, day, history, count)
            slot = Slot(
                kind=kind,
                key=key,
                day=day,
                due_at=when or due,
                rank=policy.rank(kind.value),
                variant=variant,
                status=SlotStatus.PLANNED if when else SlotStatus.DROPPED,
                reason=None if when else "quiet_hours",
            )
            added.append(slot)
            history.append(slot)
    return added


def planned_until(state: PatientState, content: Content) -> dt.datetime:
    """Re-plan at the next local midnight: a new day enters the horizon then."""
    tomorrow = state.today + dt.timedelta(days=1)
    return local_instant(tomorrow, dt.time(0, 0), _zone(state))


# ------------------------------------------------------------------------ at the due time


@dataclass(frozen=True)
class Send:
    screen: Screen


@dataclass(frozen=True)
class Defer:
    due_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class Skip:
    status: SlotStatus
    reason: str


Decision = Send | Defer | Skip


@dataclass(frozen=True)
class DayLoad:
    """The rest of the patient's local day, for the daily cap."""

    sent: int = 0
    pending: Sequence[Slot] = field(default_factory=tuple)
    # Of the day's sent nudges, the mood check's and its follow-up's (`MOOD_KINDS`), not in
    # `sent`: whether they count toward the cap is the policy's call (`capped_sent`).
    mood_sent: int = 0

    def capped_sent(self, policy: NudgePolicy) -> int:
        return self.sent + (0 if policy.mood_check.uncapped else self.mood_sent)

    def after_sending(self, slot: Slot) -> DayLoad:
        pending = tuple(p for p in self.pending if p.key != slot.key)
        if slot.kind in MOOD_KINDS:
            return DayLoad(self.sent, pending, self.mood_sent + 1)
        return DayLoad(self.sent + 1, pending, self.mood_sent)


def still_wanted(slot: Slot, state: PatientState, content: Content) -> bool:
    return wanted_at(slot.kind, state, content, slot.day) is not None


def decide(slot: Slot, state: PatientState, content: Content, day: DayLoad) -> Decision:
    """Send now, wait until later, or never: read against the state as it is now.

    The grace period runs from the slot's due time: a slot the bot could not send in time
    (downtime) is dropped, never sent late. Quiet hours now hold it until they end, if that
    is still within the grace period.
    """
    policy, now = content.nudges, state.now
    zone, quiet = _zone(state), quiet_hours(state, policy)
    if paused_on(state, slot.day):
        return Skip(SlotStatus.HELD, "paused")
    if now - slot.due_at > policy.grace:
        return Skip(SlotStatus.DROPPED, "stale")
    if slot.kind in DOSE_KINDS:
        # The dose as the record makes it now (a step back after three planned sessions
        # not done applies even if nothing was pressed). `state` was read for this nudge
        # and is not stored: the next contact applies it for real and opens the barrier talk.
        programme.apply_progression(state, content)
    at = wanted_at(slot.kind, state, content, slot.day)
    if at is None:
        return Skip(SlotStatus.DROPPED, "not_needed")
    wanted = local_instant(slot.day, at, zone)
    kind = slot.kind
    due = _deliverable(kind, wanted, wanted, zone, quiet, policy.grace)  # as planning says
    if due is None:
        return Skip(SlotStatus.DROPPED, "quiet_hours")
    if due - now > _RESCHEDULE_TOLERANCE:
        return Defer(due, "moved")  # the patient moved their time (or quiet hours) later
    when = _deliverable(kind, due, now, zone, quiet, policy.grace)
    quiet_now = quiet.contains(now.astimezone(zone).time())
    if when is None:
        return Skip(SlotStatus.DROPPED, "quiet_hours" if quiet_now else "stale")
    if when - now > _RESCHEDULE_TOLERANCE:
        return Defer(when, "quiet_hours")
    if kind is NudgeKind.MOOD_FOLLOWUP and not mood_check.follow_up_now(state, content, quiet_now):
        return Skip(SlotStatus.DROPPED, "not_needed")
    if uncapped(kind, policy):
        return Send(screen_for(slot, state, content))
    ahead = [
        p
        for p in day.pending
        if p.key != slot.key
        and p.rank < slot.rank
        and not uncapped(p.kind, policy)
        and still_wanted(p, state, content)
    ]
    if day.capped_sent(policy) + len(ahead) >= policy.max_per_day:
        return Skip(SlotStatus.DROPPED, "daily_cap")
    return Send(screen_for(slot, state, content))


# ------------------------------------------------------------------------------ screens


def _button(value: str, key: str) -> tuple[tuple[Choice, ...], ...]:
    return ((menu(value, key),),)


def screen_for(slot: Slot, state: PatientState, content: Content) -> Screen:
    policy, language = content.nudges, state.patient.language
    key = text_key(slot.kind, policy)
    if slot.kind is NudgeKind.MOOD_CHECK:
        return mood_check.check_screen(VariantLine(key=key, variant=slot.variant))
    if slot.kind is NudgeKind.MOOD_FOLLOWUP:
        minutes = content.protocol.mood.offer_minutes
        line = VariantLine(key=key, params={"minutes": minutes}, variant=slot.variant)
        return mood_check.follow_up_screen(line, content)
    button = text_of(slot.kind, policy).button_key
    if slot.kind is NudgeKind.SESSION:
        planned = programme.planned_session(state, content, slot.day)
        assert planned is not None  # decide() checked it is still wanted
        name = programme.modality_name(content, language, planned.modality)
        line = VariantLine(key=key, params={"modality": name, "minutes": planned.minutes})
        return Screen(lines=(_with(line, slot),), choices=_button("cmd:today", button))
    if slot.kind in (NudgeKind.CHECKIN, NudgeKind.CHECKIN_AGAIN):
        line = VariantLine(key=key, params={"count": len(content.phq9.items)})
        return Screen(lines=(_with(line, slot),), choices=_button("cmd:checkin", button))
    if slot.kind is NudgeKind.FOLLOWUP:
        line = VariantLine(key=key)
        return Screen(lines=(_with(line, slot),), choices=_button("cmd:barrier", button))
    if slot.kind is NudgeKind.BARRIER_FOLLOWUP:
        return barrier_followup.screen(state, content, key, slot.variant)
    return _summary(slot, state, content, key, button)


def _with(line: VariantLine, slot: Slot) -> VariantLine:
    return VariantLine(key=line.key, params=line.params, variant=slot.variant)


def _summary(slot: Slot, state: PatientState, content: Content, key: str, button: str) -> Screen:
    """The /progress lines for the week ending on the summary day, with the chart."""
    lines = (
        VariantLine(key=key, variant=slot.variant),
        *progress.summary_lines(state, content, slot.day),
    )
    return Screen(
        lines=lines,
        choices=_button("cmd:plan", button),
        chart=progress.chart(state, content, state.patient.language),
    )
