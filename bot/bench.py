"""`stride bench nudges`: the nudge scheduler at scale, against the local Bot API emulator.

Not a test: it measures, prints the figures (markdown, for docs/benchmarks.md) and exits 0
when the targets hold (>= 28 messages/s, no 429, no duplicate), 1 otherwise.

1. Creates N patients in a fresh SQLite file (bulk inserts): `fanout` of them in New York,
   training on Monday 2 March 2026 at 09:00; the rest spread over eight time zones (UTC+05:45
   among them) with their own days and times, none of them due during the fan-out.
2. Plans every patient's next two days as the runner does at local midnight, timing it.
3. Measures the scheduler's memory (tracemalloc: the PTB JobQueue with the nudge job and the
   runner; RSS of the process) with all slots planned, and the time one minute tick takes to
   work out what is due.
4. At 09:00 New York time, sends the morning fan-out through the real PTB bot with Stride's
   rate limiter to `EmulatorServer(limits=True)` on 127.0.0.1, and reads the emulator's
   `/control/stats` for 429 answers and messages per chat (duplicates).

`python -m bot.bench nudges --patients 100000 --fanout 10000 [--db PATH]` runs it without the
CLI (whose `stride bench nudges` passes `--patients` only; STRIDE_BENCH_FANOUT shortens it).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import os
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr
from sqlalchemy import insert

from bot.config import Settings, load_settings
from bot.emulator import EmulatorServer
from bot.emulator.core import DEFAULT_TOKEN
from bot.nudges import planning
from bot.nudges import runner as nudge_runner
from bot.rate_limit import StrideRateLimiter
from bot.services import Services
from bot.storage import Store
from bot.storage.codes import ALPHABET, PREFIX
from bot.storage.migrate import upgrade_to_head
from bot.storage.models import CheckinRow, ConversationRow, PatientRow, ProfileRow
from dialogs.nudges import SlotStatus
from dialogs.records import Profile
from dialogs.timezones import tz_for

DEFAULT_FANOUT = 10_000
TARGET_RATE = 28.0
FANOUT_ZONE = "America/New_York"
# Monday 2 March 2026, 09:00 in New York (EST): the fan-out.
FANOUT_AT = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
PLAN_AT = dt.datetime(2026, 3, 2, 5, 30, tzinfo=dt.UTC)  # 00:30 in New York
PROGRAMME_START = dt.date(2026, 2, 2)
# The other patients: zones and local times whose nudges all fall outside 12:00–14:30 UTC on
# the fan-out day, so what is sent at 09:00 New York time is the fan-out and nothing else.
WORLD_ZONES = (
    "Europe/Berlin",
    "Europe/Madrid",
    "Asia/Kathmandu",
    "UTC+05:45",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Los_Angeles",
    "America/Chicago",
)
WORLD_TIMES = ("07:00", "08:30", "12:00", "17:30", "18:30", "20:00")
WORLD_DAYS = (1, 2, 3, 4, 5, 6)  # never Monday: Monday is the fan-out's
CHUNK = 5_000


class BenchClock:
    """Starts at a chosen instant and runs at real speed from there."""

    def __init__(self, start: dt.datetime) -> None:
        self.set(start)

    def set(self, start: dt.datetime) -> None:
        self._start, self._wall = start, time.monotonic()

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._wall)


@dataclasses.dataclass
class Figures:
    patients: int
    fanout: int
    insert_s: float = 0.0
    plan_s: float = 0.0
    slots: int = 0
    scheduler_kib: float = 0.0
    rss_mib: float = 0.0
    peak_rss_mib: float = 0.0
    due_check_ms: float = 0.0
    due_batch_ms: float = 0.0
    replanned: int = 0
    replan_s: float = 0.0
    fanout_s: float = 0.0
    sent: int = 0
    rate: float = 0.0
    rejected_429: int = 0
    duplicates: int = 0
    violations: int = 0
    slots_sent: int = 0

    @property
    def ok(self) -> bool:
        return (
            self.rate >= TARGET_RATE
            and self.rejected_429 == 0
            and self.duplicates == 0
            and self.sent == self.fanout == self.slots_sent
        )


# --------------------------------------------------------------------------- population


def _code(number: int) -> str:
    digits = []
    for _ in range(6):
        number, rest = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[rest])
    return PREFIX + "".join(digits)


def _profile(patient_id: int, days: list[int], at: str) -> dict[str, Any]:
    profile = Profile(
        age=40,
        resting_hr=62,
        beta_blockers=False,
        preferred_modalities=["aerobic"],
        training_days=days,
        preferred_time=at,
        programme_start=PROGRAMME_START,
        phase_id=1,
        phase_started=PROGRAMME_START,
    )
    return {"patient_id": patient_id, **dataclasses.asdict(profile)}


def population(patients: int, fanout: int, seed: int = 5) -> Iterator[tuple[dict[str, Any], ...]]:
    """(patient, profile, conversation, baseline) rows; the first `fanout` are New Yorkers."""
    rng = random.Random(seed)
    for pid in range(1, patients + 1):
        fan = pid <= fanout
        zone = FANOUT_ZONE if fan else rng.choice(WORLD_ZONES)
        if fan:
            days, at = [0, 2, 4], "09:00"
            baseline_day = dt.date(2026, 2, 19)  # a Thursday: check-ins fall on Thursdays
        else:
            days = sorted(rng.sample(WORLD_DAYS, rng.randint(3, 5)))
            at = rng.choice(WORLD_TIMES)
            baseline_day = dt.date(2026, 2, 18) + dt.timedelta(days=rng.randint(0, 2))
        baseline = dt.datetime.combine(baseline_day, dt.time(12), tzinfo=tz_for(zone))
        telegram_id = 10_000_000 + pid
        yield (
            {
                "id": pid,
                "code": _code(pid),
                "telegram_id": telegram_id,
                "chat_id": telegram_id,
                "language": "es" if pid % 3 == 0 else "en",
                "country": "US",
                "timezone": zone,
                "journey": "active",
                "created_at": dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
            },
            _profile(pid, days, at),
            {
                "patient_id": pid,
                "flow": "idle",
                "state": "idle",
                "data": {},
                "seq": 0,
                "suspended": None,
                "updated_at": dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
            },
            {
                "patient_id": pid,
                "instrument_id": "phq9",
                "instrument_version": "bench",
                "kind": "baseline",
                "answers": {},
                "difficulty": None,
                "total": 12,
                "band": "moderate",
                "safety_positive": False,
                "started_at": baseline - dt.timedelta(minutes=4),
                "completed_at": baseline,
            },
        )


async def insert_population(store: Store, patients: int, fanout: int) -> None:
    tables = (PatientRow, ProfileRow, ConversationRow, CheckinRow)
    batch: list[tuple[dict[str, Any], ...]] = []

    async def flush() -> None:
        async with store.transaction() as tx:
            session = tx._session  # bulk load: below the repository, on purpose
            for index, model in enumerate(tables):
                await session.execute(insert(model), [rows[index] for rows in batch])
        batch.clear()

    for rows in population(patients, fanout):
        batch.append(rows)
        if len(batch) >= CHUNK:
            await flush()
    if batch:
        await flush()


# ------------------------------------------------------------------------- measurements


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident set size of this process, from /proc (Linux)."""
    values = {}
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


