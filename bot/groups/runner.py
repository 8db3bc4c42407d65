"""The group runner: weekly kick-offs, batched celebrations and the goal, on a JobQueue tick.

The database holds the schedule (LIBRARY_NOTES: PTB's in-memory jobs do not survive a
restart): each group row knows its time zone, the week of its last kick-off and goal
celebration, and when it was last cheered; `group_activity` holds logged sessions not yet
celebrated. A repeating job under a fixed id (`replace_existing=True`) works through them
every minute, and a one-off job under another fixed id runs as soon as a member logs a
session (the pipeline calls `wake` after its commit), so a celebration due now is not held
for the next tick. Both run `tick`, which is serialised and re-reads everything from storage
with the injected clock (the sandbox moves it; `tick` can be called after that).

Claims are committed before any message is sent: a crash mid-way can lose a celebration,
never repeat one. The groups are read under a row lock (PostgreSQL; SQLite's transactions
take the write lock at BEGIN), so a second Stride process waits and finds them claimed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, ExtBot, JobQueue

from bot.groups.posting import post
from bot.jobs import RepeatingJob
from bot.services import Services
from bot.storage.repository import Transaction
from bot.workers import Health
from dialogs import group as dialog
from dialogs.group import Group
from dialogs.screens import Screen

log = logging.getLogger(__name__)

TICK_JOB_ID = "stride-groups-tick"
WAKE_JOB_ID = "stride-groups-wake"
TICK_SECONDS = 60.0


@dataclass(frozen=True)
class GroupPost:
    chat_id: int
    language: str
    screens: tuple[Screen, ...]


class GroupRunner:
    def __init__(
        self, bot: ExtBot[Any], services: Services, job_queue: JobQueue[Any] | None = None
    ) -> None:
        self.bot = bot
        self.services = services
        self.job_queue = job_queue
        self._lock = asyncio.Lock()

    async def tick(self) -> list[GroupPost]:
        """Post what is due in every group; returns what was posted (for tests)."""
        async with self._lock:
            now = self.services.clock.now()
            async with self.services.store.transaction() as tx:
                due = await self.plan(tx, now)
            for item in due:
                try:
                    await post(self.bot, self.services, item.chat_id, item.screens, item.language)
                except TelegramError as error:
                    log.warning("group %s: could not post: %s", item.chat_id, error)
            return due

    async def plan(self, tx: Transaction, now: dt.datetime) -> list[GroupPost]:
        """Decide and claim everything due now, in the caller's transaction."""
        # Groups first, locked: two processes never plan (and post) the same thing twice.
        active = await tx.active_groups(for_update=True)
        waiting = set(await tx.groups_with_activity())
        due: list[GroupPost] = []
        for stale in waiting - {g.id for g in active}:
            await tx.take_activity(stale)  # the group went quiet: nothing to celebrate there
        for group in active:
            kickoff = dialog.kickoff_due(group, now)
            if kickoff or group.id in waiting:
                screens = await self._group_plan(tx, group, now, kickoff, group.id in waiting)
                if screens:
                    due.append(GroupPost(group.chat_id, group.language, tuple(screens)))
        return due

    async def _group_plan(
        self, tx: Transaction, group: Group, now: dt.datetime, kickoff: bool, busy: bool
    ) -> list[Screen]:
        content = self.services.content
        first, last = dialog.week_of(group, now)
        members = await tx.group_members(group.id, first, last)
        goal = dialog.goal_of(group, members, content.protocol)
        screens: list[Screen] = []
        if kickoff:
            group.kickoff_week = first
            if goal is not None:
                screens.append(dialog.kickoff(goal))
        if busy and dialog.celebration_due(group, now):
            moved = await tx.take_activity(group.id)
            by_id = {m.patient_id: m for m in members}
            cheer = dialog.celebration(
                [by_id[p] for p in moved if p in by_id], content.texts, group.language
            )
            if cheer is not None:
                screens.append(cheer)
                group.last_celebration_at = now
        total = sum(m.minutes for m in members)
        if busy and dialog.goal_newly_reached(group, total, goal, now):
            assert goal is not None
            group.goal_week = first
            screens.append(dialog.goal_reached(goal))
        await tx.save_group(group)
        return screens

    def wake(self) -> None:
        """Run a tick now (coalesced: wakes before it runs make one run)."""
        if self.job_queue is None:
            return
        self.job_queue.run_once(
            self._job,
            when=0,
            name=WAKE_JOB_ID,
            job_kwargs={"id": WAKE_JOB_ID, "replace_existing": True},
        )

    async def _job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.tick()


class GroupsWorker:
    """The runner as a `Worker` (bot.workers): the minute tick and the pipeline's wake-up.

    Runs in every replica: `plan` reads the groups under a row lock and claims what it posts
    in the same transaction, so a second replica waits and finds it claimed; the wake-up
    stays in the replica that handled the session, so a celebration is not held for a tick.
    """

    name = "groups"

    def __init__(self, application: Application, services: Services) -> None:
        self.services = services
        self.runner = GroupRunner(application.bot, services, application.job_queue)
        self._job = RepeatingJob(
            "the group runner",
            application.job_queue,
            self.runner._job,
            TICK_SECONDS,
            1.0,
            TICK_JOB_ID,
        )

    async def start(self) -> None:
        await self._job.start()
        if self._job.scheduled:
            self.services.pipeline.on_group_activity = self.runner.wake

    async def stop(self) -> None:
        if self.services.pipeline.on_group_activity == self.runner.wake:
            self.services.pipeline.on_group_activity = None
        await self._job.stop()
        async with self.runner._lock:  # a tick in progress finishes its posts
            pass

    def health(self) -> Health:
        return self._job.health()
