"""Logging a session: offered (today's) or reported (/log), then minutes, effort and mood."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from transitions import EventData

from state_machines.engine import FlowTable, model_of
from state_machines.model import Versioned


class SessionState(Enum):
    OFFERED = "offered"
    ASK_ACTIVITY = "ask_activity"
    ASK_MINUTES = "ask_minutes"
    ASK_EXERTION = "ask_exertion"
    ASK_MOOD_BEFORE = "ask_mood_before"
    ASK_MOOD_AFTER = "ask_mood_after"
    LOGGED = "logged"
    SKIPPED = "skipped"


@dataclass
class SessionModel(Versioned):
    """A session being logged: `day` (ISO) it counts for; for a planned one, the `modality`
    and `planned_minutes` offered (the plan may change before the answers are in)."""

    state: SessionState
    planned: bool = False
    status: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    day: str = ""
    modality: str | None = None
    planned_minutes: int | None = None


def _set_status(status: str) -> Any:
    def set_status(event: EventData) -> None:
        model_of(event, SessionModel).status = status

    set_status.__name__ = f"status_{status}"
    return set_status


def _keep(name: str) -> Any:
    def keep(event: EventData) -> None:
        model_of(event, SessionModel).answers[name] = event.kwargs["value"]

    keep.__name__ = f"keep_{name}"
    return keep


S = SessionState

TRANSITIONS: list[dict[str, Any]] = [
    {
        "trigger": "done",
        "source": S.OFFERED,
        "dest": S.ASK_MINUTES,
        "before": [_set_status("done")],
    },
    {
        "trigger": "partial",
        "source": S.OFFERED,
        "dest": S.ASK_MINUTES,
        "before": [_set_status("partial")],
    },
    # /log reports a session outside the plan: it starts by asking what was done.
    {"trigger": "log", "source": S.OFFERED, "dest": S.ASK_ACTIVITY},
    {
        "trigger": "cant",
        "source": S.OFFERED,
        "dest": S.SKIPPED,
        "before": [_set_status("skipped")],
    },
    {
        "trigger": "give_activity",
        "source": S.ASK_ACTIVITY,
        "dest": S.ASK_MINUTES,
        "before": [_keep("modality"), _set_status("done")],
    },
    {
        "trigger": "give_minutes",
        "source": S.ASK_MINUTES,
        "dest": S.ASK_EXERTION,
        "before": [_keep("minutes")],
    },
    {
        "trigger": "give_exertion",
        "source": S.ASK_EXERTION,
        "dest": S.ASK_MOOD_BEFORE,
        "before": [_keep("exertion")],
    },
    {
        "trigger": "give_mood_before",
        "source": S.ASK_MOOD_BEFORE,
        "dest": S.ASK_MOOD_AFTER,
        "before": [_keep("mood_before")],
    },
    {
        "trigger": "give_mood_after",
        "source": S.ASK_MOOD_AFTER,
        "dest": S.LOGGED,
        "before": [_keep("mood_after")],
    },
]

SESSION = FlowTable("session", SessionState, TRANSITIONS, S.OFFERED)
