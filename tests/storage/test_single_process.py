"""SQLite is one process's database: a second Stride on the same file stops with one line.

The first holder is a real process (it claims the file and waits); the second is the real
`stride run` command, which must exit 2 naming the file before it touches Telegram or the
database. When the holder dies — even by SIGKILL — the file is free again at once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.emulator.core import DEFAULT_TOKEN
from bot.storage import Store
from bot.storage.database import DatabaseInUse, hold_sqlite_file

HOLDER = """
import sys, time
from bot.storage.database import hold_sqlite_file
hold = hold_sqlite_file(sys.argv[1])
print("held", flush=True)
time.sleep(120)
"""


async def _start_holder(url: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, url, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    assert line.strip() == b"held"
    return process


async def _stride_run(url: str, workdir: Path) -> tuple[int, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_URL": "http://127.0.0.1:9/bot",  # never reached: it stops before
        "DATABASE_URL": url,
        "SUPERVISOR_IDS": "900001",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def test_a_second_stride_run_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "stride.db"
    url = f"sqlite+aiosqlite:///{database}"
    holder = await _start_holder(url)
    try:
        status, stderr = await _stride_run(url, tmp_path)
    finally:
        holder.send_signal(signal.SIGKILL)
        await holder.wait()
    lines = stderr.strip().splitlines()
    assert status == 2
    assert len(lines) == 1, stderr
    assert str(database) in lines[0]
    assert "in use by another Stride process" in lines[0]
    assert f"process {holder.pid}" in lines[0]
    assert not database.exists()  # it stopped before migrating


async def test_the_file_is_free_once_the_holder_is_killed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stride.db'}"
    holder = await _start_holder(url)
    with pytest.raises(DatabaseInUse):
        hold_sqlite_file(url)
    holder.send_signal(signal.SIGKILL)
    await holder.wait()
    hold = hold_sqlite_file(url)
    assert hold is not None
    hold.release()


def test_postgresql_and_memory_databases_are_not_held() -> None:
    assert hold_sqlite_file("postgresql://postgres@127.0.0.1/stride") is None
    assert hold_sqlite_file("sqlite+aiosqlite://") is None


async def test_a_burst_of_transactions_queues_for_the_one_sqlite_writer(tmp_path: Path) -> None:
    """400 writers at once, each reading then writing: all commit, none sees "locked"."""
    url = f"sqlite:///{tmp_path / 'stride.db'}"
    store = Store.from_url(url)
    try:
        async with store.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE hits (n INTEGER)"))

        async def hit(n: int) -> None:
            async with store.transaction() as tx:
                session = tx._session
                await session.execute(text("SELECT count(*) FROM hits"))
                await asyncio.sleep(0)
                await session.execute(text("INSERT INTO hits VALUES (:n)"), {"n": n})

        await asyncio.gather(*(hit(n) for n in range(400)))
        async with store.engine.connect() as connection:
            count = (await connection.execute(text("SELECT count(*) FROM hits"))).scalar()
        assert count == 400
        assert store.engine.pool.size() == 1  # type: ignore[attr-defined]
    finally:
        await store.close()
