"""Fixtures for end-to-end tests: the emulator in this process, the bot as a subprocess."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.emulator import EmulatorClient, EmulatorServer
from tests.e2e.harness import (
    BACKUP_SUPERVISOR,
    SECOND_SUPERVISOR,
    START_OFFSET,
    SUPERVISOR,
    BotProcess,
    bot_environment,
)

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Stories run on SQLite; on PostgreSQL only those marked `both_databases`.

    A story's PostgreSQL run repeats its SQLite run except where the database itself is the
    subject (outages, replicas, leases, erasure, crash recovery), and CI has to stay well
    under 15 minutes on two cores. The storage tier runs every query on both databases.
    """
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("database_url") == "postgresql"
        if (
            on_postgres
            and item.get_closest_marker("e2e")
            and not item.get_closest_marker("both_databases")
        ):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
async def emulator() -> AsyncIterator[EmulatorServer]:
    server = EmulatorServer(limits=True, validate=True)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def users(emulator: EmulatorServer) -> AsyncIterator[EmulatorClient]:
    client = EmulatorClient(emulator.url)
    for user_id, name in (
        (SUPERVISOR, "Sup One"),
        (SECOND_SUPERVISOR, "Sup Two"),
        (BACKUP_SUPERVISOR, "Backup"),
    ):
        await client.create_user(user_id, name, language_code="en")
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def clock_file(tmp_path: Path) -> Path:
    path = tmp_path / "clock-offset"
    path.write_text(str(START_OFFSET))
    return path


@pytest.fixture
async def bot(
    emulator: EmulatorServer,
    users: EmulatorClient,
    database_url: str,
    tmp_path: Path,
    clock_file: Path,
) -> AsyncIterator[BotProcess]:
    """The bot, not yet started: tests call `await bot.start(users)` (maybe with env changes)."""
    process = BotProcess(
        env=bot_environment(emulator.bot_api_base, database_url, clock_file), workdir=tmp_path
    )
    try:
        yield process
    finally:
        process.kill()
        if process.process is not None:
            await process.process.wait()
        violations = await users.violations()
        assert not violations, f"Bot API violations: {violations}\n{process.log()}"
