"""Workers start in order and stop in reverse; a leader lock runs a job in one replica.

The leader election is tested on PostgreSQL with two real processes on one database:
exactly one leads, and when it is killed (SIGKILL, no clean-up) the other takes over
within a few seconds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text as sql_text

from bot.storage import make_engine
from bot.workers import Health, Leader, LeaderLock, Workers, lock_key

POSTGRES = os.environ.get("TEST_POSTGRES_URL")


class Recorder:
    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log
        self.running = False

    async def start(self) -> None:
        self.running = True
        self.log.append(f"start {self.name}")

    async def stop(self) -> None:
        self.running = False
        self.log.append(f"stop {self.name}")

    def health(self) -> Health:
        return Health(self.running, "running" if self.running else "stopped")


async def test_workers_start_in_order_and_stop_in_reverse() -> None:
    log: list[str] = []
    workers = Workers([Recorder("relay", log), Recorder("nudges", log)])
    workers.add(Recorder("metrics", log))
    await workers.start()
    assert {name: h.ok for name, h in workers.health().items()} == {
        "relay": True,
        "nudges": True,
        "metrics": True,
    }
    await workers.stop()
    assert log == [
        "start relay",
        "start nudges",
        "start metrics",
        "stop metrics",
        "stop nudges",
        "stop relay",
    ]


def test_lock_keys_are_stable_signed_64_bit_and_distinct() -> None:
    assert lock_key("nudges") == lock_key("nudges")
    assert lock_key("nudges") != lock_key("relay")
    assert -(2**63) <= lock_key("relay") < 2**63


async def test_on_sqlite_the_one_process_always_leads(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    log: list[str] = []
    leader = Leader(Recorder("nudges", log), LeaderLock(engine, "nudges"), poll_seconds=0.05)
    await leader.start()
    await asyncio.wait_for(leader.leading.wait(), 2)
    assert leader.health() == Health(True, "leader; running")
    await leader.stop()
    await engine.dispose()
    assert log == ["start nudges", "stop nudges"]


CANDIDATE = """
import asyncio, sys
from bot.storage import make_engine
from bot.workers import Health, Leader, LeaderLock

class Job:
    name = "job"
    async def start(self): print("leading", flush=True)
    async def stop(self): print("stopped", flush=True)
    def health(self): return Health(True)

async def main():
    engine = make_engine(sys.argv[1])
    leader = Leader(Job(), LeaderLock(engine, "bench-job"), poll_seconds=0.5)
    await leader.start()
    print("ready", flush=True)
    await asyncio.sleep(120)

asyncio.run(main())
"""


async def _candidate(url: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CANDIDATE, url, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    assert (await asyncio.wait_for(process.stdout.readline(), 30)).strip() == b"ready"
    return process


async def _says_leading(process: asyncio.subprocess.Process, within: float) -> bool:
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), within)
    except TimeoutError:
        return False
    return line.strip() == b"leading"


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES, reason="needs TEST_POSTGRES_URL")
async def test_two_processes_one_leader_and_a_takeover_when_it_dies() -> None:
    from tests.conftest import fresh_postgres_database

    assert POSTGRES is not None
    async with fresh_postgres_database(POSTGRES) as url:
        first = await _candidate(url)
        assert await _says_leading(first, 10)
        second = await _candidate(url)
        try:
            assert not await _says_leading(second, 3)  # the lock is taken: it waits
            killed_at = time.monotonic()
            first.send_signal(signal.SIGKILL)
            await first.wait()
            assert await _says_leading(second, 10)
            assert time.monotonic() - killed_at < 5
        finally:
            for process in (first, second):
                if process.returncode is None:
                    process.kill()
                    await process.wait()


HOLDER_PID = sql_text(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES, reason="needs TEST_POSTGRES_URL")
async def test_a_leader_whose_connection_dies_stops_and_the_other_takes_over() -> None:
    """The holder's connection is closed under it (a network cut, a failover, an admin's
    pg_terminate_backend): PostgreSQL frees the lock, the standby takes over within seconds,
    and the old holder notices and stops its worker, so the job never runs twice."""
    from sqlalchemy import text

    from tests.conftest import fresh_postgres_database

    assert POSTGRES is not None
    async with fresh_postgres_database(POSTGRES) as url:
        engines = [make_engine(url), make_engine(url)]
        log: list[str] = []
        leaders = [
            Leader(Recorder(f"nudges@{n}", log), LeaderLock(engine, "nudges"), poll_seconds=0.2)
            for n, engine in enumerate(engines)
        ]
        try:
            await leaders[0].start()
            await asyncio.wait_for(leaders[0].leading.wait(), 10)
            await leaders[1].start()
            await asyncio.sleep(1.0)
            assert not leaders[1].leading.is_set()
            assert leaders[1].health() == Health(True, "standby")
            cut_at = time.monotonic()
            async with engines[1].connect() as admin:
                # The holder's backend, found as an admin would: its connection is the
                # leader's, in use by its polls, and not to be shared with this test.
                pid = (await admin.execute(HOLDER_PID)).scalar_one()
                await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await asyncio.wait_for(leaders[1].leading.wait(), 5)
            assert time.monotonic() - cut_at < 5
            for _ in range(50):  # the old holder finds its connection gone at its next poll
                if not leaders[0].leading.is_set():
                    break
                await asyncio.sleep(0.1)
            assert not leaders[0].leading.is_set()
            assert log == ["start nudges@0", "start nudges@1", "stop nudges@0"] or log == [
                "start nudges@0",
                "stop nudges@0",
                "start nudges@1",
            ]
        finally:
            for leader in leaders:
                await leader.stop()
            for engine in engines:
                await engine.dispose()