async def _timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    await action()
    return (time.perf_counter() - start) * 1000


async def measure_tick(services: Services, figures: Figures) -> None:
    """What a tick costs before any send: the planning check and the due query."""
    now = FANOUT_AT

    async def planning_check() -> None:
        async with services.store.transaction() as tx:
            await tx.patients_due_for_planning(now, planning.BATCH)
            await tx.unplanned_patients(figures.patients, planning.BATCH)

    async def due_batch() -> None:
        async with services.store.transaction() as tx:
            await tx.due_slots(now, nudge_runner.CLAIM_BATCH)

    figures.due_check_ms = min([await _timed(planning_check) for _ in range(5)])
    figures.due_batch_ms = min([await _timed(due_batch) for _ in range(5)])


async def measure_scheduler(services: Services, figures: Figures) -> None:
    """Memory of the scheduler proper: PTB's JobQueue with the nudge job, and the runner."""
    from telegram.ext import ApplicationBuilder

    application = ApplicationBuilder().token(DEFAULT_TOKEN).updater(None).build()
    job_queue = application.job_queue
    assert job_queue is not None
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    await job_queue.start()
    await nudge_runner.NudgeWorker(application, services).start()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    await job_queue.stop(wait=False)
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    figures.scheduler_kib = grown / 1024


async def fan_out(services: Services, figures: Figures, clock: BenchClock) -> None:
    from telegram.ext import ApplicationBuilder

    async with EmulatorServer(limits=True) as emulator:
        world = emulator.emulator.world
        for pid in range(1, figures.fanout + 1):
            world.upsert_user(user_id=10_000_000 + pid, first_name=f"P{pid}")
        application = (
            ApplicationBuilder()
            .token(DEFAULT_TOKEN)
            .base_url(emulator.bot_api_base)
            .rate_limiter(StrideRateLimiter())
            .updater(None)
            .build()
        )
        await application.initialize()
        try:
            runner = nudge_runner.NudgeRunner(services)
            clock.set(FANOUT_AT)
            start = time.perf_counter()
            drain = asyncio.create_task(runner.drain(application.bot))
            # As in production, the tick's planning runs beside the drain (Sydney's
            # midnight has just passed: thousands of patients to plan).
            figures.replanned = await runner.plan()
            figures.replan_s = time.perf_counter() - start
            outcomes = await drain
            figures.fanout_s = time.perf_counter() - start
        finally:
            await application.shutdown()
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{emulator.url}/control/stats") as response,
        ):
            stats = await response.json()
    figures.sent = int(outcomes["sent"])
    figures.rate = stats["methods"].get("sendMessage", 0) / figures.fanout_s
    figures.rejected_429 = int(stats["errors"].get("429", 0))
    figures.duplicates = sum(n - 1 for n in stats["sends_per_chat"].values() if n > 1)
    figures.violations = int(stats["violations"])
    async with services.store.transaction() as tx:
        figures.slots_sent = await tx.count_slots(SlotStatus.SENT)


