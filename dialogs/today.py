"""Today's session (/today) and a session outside the plan (/log).

/today shows the prescribed session as a card: what, how long, how hard (a heart-rate range
with its %HRR, or the effort and talk test when pacing is by feel), examples from the
patient's preferences, warm-up and cool-down, with Done / Did part of it / Can't today.
Done or partial asks minutes → effort → mood before → mood after, then stores one
`SessionRecord`, celebrates, and tells the patient in one sentence if their phase changed.
Can't today stores a skipped record and opens the barrier conversation.

Effort is stored in `SessionRecord.exertion` as a number on Borg's 6–20 scale, at the scale's
own verbal anchors (`protocol.yaml` effort_buttons: Easy = 11 "light", About right = 13
"somewhat hard", Hard = 15 "hard", Very hard = 17 "very hard"), so it can be read against the
prescription's RPE range and steer the dose (content/clinical/progression.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from content.clinical.ladder import Step
from content.clinical.prescription import Prescription
from content.clinical.progression import ProgressionDecision
from content.clinical.session_card import card_lines, session_card
from content.clinical.weekly_plan import PlannedSession
from content.loader import Content
from dialogs import barrier, flows, programme
from dialogs.context import DialogContext, menu, rows_of
from dialogs.flows import BaseFlow
from dialogs.records import SessionRecord, SessionStatus
from dialogs.screens import Line, say
from state_machines.engine import InvalidTransition
from state_machines.session import SESSION, SessionModel, SessionState

FLOW = "session"


def effort_rpe(content: Content) -> dict[str, int]:
    """Effort button id → Borg score, from content (see the module docstring)."""
    return {button.id: button.rpe for button in content.protocol.effort_buttons}


# Quick answers and the accepted range for minutes: input validation and presentation, not
# clinical numbers (a session above five hours is a typing slip).
MINUTE_CHOICES = (10, 20, 30, 45, 60)
MINUTES_RANGE = (1, 300)
# Mood is rated 0 (very low) to 10 (very good), the same scale as /mood.
MOOD_RANGE = (0, 10)
MOOD_ROW = 6

S = SessionState


def whole_number(text: str, digits: int = 4) -> int | None:
    """A short run of ASCII digits as a number; anything else (including "²" or "½") is None."""
    cleaned = text.strip()
    if cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= digits:
        return int(cleaned)
    return None


def modality_name(ctx: DialogContext, modality: str) -> str:
    return programme.modality_name(ctx.content, ctx.language, modality)


def day_name(ctx: DialogContext, day: dt.date) -> str:
    return programme.day_name(ctx.language, day)


def card_body(
    ctx: DialogContext, prescription: Prescription, planned: PlannedSession
) -> list[Line]:
    """Intensity, effort, warm-up, main part (or rounds), cool-down and total, by modality."""
    content = ctx.content
    card = session_card(content.modalities, prescription, planned.modality, planned.minutes)
    return [
        say(key, **params)
        for key, params in card_lines(
            ctx.texts, content.protocol, content.modalities, card, ctx.language
        )
    ]


def next_session_line(ctx: DialogContext) -> Line | None:
    upcoming = programme.next_session(ctx.state, ctx.content, ctx.state.today)
    if upcoming is None:
        return None
    return say(
        "today.next_session",
        day=day_name(ctx, upcoming.date),
        time=upcoming.time.strftime("%H:%M"),
        modality=modality_name(ctx, upcoming.modality),
        minutes=upcoming.minutes,
    )


def week_line(ctx: DialogContext) -> Line:
    """Minutes moved this calendar week against the week's planned minutes."""
    state, content = ctx.state, ctx.content
    first = programme.week_start(state.today)
    done = programme.minutes_between(state.sessions, first, first + dt.timedelta(days=6))
    target = sum(s.minutes for s in programme.planned_sessions(state, content, state.today))
    if target and done >= target:
        return say("today.week_met", minutes=done, target=target)
    return say("today.week_progress", minutes=done, target=target)


def decision_line(
    ctx: DialogContext, before: Step, decision: ProgressionDecision | None
) -> Line | None:
    """One sentence when the phase moved (or repeats), with the numbers behind it."""
    if decision is None or not programme.phase_changed(before, decision):
        return None
    return say(decision.reason_key, **decision.params, phase=decision.phase_id or "")


