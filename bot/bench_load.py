"""`stride bench load`: the real bot under many patients at once, beside the framework floor.

Not a test: it measures and prints (markdown, for docs/benchmarks.md). In one run, against
the local Bot API emulator (Telegram's flood limits on unless `--no-limits`):

1. **the floor**: a bare python-telegram-bot bot (`python -m bot.bench_floor`, a separate
   process, PTB's AIORateLimiter, concurrent updates) making the same Bot API calls per
   update as Stride — a message with buttons per question, the callback answered — with no
   database and no clinical logic;
2. **Stride**: `python -m bot run` as in production (SQLite file by default, or a fresh
   database on the PostgreSQL server of `--database`), metrics on a local port.

N simulated patients start at once: `/start`, "I agree", their city, the nine PHQ-9 items
and the difficulty question, each by button, pressing as soon as the question arrives. A share
answer item 9 positively, which opens an escalation and alerts the supervisor.

Figures: CPU per update of each bot process (its own user+system time from /proc, so the
emulator and the patients in this process do not count), the ratio, SQL statements per update
(Stride's `stride_sql_statements_total` / `stride_updates_total` from its /metrics), p50/p99
answer latency (press → next question on screen), the p99 of alert latency (item-9 press →
alert in the supervisor's chat), 429 answers, and patients that did not finish in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import random
import re
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy.engine import make_url

from bot.emulator import EmulatorServer
from bot.emulator import actions as emulator_actions
from bot.emulator.core import DEFAULT_TOKEN
from bot.emulator.state import ChatRecord, MessageRecord
from bot.storage.codes import ALPHABET, PREFIX
from bot.storage.database import normalise_url

SUPERVISOR = 900_001
FIRST_PATIENT = 7_000_001
ITEM9_EVERY = 10  # one patient in ten answers item 9 "More than half the days"
ANSWER = "Several days"
ITEM9_POSITIVE = "More than half the days"
ITEM9_NEGATIVE = "Not at all"
DIFFICULTY = "Somewhat difficult"
CODE = re.compile(rf"{PREFIX}[{ALPHABET}]{{6}}")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
DEFAULT_THINK_S = 1.5


@dataclasses.dataclass
class Step:
    """Wait for a bot message containing `expect` (with button `press`), then press it."""

    expect: str
    press: str | None = None
    send: str | None = None


def patient_script(positive_item9: bool) -> list[Step]:
    steps = [
        Step("", send="/start"),
        Step("not an emergency service", press="I agree"),
        Step("Where are you", press="New York"),  # the timezone comes before the PHQ-9
    ]
    for number in range(1, 10):
        last = number == 9
        answer = (ITEM9_POSITIVE if positive_item9 else ITEM9_NEGATIVE) if last else ANSWER
        steps.append(Step(f"Question {number} of 9", press=answer))
    if positive_item9:  # the crisis reply, then "Continue" goes on to the readiness screen
        steps.append(Step("Are you safe", press="I'm safe right now"))
        steps.append(Step("carry on", press="Continue"))
    else:
        steps.append(Step("how difficult", press=DIFFICULTY))
    steps.append(Step("?"))  # the next question after the PHQ-9: the patient is through
    return steps


@dataclasses.dataclass
class PhaseResult:
    name: str
    patients: int
    finished: int = 0
    updates: int = 0
    cpu_s: float = 0.0
    wall_s: float = 0.0
    latencies: list[float] = dataclasses.field(default_factory=list)
    alert_latencies: list[float] = dataclasses.field(default_factory=list)
    rejected_429: int = 0
    rejected_429_supervisor: int = 0  # of them in the supervisor's chat (alerts)
    sql_statements: float | None = None
    handled_updates: float | None = None
    connections_opened: float | None = None
    violations: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    methods: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_s / max(self.updates, 1)

    @property
    def sql_per_update(self) -> float | None:
        if self.sql_statements is None or not self.handled_updates:
            return None
        return self.sql_statements / self.handled_updates

    @property
    def unfinished(self) -> int:
        return self.patients - self.finished


# ------------------------------------------------------------------------------ emulator


class Watcher:
    """Hands each patient the bot's new messages in its chat, as they are stored."""

    def __init__(self, server: EmulatorServer) -> None:
        self.world = server.emulator.world
        self.inbox: dict[int, asyncio.Queue[tuple[float, MessageRecord]]] = defaultdict(
            asyncio.Queue
        )
        original = self.world.add_message

        def add_message(chat: ChatRecord, **fields: Any) -> MessageRecord:
            message = original(chat, **fields)
            if message.by_bot:
                self.inbox[chat.id].put_nowait((time.monotonic(), message))
            return message

        self.world.add_message = add_message  # type: ignore[method-assign]

    def buttons(self, message: MessageRecord) -> list[str]:
        rows = (message.reply_markup or {}).get("inline_keyboard") or []
        return [button.get("text", "") for row in rows for button in row]


