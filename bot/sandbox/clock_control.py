"""The sandbox's clock buttons: move the bot's injected clock, then let time-driven work run.

Why: nudges, check-in reminders, re-escalation and weekly summaries are all decided against
`services.clock`; the sandbox moves that clock forward and wakes the escalation relay and the
nudge tick at once, so a week of Stride plays out in minutes. Time only moves forward.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application

from bot.clock import ShiftedClock
from bot.context import wake_relay
from bot.services import Services
from dialogs.timezones import tz_for

log = logging.getLogger(__name__)

MORNING = dt.time(8, 0)
STEPS: dict[str, dt.timedelta] = {
    "hour": dt.timedelta(hours=1),
    "day": dt.timedelta(days=1),
    "week": dt.timedelta(weeks=1),
}
ACTIONS = ("hour", "morning", "day", "week")
# Time is walked an hour at a time, waking the relay and the nudge tick after each hour: a
# nudge more than its grace period late (content/data/nudges.yaml, 120 minutes) is dropped,
# never sent, so one jump of a day would silently lose that day's nudges.
WALK_STEP = dt.timedelta(hours=1)

Tick = Callable[[Application, Services], Awaitable[Any]]


def next_morning(now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The next 08:00 in `tz` strictly after `now` (an aware datetime), in UTC."""
    local = now.astimezone(tz)
    candidate = dt.datetime.combine(local.date(), MORNING, tz)
    if candidate <= local:
        candidate = dt.datetime.combine(local.date() + dt.timedelta(days=1), MORNING, tz)
    return candidate.astimezone(dt.UTC)


def delta_for(action: str, now: dt.datetime, tz: dt.tzinfo) -> dt.timedelta:
    """How far a clock button moves time; ValueError for an unknown button."""
    if action == "morning":
        return next_morning(now, tz) - now
    if action in STEPS:
        return STEPS[action]
    raise ValueError(f"action must be one of {', '.join(ACTIONS)}")


def walk(delta: dt.timedelta) -> list[dt.timedelta]:
    """`delta` cut into steps of at most WALK_STEP, the last one taking the remainder."""
    steps = []
    remaining = delta
    while remaining > WALK_STEP:
        steps.append(WALK_STEP)
        remaining -= WALK_STEP
    steps.append(remaining)
    return steps


def nudge_tick() -> Tick | None:
    """`bot.nudges.runner.tick(application, services)` when the nudges are installed."""
    try:
        module = importlib.import_module("bot.nudges.runner")
    except ImportError:
        return None
    tick = getattr(module, "tick", None)
    return tick if callable(tick) else None


@dataclass
class ClockMove:
    before: dt.datetime
    after: dt.datetime
    timezone: str


class ClockControl:
    def __init__(
        self,
        clock: ShiftedClock,
        application: Application,
        services: Services,
        on_step: Callable[[dt.datetime], Awaitable[None] | None] | None = None,
    ) -> None:
        self.clock = clock
        self.application = application
        self.services = services
        self.on_step = on_step
        self._lock = asyncio.Lock()

    async def timezone_of(self, patient_id: int | None) -> str:
        """The patient's chosen timezone, or the default one until they choose."""
        if patient_id is not None:
            async with self.services.store.transaction() as tx:
                state = await tx.load_patient(patient_id, self.clock.now())
            if state is not None:
                return state.patient.timezone
        return self.services.settings.default_timezone

    async def advance(self, action: str, patient_id: int | None = None) -> ClockMove:
        async with self._lock:
            timezone = await self.timezone_of(patient_id)
            before = self.clock.now()
            delta = delta_for(action, before, tz_for(timezone))
            tick = nudge_tick()
            for step in walk(delta):
                self.clock.advance(step)
                await self._wake(tick)
                await self._announce()
            return ClockMove(before, self.clock.now(), timezone)

    async def _announce(self) -> None:
        """Tell the page the new time after every step: a week plays out like a time-lapse."""
        if self.on_step is not None:
            result = self.on_step(self.clock.now())
            if inspect.isawaitable(result):
                await result

    async def _wake(self, tick: Tick | None) -> None:
        wake_relay(self.application)
        if tick is None:
            return
        try:
            await tick(self.application, self.services)
        except Exception:  # one failed tick must not break the clock buttons
            log.exception("nudge tick failed")
