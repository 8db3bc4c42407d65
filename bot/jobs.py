"""A JobQueue job under a fixed id as a `Worker` (bot.workers): start schedules, stop removes.

The group runner, the nudge tick and the daily retention prune are APScheduler jobs in
PTB's JobQueue (LIBRARY_NOTES: the database holds the schedule; the job only carries a tick).
A fixed id with `replace_existing=True` means a second `start` replaces the job rather than
duplicating it; `stop` removes it, so a replica that loses its leader lock stops ticking.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.workers import Health

log = logging.getLogger(__name__)

JobCallback = Callable[[Any], Awaitable[None]]


class RepeatingJob:
    """`callback` every `interval` seconds, first after `first` seconds, under id `job_id`."""

    def __init__(
        self,
        name: str,
        job_queue: Any,
        callback: JobCallback,
        interval: float,
        first: float,
        job_id: str,
        job_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.job_queue = job_queue
        self.callback = callback
        self.interval = interval
        self.first = first
        self.job_id = job_id
        self.job_kwargs = dict(job_kwargs or {})
        self._job: Any = None
        self.scheduled = False

    async def start(self) -> None:
        if self.job_queue is None:  # PTB installed without the job-queue extra
            log.error("no job queue (python-telegram-bot[job-queue]): %s is off", self.name)
            return
        self._job = self.job_queue.run_repeating(
            self.callback,
            interval=self.interval,
            first=self.first,
            name=self.job_id,
            job_kwargs={"id": self.job_id, "replace_existing": True, **self.job_kwargs},
        )
        self.scheduled = True

    async def stop(self) -> None:
        job, self._job = self._job, None
        self.scheduled = False
        if job is not None:
            with contextlib.suppress(LookupError):  # already gone with its scheduler
                job.schedule_removal()

    def health(self) -> Health:
        if not self.scheduled:
            return Health(False, "not scheduled")
        return Health(True, f"every {self.interval:g} s")