# -------------------------------------------------------------------------------- main


async def run(settings: Settings, patients: int, fanout: int, db: Path) -> Figures:
    fanout = min(fanout, patients)
    figures = Figures(patients=patients, fanout=fanout)
    url = f"sqlite+aiosqlite:///{db}"
    await upgrade_to_head(url)
    store = Store.from_url(url)
    clock = BenchClock(PLAN_AT)
    bench_settings = settings.model_copy(
        update={
            "database_url": url,
            "telegram_bot_token": SecretStr(DEFAULT_TOKEN),
            "primary_supervisors": (),
            "backup_supervisors": (),
        }
    )
    services = Services.build(bench_settings, clock, store=store)
    try:
        start = time.perf_counter()
        await insert_population(store, patients, fanout)
        figures.insert_s = time.perf_counter() - start
        start = time.perf_counter()
        await planning.plan_due(store, services.content, PLAN_AT, planning.Cursor(), 1e9)
        figures.plan_s = time.perf_counter() - start
        async with store.transaction() as tx:
            figures.slots = await tx.count_slots()
        await measure_scheduler(services, figures)
        figures.rss_mib, _ = rss_mib()
        await measure_tick(services, figures)
        await fan_out(services, figures, clock)
        _, figures.peak_rss_mib = rss_mib()
    finally:
        await store.close()
    return figures


def report(figures: Figures) -> str:
    f = figures
    verdict = "targets met" if f.ok else "TARGETS MISSED"
    return "\n".join(
        [
            f"| patients | {f.patients:,} |",
            "|---|---|",
            f"| bulk insert (patients, profiles, conversations, baselines) | {f.insert_s:.1f} s |",
            f"| planning every patient's next two days | {f.plan_s:.1f} s "
            f"({f.patients / max(f.plan_s, 1e-9):,.0f} patients/s), {f.slots:,} slots |",
            f"| scheduler memory (JobQueue + nudge job + runner, tracemalloc) "
            f"| {f.scheduler_kib:,.0f} KiB |",
            f"| process RSS with all slots planned | {f.rss_mib:,.0f} MiB |",
            f"| minute tick: planning check (horizons, never planned) | {f.due_check_ms:.2f} ms |",
            f"| minute tick: first due batch ({nudge_runner.CLAIM_BATCH} of {f.fanout:,} due) "
            f"| {f.due_batch_ms:.2f} ms |",
            f"| planning beside the fan-out ({f.replanned:,} patients past midnight, "
            f"one tick's budget) | {f.replan_s:.1f} s |",
            f"| fan-out | {f.sent:,} sent in {f.fanout_s:.1f} s = **{f.rate:.2f} messages/s** |",
            f"| 429 answers from the emulator | **{f.rejected_429}** |",
            f"| duplicates (emulator: >1 message per chat) | **{f.duplicates}** |",
            f"| slots marked sent / emulator violations | {f.slots_sent:,} / {f.violations} |",
            f"| peak RSS | {f.peak_rss_mib:,.0f} MiB |",
            "",
            f"{verdict} (>= {TARGET_RATE:.0f} messages/s, 0 x 429, 0 duplicates)",
        ]
    )


def nudges(
    settings: Settings, patients: int, fanout: int | None = None, db: Path | None = None
) -> int:
    """The `stride bench nudges` entry point; exit status 0 when the targets hold."""
    fanout = fanout or int(os.environ.get("STRIDE_BENCH_FANOUT", DEFAULT_FANOUT))
    with tempfile.TemporaryDirectory(prefix="stride-bench-") as scratch:
        path = db or Path(scratch) / "bench.db"
        if path.exists():
            raise SystemExit(f"stride: {path} exists; the benchmark needs a fresh database")
        figures = asyncio.run(run(settings, patients, fanout, path))
    print(report(figures))  # noqa: T201 - a command-line tool's output
    return 0 if figures.ok else 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.bench")
    commands = parser.add_subparsers(dest="command", required=True)
    bench = commands.add_parser("nudges", help="the nudge scheduler at scale")
    bench.add_argument("--patients", type=int, default=100_000)
    bench.add_argument("--fanout", type=int, default=DEFAULT_FANOUT)
    bench.add_argument("--db", type=Path, help="SQLite file to create (default: a temp file)")
    args = parser.parse_args(argv)
    raise SystemExit(nudges(load_settings(), args.patients, args.fanout, args.db))


if __name__ == "__main__":
    main()
