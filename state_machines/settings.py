"""/settings: a menu, one setting edited at a time, back to the menu after each change."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from state_machines.engine import FlowTable
from state_machines.model import Versioned


class SettingsState(Enum):
    MENU = "menu"
    DAYS = "days"
    TIME = "time"
    TIMEZONE = "timezone"
    # Quiet hours: the start, then the end (nudges wait for the end; safety never does).
    QUIET_START = "quiet_start"
    QUIET_END = "quiet_end"
    # The opt-in daily mood check: a time, or off.
    MOOD_CHECK = "mood_check"
    CLOSED = "closed"


@dataclass
class SettingsModel(Versioned):
    """`selected`: the days ticked so far while editing the training days."""

    state: SettingsState
    selected: list[str] = field(default_factory=list)


S = SettingsState
EDITING = [S.DAYS, S.TIME, S.TIMEZONE, S.QUIET_END, S.MOOD_CHECK]

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "edit_days", "source": S.MENU, "dest": S.DAYS},
    {"trigger": "edit_time", "source": S.MENU, "dest": S.TIME},
    {"trigger": "edit_timezone", "source": S.MENU, "dest": S.TIMEZONE},
    {"trigger": "edit_quiet", "source": S.MENU, "dest": S.QUIET_START},
    {"trigger": "next", "source": S.QUIET_START, "dest": S.QUIET_END},
    {"trigger": "edit_mood_check", "source": S.MENU, "dest": S.MOOD_CHECK},
    {"trigger": "save", "source": EDITING, "dest": S.MENU},
    # Language and group-sharing switches change at once and stay on the menu.
    {"trigger": "switch", "source": S.MENU, "dest": S.MENU},
    {"trigger": "close", "source": S.MENU, "dest": S.CLOSED},
]

SETTINGS = FlowTable("settings", SettingsState, TRANSITIONS, S.MENU)
