"""`stride bench scale`: many patients in PostgreSQL, the nudge tick, memory and a day's sends.

Not a test: it measures and prints (markdown, for docs/benchmarks.md).

1. Seeds N patients (patients, profiles, conversations, a PHQ-9 baseline each) in a fresh
   database on the given PostgreSQL server, with `stride bench nudges`' population: a tenth
   in New York training Monday 09:00, the rest over eight time zones with their own days and
   times (bot/bench.py).
2. Plans a sample spread over the whole id range as the runner does at local midnight (the
   full population at the measured rate is extrapolated, not run: planning is per patient,
   linear, and runs once a day per patient at their midnight).
3. Times the minute tick on the full tables (the planning check and the first due batch at
   the New York fan-out) and measures the scheduler's memory and the process RSS.
4. From the sample's slots, scaled to N: messages per day, the busiest minute, and how long
   the day's sends and the busiest fan-out take at Stride's 29 messages/s (Telegram: ~30/s
   per token).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import tempfile
import time
from collections import Counter
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select

from bot import bench
from bot.bench_load import fresh_database
from bot.config import Settings
from bot.emulator.core import DEFAULT_TOKEN
from bot.nudges import planning
from bot.rate_limit import OVERALL_RATE
from bot.services import Services
from bot.storage import Store
from bot.storage.migrate import upgrade_to_head
from bot.storage.nudge_models import NudgeSlotRow

SECONDS_PER_DAY = 86_400


@dataclasses.dataclass
class ScaleFigures:
    patients: int
    sample: int = 0
    insert_s: float = 0.0
    plan_s: float = 0.0
    sample_slots: int = 0
    day_slots: dict[dt.date, int] = dataclasses.field(default_factory=dict)
    peak_minute: tuple[dt.datetime, int] | None = None
    due_check_ms: float = 0.0
    due_batch_ms: float = 0.0
    scheduler_kib: float = 0.0
    rss_mib: float = 0.0
    peak_rss_mib: float = 0.0
    database_mib: float = 0.0

    @property
    def scale(self) -> float:
        return self.patients / max(self.sample, 1)

    @property
    def plan_rate(self) -> float:
        return self.sample / max(self.plan_s, 1e-9)


def _sample_ids(patients: int, sample: int) -> list[int]:
    step = max(1, patients // sample)
    return list(range(1, patients + 1, step))[:sample]


async def _plan_sample(services: Services, figures: ScaleFigures, sample: int) -> None:
    ids = _sample_ids(figures.patients, sample)
    figures.sample = len(ids)
    start = time.perf_counter()
    for first in range(0, len(ids), planning.BATCH):
        batch = ids[first : first + planning.BATCH]
        await planning.plan_patients(services.store, services.content, batch, bench.PLAN_AT)
    figures.plan_s = time.perf_counter() - start


async def _day_plan(store: Store, figures: ScaleFigures) -> None:
    """Planned slots of the sample per UTC day and per minute, before scaling."""
    async with store.transaction() as tx:
        session = tx._session  # a read-only aggregate for the benchmark, below the repository
        figures.sample_slots = int(
            await session.scalar(select(func.count()).select_from(NudgeSlotRow)) or 0
        )
        due_times = list(await session.scalars(select(NudgeSlotRow.due_at)))
    per_day: Counter[dt.date] = Counter(at.astimezone(dt.UTC).date() for at in due_times)
    per_minute: Counter[dt.datetime] = Counter(
        at.astimezone(dt.UTC).replace(second=0, microsecond=0) for at in due_times
    )
    figures.day_slots = dict(sorted(per_day.items()))
    if per_minute:
        figures.peak_minute = per_minute.most_common(1)[0]


async def _database_size(store: Store) -> float:
    async with store.transaction() as tx:
        size = await tx._session.scalar(select(func.pg_database_size(func.current_database())))
    return int(size or 0) / 2**20


async def run(settings: Settings, patients: int, server_url: str, sample: int) -> ScaleFigures:
    figures = ScaleFigures(patients=patients)
    with tempfile.TemporaryDirectory(prefix="stride-scale-") as scratch:
        async with fresh_database(server_url, Path(scratch)) as url:
            await upgrade_to_head(url)
            store = Store.from_url(url)
            bench_settings = settings.model_copy(
                update={
                    "database_url": url,
                    "telegram_bot_token": SecretStr(DEFAULT_TOKEN),
                    "primary_supervisors": (),
                    "backup_supervisors": (),
                }
            )
            services = Services.build(bench_settings, bench.BenchClock(bench.PLAN_AT), store)
            try:
                start = time.perf_counter()
                await bench.insert_population(store, patients, max(1, patients // 10))
                figures.insert_s = time.perf_counter() - start
                await _plan_sample(services, figures, sample)
                await _day_plan(store, figures)
                tick = bench.Figures(patients=patients, fanout=patients // 10)
                await bench.measure_tick(services, tick)
                figures.due_check_ms, figures.due_batch_ms = tick.due_check_ms, tick.due_batch_ms
                await bench.measure_scheduler(services, tick)
                figures.scheduler_kib = tick.scheduler_kib
                figures.rss_mib, figures.peak_rss_mib = bench.rss_mib()
                figures.database_mib = await _database_size(store)
            finally:
                await store.close()
    return figures


def _duration(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min {rest % 60:02d} s"


def report(figures: ScaleFigures) -> str:
    f = figures
    lines = [
        f"| patients seeded in PostgreSQL | {f.patients:,} |",
        "|---|---|",
        f"| bulk insert (patients, profiles, conversations, baselines) | {f.insert_s:.0f} s "
        f"({4 * f.patients / max(f.insert_s, 1e-9):,.0f} rows/s) |",
        f"| database size | {f.database_mib:,.0f} MiB |",
        f"| planning a sample of {f.sample:,} (spread over all ids) | {f.plan_s:.1f} s = "
        f"{f.plan_rate:,.0f} patients/s → all {f.patients:,}: "
        f"{_duration(f.patients / max(f.plan_rate, 1e-9))} of planning per day, "
        f"spread over the time zones' midnights |",
        f"| minute tick: planning check (horizons, never planned) | {f.due_check_ms:.2f} ms |",
        f"| minute tick: first due batch at the fan-out | {f.due_batch_ms:.2f} ms |",
        f"| scheduler memory (JobQueue + nudge job + runner) | {f.scheduler_kib:,.0f} KiB |",
        f"| process RSS / peak | {f.rss_mib:,.0f} MiB / {f.peak_rss_mib:,.0f} MiB |",
    ]
    budget = OVERALL_RATE * SECONDS_PER_DAY
    for day, count in f.day_slots.items():
        scaled = count * f.scale
        lines.append(
            f"| nudges due {day:%a %d %b} (UTC), scaled to {f.patients:,} | {scaled:,.0f} "
            f"= {_duration(scaled / OVERALL_RATE)} of sending at {OVERALL_RATE:.0f}/s "
            f"({100 * scaled / budget:.0f} % of a day's {budget:,.0f}) |"
        )
    if f.peak_minute is not None:
        at, count = f.peak_minute
        scaled = count * f.scale
        lines.append(
            f"| busiest minute ({at:%a %H:%M} UTC), scaled | {scaled:,.0f} nudges → the last "
            f"goes out {_duration(scaled / OVERALL_RATE)} after the first |"
        )
    return "\n".join(lines)


def scale(settings: Settings, patients: int, database: str, sample: int = 20_000) -> int:
    """The `stride bench scale` entry point."""
    figures = asyncio.run(run(settings, patients, database, min(sample, patients)))
    print(report(figures))  # noqa: T201 - a command-line tool's output
    return 0
