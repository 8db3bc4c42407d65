"""From an understood message to what Stride does: the routes table, resolved.

The table (`data/understanding/routes.yaml`) is content a clinician reads; this module turns
one `Understanding` into a plain `Decision` the conversation engine acts on: which barrier
script to open, which session answer to give, which reply and choices to show, and the slots.
It decides nothing about risk: risk is screened before and always wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from content.clinical.understanding.engine import Slots, Understanding
from content.schemas.barriers import BarrierCatalogue
from content.schemas.understanding import (
    BarrierScriptRoute,
    Choice,
    FallbackRoute,
    HelpRoute,
    OfferLogRoute,
    ReplyRoute,
    RouteTable,
    SessionAnswerRoute,
)

SOME_ACTIVITY_KEY = "understanding.log_offer.some_activity"


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one understood message.

    `action` is the route's action (`barrier_script`, `offer_log`, `session_answer`, `reply`,
    `show_help`, `fallback`). `text_key` with `params` is the reply to show (none for
    `barrier_script`, `session_answer` and `show_help`, whose flows have their own texts);
    `activity_key` is a text key for the `{activity}` parameter of a log offer, to be looked
    up in the patient's language. `choices` are at most three buttons.
    """

    intent: str
    action: str
    why: str
    slots: Slots = field(default_factory=dict)
    barrier: str | None = None
    script: str | None = None
    answer: str | None = None
    text_key: str | None = None
    params: Mapping[str, int] = field(default_factory=dict)
    activity_key: str | None = None
    choices: tuple[Choice, ...] = ()


def _activity_key(slots: Slots) -> str:
    """The text key naming the reported activity: the activity, else its modality."""
    if "activity" in slots:
        return f"activity.{slots['activity']}"
    if "modality" in slots:
        return f"modality.{slots['modality']}.name"
    return SOME_ACTIVITY_KEY


def resolve(
    routes: RouteTable,
    barriers: BarrierCatalogue,
    understanding: Understanding,
    *,
    session_open: bool = False,
) -> Decision:
    """The decision for `understanding`; `session_open` when today's session awaits an answer."""
    route = routes.routes[understanding.intent]  # type: ignore[index]
    common = {
        "intent": understanding.intent,
        "why": understanding.why,
        "slots": dict(understanding.slots),
    }
    if isinstance(route, SessionAnswerRoute):
        if session_open:
            return Decision(action=route.action, answer=route.answer, **common)  # type: ignore[arg-type]
        route = route.outside_session
    choices = tuple(routes.choice(c) for c in getattr(route, "choices", ()))
    if isinstance(route, BarrierScriptRoute):
        script = barriers.barrier(route.barrier).script
        return Decision(action=route.action, barrier=route.barrier, script=script, **common)  # type: ignore[arg-type]
    if isinstance(route, OfferLogRoute):
        minutes = understanding.slots.get("minutes")
        if isinstance(minutes, int):
            key, params = route.text_key, {"minutes": minutes}
        else:
            key, params = route.without_minutes_key, {}
        return Decision(
            action=route.action,
            text_key=key,
            params=params,
            activity_key=_activity_key(understanding.slots),
            choices=choices,
            **common,  # type: ignore[arg-type]
        )
    if isinstance(route, ReplyRoute | FallbackRoute):
        return Decision(action=route.action, text_key=route.text_key, choices=choices, **common)  # type: ignore[arg-type]
    assert isinstance(route, HelpRoute)
    return Decision(action=route.action, **common)  # type: ignore[arg-type]


__all__ = ["SOME_ACTIVITY_KEY", "Decision", "resolve"]
