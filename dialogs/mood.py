"""/mood: a 0–10 rating, and after a low one, the smallest next step (behavioural activation).

A rating of `LOW_MOOD` or less offers one tiny step now — a short walk or one small action —
with "Let's do it" (the tiny plan of the barrier conversation: what, then when) or "Not now"
(kindly accepted).

At most one offer a day, decided from the ratings themselves: only the day's *first* low
rating gets the offer. No extra "offered on" field is needed anywhere, a restart cannot lose
it, and a patient who rates low three times gets one offer, not three. The ratings of the day
are read from `PatientState.moods` (today's `MoodRecord`s); this dialog appends every new
rating to it so later ratings in the same update see it too.
"""

from __future__ import annotations

from collections.abc import MutableSequence

from dialogs import barrier, flows
from dialogs.context import DialogContext, rows_of
from dialogs.flows import BaseFlow
from dialogs.records import MoodRecord
from dialogs.screens import say
from dialogs.state import PatientState
from dialogs.today import MOOD_RANGE, MOOD_ROW, whole_number

FLOW = "mood"
ASK = "ask"
OFFER = "offer"
# A rating at or below this is low enough to offer a small step (0–10 scale).
# Read from content when the mood dialog moves to the new engine (`content.clinical.
# mood_rules.is_low_mood`, protocol.yaml `mood.low_mood`); a test keeps the two equal.
LOW_MOOD = 3
# What an accepted offer is stored as: a tiny plan for low mood, answered by activation.
PLAN_BARRIER = "low_mood"
PLAN_SCRIPT = "behavioural_activation"


def moods_today(state: PatientState) -> MutableSequence[MoodRecord]:
    """Today's ratings (storage loads the patient's local day into `PatientState.moods`)."""
    return state.moods


def offer_due(state: PatientState, score: int) -> bool:
    """A low rating, and the first low one of the patient's day."""
    if score > LOW_MOOD:
        return False
    earlier = moods_today(state) or []
    today = state.today
    return not any(
        m.score <= LOW_MOOD and m.at.astimezone(state.local_now.tzinfo).date() == today
        for m in earlier
    )


class MoodDialog(BaseFlow):
    name = FLOW

    def start(self, ctx: DialogContext, args: str) -> None:
        typed = whole_number(args)
        low, high = MOOD_RANGE
        if typed is not None and low <= typed <= high:
            flows.enter(ctx, FLOW, ASK, {})
            self._rate(ctx, typed)
            return
        flows.enter(ctx, FLOW, ASK, {})
        self.ask(ctx)

    def ask(self, ctx: DialogContext, *, fresh: bool = True) -> None:
        if fresh:
            ctx.new_question()
        if ctx.state.conversation.state == OFFER:
            minutes = ctx.content.barriers.short_session_minutes
            ctx.show(
                say("mood.offer", minutes=minutes),
                rows=[
                    [ctx.button("do", "mood.button.do")],
                    [ctx.button("not_now", "mood.button.not_now")],
                ],
            )
            return
        low, high = MOOD_RANGE
        buttons = [ctx.button(f"mood{n}", literal=str(n)) for n in range(low, high + 1)]
        ctx.show(say("mood.ask"), say("today.mood_scale"), rows=rows_of(buttons, MOOD_ROW))

    def on_press(self, ctx: DialogContext, value: str) -> None:
        state = ctx.state.conversation.state
        low, high = MOOD_RANGE
        score = whole_number(value[4:]) if value.startswith("mood") else None
        if state == ASK and score is not None and low <= score <= high:
            self._rate(ctx, score)
        elif state == OFFER and value == "do":
            ctx.audit("mood.offer_accepted")
            barrier.start_plan(ctx, PLAN_BARRIER, PLAN_SCRIPT)
        elif state == OFFER and value == "not_now":
            flows.finish(ctx)
            ctx.show(say("mood.not_now"))
        else:
            ctx.show(say("common.button_unknown"))
            self.ask(ctx, fresh=False)

    def on_text(self, ctx: DialogContext, text: str) -> None:
        if ctx.state.conversation.state != ASK:
            super().on_text(ctx, text)
            return
        low, high = MOOD_RANGE
        score = whole_number(text)
        if score is not None and low <= score <= high:
            self._rate(ctx, score)
            return
        ctx.show(say("today.mood_range", low=low, high=high))
        self.ask(ctx, fresh=False)

    def _rate(self, ctx: DialogContext, score: int) -> None:
        offer = offer_due(ctx.state, score)
        record = MoodRecord(at=ctx.state.now, score=score)
        ctx.outcome.store(record)
        earlier = moods_today(ctx.state)
        if earlier is not None:
            earlier.append(record)
        if offer:
            ctx.state.conversation.state = OFFER
            ctx.show(say("mood.low_thanks"))
            self.ask(ctx)
            return
        flows.finish(ctx)
        ctx.show(say("mood.thanks_low" if score <= LOW_MOOD else "mood.thanks"))


MOOD_DIALOG = MoodDialog()
flows.register(MOOD_DIALOG)


def mood(ctx: DialogContext, args: str = "") -> None:
    """/mood (or /mood 6): rate your mood from 0 to 10."""
    MOOD_DIALOG.start(ctx, args)