class SimulatedPatient:
    """Reads each question for `think` seconds (0.5× to 1.5×, seeded) and presses a button."""

    def __init__(
        self, emulator: EmulatorServer, watcher: Watcher, user_id: int, think: float
    ) -> None:
        self.emulator = emulator.emulator
        self.watcher = watcher
        self.user_id = user_id
        self.rng = random.Random(user_id)
        self.think = think
        self.positive = (user_id - FIRST_PATIENT) % ITEM9_EVERY == ITEM9_EVERY - 1
        self.latencies: list[float] = []
        self.item9_pressed_at: float | None = None
        self.finished = False

    async def run(self, seconds: float) -> None:
        inbox = self.watcher.inbox[self.user_id]
        acted_at: float | None = None
        deadline = time.monotonic() + seconds
        for step in patient_script(self.positive):
            message: MessageRecord | None = None
            if step.expect:
                message = await self._wait(inbox, step, deadline)
                if acted_at is not None:
                    self.latencies.append(time.monotonic() - acted_at)
                if self.think > 0:
                    await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))
            acted_at = time.monotonic()
            if step.send is not None:
                emulator_actions.user_message(self.emulator, from_id=self.user_id, text=step.send)
            elif step.press is not None and message is not None:
                if step.press in (ITEM9_POSITIVE, ITEM9_NEGATIVE):
                    self.item9_pressed_at = acted_at
                emulator_actions.press_button(
                    self.emulator,
                    chat_id=self.user_id,
                    message_id=message.message_id,
                    text=step.press,
                )
        self.finished = True

    async def _wait(
        self, inbox: asyncio.Queue[tuple[float, MessageRecord]], step: Step, deadline: float
    ) -> MessageRecord:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            _, message = await asyncio.wait_for(inbox.get(), remaining)
            text = message.text or message.caption or ""
            if step.expect in text and (
                step.press is None or step.press in self.watcher.buttons(message)
            ):
                return message