def not_ready(ctx: DialogContext) -> None:
    ctx.show(say("today.not_ready"))


class SessionDialog(BaseFlow):
    name = FLOW

    # --- entry points -------------------------------------------------------------------

    def offer(self, ctx: DialogContext) -> None:
        state, content = ctx.state, ctx.content
        if not programme.has_programme(state):
            not_ready(ctx)
            return
        before = programme.current_step(state, content)
        decision = programme.apply_progression(state, content)
        changed = decision_line(ctx, before, decision)
        if decision is not None and decision.open_barrier_conversation:
            # Three planned sessions in a row not done: one step back, then the barrier talk.
            ctx.show(*([changed] if changed is not None else []))
            self._leave_running(ctx)
            barrier.start(ctx)
            return
        if changed is not None:
            ctx.show(changed)  # the step moved since the last contact: say why, once
        planned = programme.planned_session(state, content, state.today)
        if planned is None:
            lines = [say("today.rest_day")]
            upcoming = next_session_line(ctx)
            if upcoming is not None:
                lines.append(upcoming)
            lines.append(say("today.rest_day_log"))
            ctx.show(*lines, rows=[[menu("cmd:log", "today.button.log")]])
            return
        already = programme.best_of_day([r for r in state.sessions if r.planned], state.today)
        if already is not None and already.status in (SessionStatus.DONE, SessionStatus.PARTIAL):
            lines = [say("today.already_done", minutes=already.minutes or 0), week_line(ctx)]
            upcoming = next_session_line(ctx)
            if upcoming is not None:
                lines.append(upcoming)
            ctx.show(*lines, rows=[[menu("cmd:log", "today.button.log")]])
            return
        self._leave_running(ctx)
        flows.enter(
            ctx,
            FLOW,
            S.OFFERED.value,
            {
                "planned": True,
                "day": state.today.isoformat(),
                "modality": planned.modality,
                "planned_minutes": planned.minutes,
                "status": None,
                "answers": {},
            },
        )
        self.ask(ctx)

    def log(self, ctx: DialogContext) -> None:
        if not programme.has_programme(ctx.state):
            not_ready(ctx)
            return
        self._leave_running(ctx)
        flows.enter(
            ctx,
            FLOW,
            S.ASK_ACTIVITY.value,
            {
                "planned": False,
                "day": ctx.state.today.isoformat(),
                "status": None,
                "answers": {},
            },
        )
        self.ask(ctx)

    def _leave_running(self, ctx: DialogContext) -> None:
        """Starting again over a running session keeps what it already has (see abandon)."""
        if ctx.state.conversation.flow == FLOW:
            self.abandon(ctx)

    # --- the conversation ---------------------------------------------------------------

    def _model(self, ctx: DialogContext) -> SessionModel:
        data = ctx.conversation_data
        return SessionModel(
            state=SessionState(ctx.state.conversation.state),
            planned=bool(data.get("planned")),
            status=data.get("status"),
            answers=dict(data.get("answers", {})),
        )

    def _save(self, ctx: DialogContext, model: SessionModel) -> None:
        ctx.state.conversation.state = model.state.value
        ctx.conversation_data.update({"status": model.status, "answers": dict(model.answers)})

    def ask(self, ctx: DialogContext, *, fresh: bool = True) -> None:
        if fresh:
            ctx.new_question()
        state = SessionState(ctx.state.conversation.state)
        data = ctx.conversation_data
        if state is S.OFFERED:
            self._card(ctx)
        elif state is S.ASK_ACTIVITY:
            ctx.show(say("log.ask_activity"), rows=rows_of(self._activity_buttons(ctx), 2))
        elif state is S.ASK_MINUTES:
            key = (
                "today.ask_minutes_partial"
                if data.get("status") == "partial"
                else "today.ask_minutes"
            )
            buttons = [
                ctx.button(f"min{m}", "today.button.minutes", minutes=m) for m in MINUTE_CHOICES
            ]
            ctx.show(say(key), say("today.minutes_hint"), rows=[buttons])
        elif state is S.ASK_EXERTION:
            ctx.show(
                say("today.ask_effort"),
                rows=[
                    [ctx.button(f"eff_{button.id}", button.label_key)]
                    for button in ctx.content.protocol.effort_buttons
                ],
            )
        elif state in (S.ASK_MOOD_BEFORE, S.ASK_MOOD_AFTER):
            key = "today.ask_mood_before" if state is S.ASK_MOOD_BEFORE else "today.ask_mood_after"
            ctx.show(say(key), say("today.mood_scale"), rows=self._mood_buttons(ctx))

    def _card(self, ctx: DialogContext) -> None:
        state, content = ctx.state, ctx.content
        day = dt.date.fromisoformat(str(ctx.conversation_data["day"]))
        planned = programme.planned_session(state, content, day)
        if planned is None:  # the plan changed since the offer: fall back to what was offered
            planned = PlannedSession(
                date=day,
                time=programme.session_time(state, content),
                modality=str(ctx.conversation_data["modality"]),
                minutes=int(ctx.conversation_data["planned_minutes"]),
                activities=(),
            )
        prescription = programme.prescription_on(state, content, day)
        lines = [
            say(
                "today.heading",
                modality=modality_name(ctx, planned.modality),
                minutes=planned.minutes,
            )
        ]
        if prescription.start_low:
            lines.append(say("today.start_low"))
        if prescription.hold_key is not None:
            lines.append(say(prescription.hold_key))
        if prescription.effort_lowered:
            lines.append(say("prescription.effort_lowered"))
        examples = programme.example_names(
            ctx.content, ctx.language, planned.modality, planned.activities
        )
        if examples:
            lines.append(say("today.examples", activities=examples))
        lines += card_body(ctx, prescription, planned)
        ctx.show(
            *lines,
            rows=[
                [ctx.button("done", "today.button.done")],
                [ctx.button("partial", "today.button.partial")],
                [ctx.button("cant", "today.button.cant")],
            ],
        )

    def _activity_buttons(self, ctx: DialogContext) -> list[Any]:
        preferred = ctx.state.profile.preferred_modalities
        modalities = sorted(ctx.content.modalities.modalities, key=lambda m: m.id not in preferred)
        return [ctx.button(f"mod_{m.id}", m.name_key) for m in modalities]

    def _mood_buttons(self, ctx: DialogContext) -> list[list[Any]]:
        low, high = MOOD_RANGE
        buttons = [ctx.button(f"mood{n}", literal=str(n)) for n in range(low, high + 1)]
        return rows_of(buttons, MOOD_ROW)

    def on_press(self, ctx: DialogContext, value: str) -> None:
        model = self._model(ctx)
        try:
            self._fire_press(ctx, model, value)
        except InvalidTransition:
            ctx.show(say("common.button_unknown"))
            self.ask(ctx, fresh=False)
            return
        self._after(ctx, model)

    def _fire_press(self, ctx: DialogContext, model: SessionModel, value: str) -> None:
        known = {m.id for m in ctx.content.modalities.modalities}
        if value in ("done", "partial", "cant"):
            SESSION.fire(model, value)
        elif value.startswith("mod_") and value[4:] in known:
            SESSION.fire(model, "give_activity", value=value[4:])
        elif value.startswith("min") and whole_number(value[3:]) in MINUTE_CHOICES:
            SESSION.fire(model, "give_minutes", value=int(value[3:]))
        elif value.startswith("eff_") and value[4:] in effort_rpe(ctx.content):
            SESSION.fire(model, "give_exertion", value=effort_rpe(ctx.content)[value[4:]])
        elif value.startswith("mood") and (score := whole_number(value[4:])) is not None:
            self._fire_mood(model, score)
        else:
            raise InvalidTransition(value)

    def _fire_mood(self, model: SessionModel, score: int) -> None:
        low, high = MOOD_RANGE
        if not low <= score <= high:
            raise InvalidTransition(str(score))
        trigger = "give_mood_before" if model.state is S.ASK_MOOD_BEFORE else "give_mood_after"
        SESSION.fire(model, trigger, value=score)

    def on_text(self, ctx: DialogContext, text: str) -> None:
        state = SessionState(ctx.state.conversation.state)
        if state is S.ASK_MINUTES:
            self._typed_number(ctx, text, MINUTES_RANGE, "give_minutes", "today.minutes_range")
        elif state in (S.ASK_MOOD_BEFORE, S.ASK_MOOD_AFTER):
            trigger = "give_mood_before" if state is S.ASK_MOOD_BEFORE else "give_mood_after"
            self._typed_number(ctx, text, MOOD_RANGE, trigger, "today.mood_range")
        else:
            super().on_text(ctx, text)

    def _typed_number(
        self, ctx: DialogContext, text: str, bounds: tuple[int, int], trigger: str, range_key: str
    ) -> None:
        low, high = bounds
        number = whole_number(text)
        if number is None or not low <= number <= high:
            ctx.show(say(range_key, low=low, high=high))
            self.ask(ctx, fresh=False)
            return
        model = self._model(ctx)
        SESSION.fire(model, trigger, value=number)
        self._after(ctx, model)

    def _after(self, ctx: DialogContext, model: SessionModel) -> None:
        self._save(ctx, model)
        if model.state is S.LOGGED:
            self._logged(ctx, model)
        elif model.state is S.SKIPPED:
            self._skipped(ctx)
        else:
            self.ask(ctx)

    # --- endings --------------------------------------------------------------------------

    def _record(self, ctx: DialogContext, model: SessionModel, status: SessionStatus) -> None:
        """Store the session; a planned day's earlier record (a skip, a miss) is updated."""
        data = ctx.conversation_data
        day = dt.date.fromisoformat(str(data["day"]))
        answers = model.answers
        modality = answers.get("modality") or data.get("modality")
        earlier = None
        if model.planned:
            earlier = next(
                (
                    r
                    for r in ctx.state.sessions
                    if r.day == day
                    and r.planned
                    and r.status in (SessionStatus.SKIPPED, SessionStatus.MISSED)
                ),
                None,
            )
        record = earlier or SessionRecord(day=day, status=status, planned=model.planned)
        record.status = status
        record.modality = str(modality) if modality else None
        record.minutes = answers.get("minutes")
        record.exertion = answers.get("exertion")
        record.mood_before = answers.get("mood_before")
        record.mood_after = answers.get("mood_after")
        record.logged_at = ctx.state.now
        if earlier is None:
            ctx.state.sessions.append(record)
        ctx.outcome.store(record)

    def _logged(self, ctx: DialogContext, model: SessionModel) -> None:
        status = SessionStatus(model.status or SessionStatus.DONE.value)
        self._record(ctx, model, status)
        before = programme.current_step(ctx.state, ctx.content)
        decision = programme.apply_progression(ctx.state, ctx.content)
        flows.finish(ctx)
        minutes = int(model.answers["minutes"])
        if not model.planned:
            modality = str(model.answers["modality"])
            first = say("log.logged", minutes=minutes, modality=modality_name(ctx, modality))
        elif status is SessionStatus.PARTIAL:
            first = say("today.logged_partial", minutes=minutes)
        else:
            first = say("today.logged_done", minutes=minutes)
        lines = [first, week_line(ctx)]
        changed = decision_line(ctx, before, decision)
        if changed is not None:
            lines.append(changed)
        ctx.show(*lines)

    def _skipped(self, ctx: DialogContext) -> None:
        model = self._model(ctx)
        self._record(ctx, model, SessionStatus.SKIPPED)
        before = programme.current_step(ctx.state, ctx.content)
        decision = programme.apply_progression(ctx.state, ctx.content)
        flows.finish(ctx)
        lines = [say("today.skipped")]
        changed = decision_line(ctx, before, decision)
        if changed is not None:
            lines.append(changed)
        ctx.show(*lines)
        barrier.start(ctx)

    def abandon(self, ctx: DialogContext) -> None:
        """Leaving mid-way keeps what the patient told: minutes are enough for a record."""
        model = self._model(ctx)
        if "minutes" not in model.answers:
            return
        status = SessionStatus(model.status or SessionStatus.DONE.value)
        self._record(ctx, model, status)
        ctx.audit("session.abandoned", answered=sorted(model.answers))


SESSION_DIALOG = SessionDialog()
flows.register(SESSION_DIALOG)


def today(ctx: DialogContext, args: str = "") -> None:
    """/today: today's prescribed session, or the rest day and the next session."""
    SESSION_DIALOG.offer(ctx)


def log(ctx: DialogContext, args: str = "") -> None:
    """/log: a session outside the plan."""
    SESSION_DIALOG.log(ctx)
