"""/mood: a 0–10 rating, and after a low one, the smallest next step (behavioural activation).

A low rating (`protocol.yaml` mood.low_mood, read through `content.clinical.mood_rules`)
offers one tiny step now — a short walk or one small action —
with "Let's do it" (the tiny plan of the barrier conversation: what, then when) or "Not now"
(kindly accepted).

At most one offer a day, decided from the ratings themselves: only the day's *first* low
rating gets the offer. No extra "offered on" field is needed anywhere, a restart cannot lose
it, and a patient who rates low three times gets one offer, not three. The ratings of the day
are read from `PatientState.moods` (today's `MoodRecord`s); this dialog appends every new
rating to it so later ratings in the same update see it too.

Check mode (`check=True`): the opt-in daily mood check's buttons open this conversation
(`dialogs.mood_check`). The rating is stored the same way; a low one gets the just-in-time
offer of a short activity ("Start 10 minutes" / "Not now") instead of the tiny plan, and
its time is kept on the profile for the one follow-up nudge.
"""

from __future__ import annotations

from collections.abc import MutableSequence
from typing import Any

from content.clinical.mood_rules import is_low_mood, offer_minutes
from content.schemas.protocol import Protocol
from dialogs import mood_check
from dialogs.base import FlowDialog, Option, Question
from dialogs.context import DialogContext
from dialogs.flow import Flow
from dialogs.records import MoodRecord
from dialogs.screens import Line, say
from dialogs.state import PatientState
from dialogs.today import MOOD_RANGE, MOOD_ROW, whole_number
from state_machines.mood import MOOD, MoodModel, MoodState

# What an accepted offer is stored as: a tiny plan for low mood, answered by activation.
PLAN_BARRIER = "low_mood"
PLAN_SCRIPT = "behavioural_activation"


def moods_today(state: PatientState) -> MutableSequence[MoodRecord]:
    """Today's ratings (storage loads the patient's local day into `PatientState.moods`)."""
    return state.moods


def offer_due(state: PatientState, protocol: Protocol, score: int) -> bool:
    """A low rating, and the first low one of the patient's day."""
    if not is_low_mood(protocol, score):
        return False
    earlier = moods_today(state) or []
    today = state.today
    return not any(
        is_low_mood(protocol, m.score) and m.at.astimezone(state.local_now.tzinfo).date() == today
        for m in earlier
    )


class MoodDialog(FlowDialog[MoodModel]):
    flow = Flow.MOOD
    table = MOOD
    model_type = MoodModel
    resumable = False
    hands_over = frozenset({Flow.BARRIER})

    def begin(self, ctx: DialogContext, **kwargs: Any) -> MoodModel:
        """`offer`: straight to the low-mood offer (a low mood after a session); `check`: the
        daily mood check (its offer is the just-in-time activity)."""
        state = MoodState.OFFER if kwargs.get("offer") else MoodState.ASK
        return MoodModel(state, check=bool(kwargs.get("check")))

    def opened(self, ctx: DialogContext, model: MoodModel, **kwargs: Any) -> None:
        """`/mood 6` rates at once; plain `/mood` asks."""
        low, high = MOOD_RANGE
        typed = whole_number(str(kwargs.get("args", "")))
        if typed is not None and low <= typed <= high:
            self.apply(ctx, model, _rating(ctx, typed))
            return
        self.ask(ctx)

    def question(self, ctx: DialogContext, model: MoodModel) -> Question:
        if model.state is MoodState.OFFER and model.check:
            minutes = offer_minutes(ctx.content.protocol)
            return Question(
                [say("mood_check.offer", minutes=minutes)],
                [
                    Option(
                        "start",
                        "accept",
                        key="mood_check.button.start",
                        params={"minutes": minutes},
                    ),
                    Option("not_now", "decline", key="mood_check.button.not_now"),
                ],
            )
        if model.state is MoodState.OFFER:
            minutes = ctx.content.barriers.short_session_minutes
            return Question(
                [say("mood.offer", minutes=minutes)],
                [
                    Option("do", "accept", key="mood.button.do"),
                    Option("not_now", "decline", key="mood.button.not_now"),
                ],
            )
        low, high = MOOD_RANGE
        return Question(
            [say("mood.ask"), say("today.mood_scale")],
            [_rating(ctx, n, value=f"mood{n}") for n in range(low, high + 1)],
            columns=MOOD_ROW,
            text=lambda text: _typed(ctx, text),
        )

    def after(self, ctx: DialogContext, model: MoodModel, option: Option) -> None:
        if model.state is MoodState.OFFER:
            if not model.check:  # the check's offer thanks in its own words
                ctx.show(say("mood.low_thanks"))
            self.ask(ctx)
        elif model.state is MoodState.RATED:
            low = model.score is not None and is_low_mood(ctx.content.protocol, model.score)
            ctx.show(say("mood.thanks_low" if low else "mood.thanks"))
            ctx.finish()
        elif model.state is MoodState.ACCEPTED and model.check:
            mood_check.start_activity(ctx)
            ctx.finish()
        elif model.state is MoodState.ACCEPTED:
            ctx.audit("mood.offer_accepted")
            ctx.finish(then=Flow.BARRIER, barrier=PLAN_BARRIER, script=PLAN_SCRIPT)
        elif model.check:
            mood_check.not_now(ctx)
            ctx.finish()
        else:
            ctx.show(say("mood.not_now"))
            ctx.finish()


def _rating(ctx: DialogContext, score: int, value: str = "typed") -> Option:
    """A rating (button or typed): stored at once; the machine decides on the offer."""
    return Option(
        value,
        "rate",
        literal=str(score),
        args={"value": score, "offer": offer_due(ctx.state, ctx.content.protocol, score)},
        effect=_store(score),
    )


def _store(score: int) -> Any:
    def store(ctx: DialogContext, model: MoodModel) -> None:
        record = MoodRecord(at=ctx.state.now, score=score)
        ctx.outcome.store(record)
        moods_today(ctx.state).append(record)
        if model.check and model.state is MoodState.OFFER:
            ctx.state.profile.mood_offer_at = ctx.state.now  # its follow-up counts from now

    return store


def _typed(ctx: DialogContext, text: str) -> Option | Line:
    low, high = MOOD_RANGE
    score = whole_number(text)
    if score is None or not low <= score <= high:
        return say("today.mood_range", low=low, high=high)
    return _rating(ctx, score)


def mood(ctx: DialogContext, args: str = "") -> None:
    """/mood (or /mood 6): rate your mood from 0 to 10."""
    ctx.start(Flow.MOOD, args=args)