# ------------------------------------------------------------------------------ processes


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass
class BotProcess:
    argv: list[str]
    env: dict[str, str]
    workdir: Path
    process: asyncio.subprocess.Process | None = None

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.argv[-2].replace('.', '-')}.log"

    async def start(self, ready: Callable[[], bool], within: float = 60) -> None:
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
        deadline = time.monotonic() + within
        while not ready():
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.argv} did not start:\n{self.tail()}")
            await asyncio.sleep(0.1)

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""

    @property
    def cpu(self) -> float:
        assert self.process is not None
        return cpu_seconds(self.process.pid)

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def _base_env(api_base: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV")
    return {
        **{k: v for k, v in os.environ.items() if k in keep},
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_URL": api_base,
        "LOG_LEVEL": "WARNING",
    }


@contextlib.asynccontextmanager
async def fresh_database(url: str | None, scratch: Path) -> AsyncIterator[str]:
    """A SQLite file in `scratch`, or a new database on `url`'s PostgreSQL server."""
    if url is None or make_url(normalise_url(url)).get_backend_name() == "sqlite":
        yield f"sqlite+aiosqlite:///{scratch / 'stride-load.db'}"
        return
    import asyncpg  # type: ignore[import-untyped]

    server = make_url(normalise_url(url))
    name = f"stride_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(
        server.set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def scrape(port: int) -> dict[str, float]:
    """Unlabelled samples of the bot's /metrics (labelled ones summed by name)."""
    from prometheus_client.parser import text_string_to_metric_families

    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        body = await response.text()
    values: dict[str, float] = defaultdict(float)
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            values[sample.name] += sample.value
    return values


# ------------------------------------------------------------------------------- phases


@dataclasses.dataclass(frozen=True)
class Options:
    patients: int
    database: str | None = None
    limits: bool = True
    think: float = DEFAULT_THINK_S
    profile: Path | None = None  # write a cProfile of the Stride process here

    @property
    def timeout(self) -> float:
        """Generous: at 30 messages/s, 400 patients' 6,000 messages alone take 200 s."""
        return 120 + self.patients * 15 / 20 + 13 * self.think * 1.5


async def run_phase(name: str, options: Options, scratch: Path) -> PhaseResult:
    patients, timeout, database = options.patients, options.timeout, options.database
    result = PhaseResult(name=name, patients=patients)
    async with EmulatorServer(limits=options.limits, validate=True) as server:
        world = server.emulator.world
        watcher = Watcher(server)
        world.upsert_user(user_id=SUPERVISOR, first_name="Supervisor", language_code="en")
        people = [
            SimulatedPatient(server, watcher, FIRST_PATIENT + n, options.think)
            for n in range(patients)
        ]
        for person in people:
            world.upsert_user(user_id=person.user_id, first_name="P", language_code="en")
        env = _base_env(server.bot_api_base) | {"SUPERVISOR_IDS": str(SUPERVISOR)}
        metrics_port: int | None = None
        codes: dict[int, str] = {}
        async with contextlib.AsyncExitStack() as stack:
            if name == "floor":
                argv = [sys.executable, "-m", "bot.bench_floor"]
            else:
                url = await stack.enter_async_context(fresh_database(database, scratch))
                metrics_port = free_port()
                env |= {"DATABASE_URL": url, "METRICS_PORT": str(metrics_port)}
                argv = [sys.executable, "-m", "bot", "run"]
                if options.profile is not None:  # cProfile's own overhead inflates the CPU
                    argv[2:3] = ["bot.bench_profile", str(options.profile), "bot"]
            bot = BotProcess(argv, env, scratch)
            polls = world.stats.methods
            await bot.start(lambda: polls.get("getUpdates", 0) > 0)
            try:
                await asyncio.sleep(1.0)  # start-up calls (menus, relay) settle
                before = await scrape(metrics_port) if metrics_port else {}
                delivered, rejected = world.stats.updates_delivered, world.stats.rate_limited
                per_chat = world.stats.rate_limited_per_chat
                rejected_supervisor = per_chat[SUPERVISOR]
                cpu, wall = bot.cpu, time.monotonic()
                runs = [person.run(timeout) for person in people]
                outcomes = await asyncio.gather(*runs, return_exceptions=True)
                await _settle_alerts(watcher, people, deadline=time.monotonic() + 15)
                if metrics_port:
                    codes = await _patient_codes(env["DATABASE_URL"])
                result.cpu_s = bot.cpu - cpu
                result.wall_s = time.monotonic() - wall
                result.updates = world.stats.updates_delivered - delivered
                result.rejected_429 = world.stats.rate_limited - rejected
                result.rejected_429_supervisor = per_chat[SUPERVISOR] - rejected_supervisor
                if metrics_port:
                    after = await scrape(metrics_port)
                    result.sql_statements = after["stride_sql_statements_total"] - before.get(
                        "stride_sql_statements_total", 0
                    )
                    result.handled_updates = after["stride_updates_total"] - before.get(
                        "stride_updates_total", 0
                    )
                    opened = "stride_database_connections_opened_total"
                    result.connections_opened = after[opened] - before.get(opened, 0)
            finally:
                await bot.stop()
            result.errors = [repr(o) for o in outcomes if isinstance(o, BaseException)][:3]
            if result.errors:
                result.errors.append(bot.tail()[-1500:])
        result.finished = sum(person.finished for person in people)
        result.latencies = [lat for person in people for lat in person.latencies]
        if name != "floor":
            result.alert_latencies = _alert_latencies(watcher, people, codes)
        result.violations = len(world.violations)
        result.methods = dict(world.stats.methods)
    return result


async def _settle_alerts(
    watcher: Watcher, people: list[SimulatedPatient], deadline: float
) -> None:
    """Give the relay time to deliver the last alerts before the bot is stopped."""
    expected = sum(1 for p in people if p.positive and p.item9_pressed_at is not None)
    inbox = watcher.inbox[SUPERVISOR]
    await watcher.world.changed.wait_for(
        lambda: inbox.qsize() >= expected, max(0.0, deadline - time.monotonic())
    )


async def _patient_codes(url: str) -> dict[int, str]:
    from sqlalchemy import select

    from bot.storage import Store
    from bot.storage.models import PatientRow

    store = Store.from_url(url)
    try:
        async with store.transaction() as tx:
            rows = await tx._session.execute(select(PatientRow.telegram_id, PatientRow.code))
            return {int(telegram_id): code for telegram_id, code in rows}
    finally:
        await store.close()


def _alert_latencies(
    watcher: Watcher, people: list[SimulatedPatient], codes: dict[int, str]
) -> list[float]:
    """Item-9 press → first alert naming the patient's code in the supervisor's chat."""
    arrivals: dict[str, float] = {}
    inbox = watcher.inbox[SUPERVISOR]
    while not inbox.empty():
        at, message = inbox.get_nowait()
        for code in CODE.findall(message.text or ""):
            arrivals.setdefault(code, at)
    latencies = []
    for person in people:
        code = codes.get(person.user_id)
        if person.item9_pressed_at is not None and person.positive and code in arrivals:
            latencies.append(arrivals[code] - person.item9_pressed_at)
    return latencies


# ------------------------------------------------------------------------------- report


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(options: Options, stride_first: bool = False) -> tuple[PhaseResult, PhaseResult]:
    with tempfile.TemporaryDirectory(prefix="stride-load-") as scratch:
        if stride_first:
            stride = await run_phase("stride", options, Path(scratch))
            floor = await run_phase("floor", options, Path(scratch))
        else:
            floor = await run_phase("floor", options, Path(scratch))
            stride = await run_phase("stride", options, Path(scratch))
    return floor, stride


def ratio(floor: PhaseResult, stride: PhaseResult) -> float:
    """Stride's CPU per update over the floor's, in one run."""
    return stride.cpu_ms_per_update / max(floor.cpu_ms_per_update, 1e-9)


def summary(runs: list[tuple[PhaseResult, PhaseResult]]) -> str:
    """The CPU ratio over repeated runs. One run moves by about ±10 % with the machine (the
    floor itself by a third from run to run on a small VM), so a claim about the ratio
    rests on the median of several runs, floor and Stride alternating which goes first."""
    ratios = [ratio(floor, stride) for floor, stride in runs]
    pooled = sum(s.cpu_s for _, s in runs) / max(sum(s.updates for _, s in runs), 1)
    pooled /= max(sum(f.cpu_s for f, _ in runs) / max(sum(f.updates for f, _ in runs), 1), 1e-9)
    each = ", ".join(f"{r:.2f}" for r in ratios)
    return "\n".join(
        [
            f"| {len(runs)} runs | CPU ratio to the floor |",
            "|---|---|",
            f"| each run | {each} |",
            f"| median (range) | **{statistics.median(ratios):.2f}×** "
            f"({min(ratios):.2f}–{max(ratios):.2f}) |",
            f"| pooled (all CPU over all updates) | {pooled:.2f}× |",
            f"| runs over 2.0× | {sum(r > 2.0 for r in ratios)} of {len(ratios)} |",
        ]
    )


def describe_database(options: Options) -> str:
    if options.database is None:
        return "SQLite (a fresh file)"
    url = make_url(normalise_url(options.database))
    return f"{url.get_backend_name()} (a fresh database on {url.host or 'localhost'})"


def report(options: Options, floor: PhaseResult, stride: PhaseResult) -> str:
    sql = stride.sql_per_update

    def ms(value: float) -> str:
        return f"{1000 * value:,.0f} ms"

    def calls(phase: PhaseResult) -> str:
        """Every call the emulator answered in the phase's world, start-up included."""
        return f"{sum(phase.methods.values()):,} ({phase.methods.get('getUpdates', 0):,})"

    rows = [
        f"| {options.patients} patients, limits {'on' if options.limits else 'off'}, "
        f"think {options.think:g} s | bare PTB bot | Stride, {describe_database(options)} |",
        "|---|---|---|",
        f"| CPU per update | {floor.cpu_ms_per_update:.1f} ms "
        f"| {stride.cpu_ms_per_update:.1f} ms (**{ratio(floor, stride):.2f}×**) |",
        f"| updates / bot CPU seconds | {floor.updates:,} / {floor.cpu_s:.1f} s "
        f"| {stride.updates:,} / {stride.cpu_s:.1f} s |",
        f"| SQL statements per update | — | {'—' if sql is None else f'{sql:.2f}'} |",
        f"| database connections opened during the run | — "
        f"| {'—' if stride.connections_opened is None else f'{stride.connections_opened:,.0f}'} |",
        f"| answer latency p50 / p99 | {ms(percentile(floor.latencies, 0.5))} / "
        f"{ms(percentile(floor.latencies, 0.99))} | {ms(percentile(stride.latencies, 0.5))} / "
        f"{ms(percentile(stride.latencies, 0.99))} |",
        f"| alert latency p99 (item-9 press → supervisor) | — "
        f"| {ms(percentile(stride.alert_latencies, 0.99))} "
        f"({len(stride.alert_latencies)} alerts) |",
        f"| Bot API calls (of them getUpdates) | {calls(floor)} | {calls(stride)} |",
        f"| 429 answers (of them in the supervisor's chat) | {floor.rejected_429} "
        f"| {stride.rejected_429} ({stride.rejected_429_supervisor}) |",
        f"| unfinished patients | {floor.unfinished} | {stride.unfinished} |",
        f"| wall time | {floor.wall_s:.0f} s | {stride.wall_s:.0f} s |",
        f"| Bot API violations | {floor.violations} | {stride.violations} |",
    ]
    for phase in (floor, stride):
        if phase.errors:
            rows.append(f"\n{phase.name}: " + "\n".join(phase.errors))
    return "\n".join(rows)


def load(
    patients: int,
    database: str | None = None,
    limits: bool = True,
    think: float = DEFAULT_THINK_S,
    profile: Path | None = None,
    repeat: int = 1,
) -> int:
    """The `stride bench load` entry point; exit status 1 when a patient did not finish.
    With `repeat`, the pair runs that many times (every other time Stride first), each
    table printed as it comes, then the `summary`."""
    options = Options(
        patients=patients, database=database, limits=limits, think=think, profile=profile
    )
    runs = []
    for n in range(repeat):
        floor, stride = asyncio.run(run(options, stride_first=n % 2 == 1))
        runs.append((floor, stride))
        print(report(options, floor, stride) + "\n", flush=True)  # noqa: T201 - a CLI's output
    if repeat > 1:
        print(summary(runs))  # noqa: T201 - a command-line tool's output
    return 0 if all(stride.unfinished == 0 for _, stride in runs) else 1


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bot.bench_load")
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--database", help="PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--no-limits", action="store_true")
    parser.add_argument("--think", type=float, default=DEFAULT_THINK_S)
    args = parser.parse_args(argv)
    raise SystemExit(load(args.patients, args.database, not args.no_limits, args.think))


if __name__ == "__main__":
    main()
