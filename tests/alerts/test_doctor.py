"""`stride doctor` against the in-process Bot API emulator: one line per check, loud about
supervisors who cannot receive alerts, non-zero on any problem."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import doctor
from bot.cli import app as cli
from bot.config import ENV_VARS, Settings
from bot.emulator import EmulatorClient, EmulatorServer
from bot.storage import Store

from .conftest import BACKUP, SECOND_SUPERVISOR, SUPERVISOR, settings_for


@pytest.fixture
async def emulator() -> AsyncIterator[EmulatorServer]:
    server = EmulatorServer(limits=False, validate=False, token_check=True)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def users(emulator: EmulatorServer) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(emulator.url) as client:
        yield client


async def run(settings: Settings) -> tuple[int, list[str]]:
    """The CLI's entry point, in a thread: it runs its own event loop, as `stride doctor`."""
    lines: list[str] = []
    status = await asyncio.to_thread(doctor.run, settings, lines.append)
    return status, lines


def line(lines: list[str], name: str) -> str:
    return next(x for x in lines if x.split(":")[0].split(maxsplit=1)[1] == name)


async def test_a_healthy_deployment_passes(
    emulator: EmulatorServer, users: EmulatorClient, store: Store, database_url: str
) -> None:
    for user_id in (SUPERVISOR, SECOND_SUPERVISOR, BACKUP):
        await users.create_user(user_id, "Sup")
    team = await users.create_group("Care team", members=[SUPERVISOR], chat_type="supergroup")
    settings = settings_for(
        database_url, api_url=emulator.bot_api_base, SUPERVISOR_CHAT_ID=str(team["id"])
    )
    status, lines = await run(settings)
    assert status == 0, lines
    assert lines[-1] == "All checks passed."
    for name in ("configuration", "content", "database", "token", f"team chat {team['id']}"):
        assert line(lines, name).startswith("OK"), lines
    for user_id in (SUPERVISOR, SECOND_SUPERVISOR, BACKUP):
        assert line(lines, f"supervisor {user_id}").startswith("OK")
    # The emulator reports privacy mode on (can_read_all_group_messages false): said, not failed.
    assert line(lines, "groups").startswith("WARNING") and "NOT seen" in line(lines, "groups")


async def test_unreachable_supervisors_are_problems_said_loudly(
    emulator: EmulatorServer, users: EmulatorClient, store: Store, database_url: str
) -> None:
    await users.create_user(SUPERVISOR, "Started")
    await users.create_user(BACKUP, "Blocked")
    await users.block(BACKUP)
    # SECOND_SUPERVISOR never opened the bot: Telegram does not know the chat.
    team = await users.create_group("Care team", members=[SUPERVISOR], bot_status="left")
    settings = settings_for(
        database_url, api_url=emulator.bot_api_base, SUPERVISOR_CHAT_ID=str(team["id"])
    )
    status, lines = await run(settings)
    assert status == 1
    assert line(lines, f"supervisor {SUPERVISOR}").startswith("OK")
    never = line(lines, f"supervisor {SECOND_SUPERVISOR}")
    assert never.startswith("PROBLEM") and "HAS NEVER STARTED THE BOT" in never
    assert "press Start" in never and "@stride_test_bot" in never
    blocked = line(lines, f"supervisor {BACKUP}")
    assert blocked.startswith("PROBLEM") and "HAS BLOCKED THE BOT" in blocked
    assert "CANNOT RECEIVE ALERTS" in line(lines, f"team chat {team['id']}")
    assert lines[-1] == "3 problem(s)"


async def test_a_wrong_token_an_old_database_and_bad_content_are_problems(
    emulator: EmulatorServer, database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the unmigrated database is a SQLite file here")
    empty = tmp_path / "empty.db"
    empty.touch()  # exists, but no migration has run
    content = tmp_path / "content"
    content.mkdir()
    settings = settings_for(
        f"sqlite+aiosqlite:///{empty}",
        api_url=emulator.bot_api_base,
        TELEGRAM_BOT_TOKEN="1:wrong",
        CONTENT_DIR=str(content),
        BACKUP_SUPERVISOR_IDS="",
    )
    status, lines = await run(settings)
    assert status == 1
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in line(lines, "token")
    assert "run `stride migrate`" in line(lines, "database")
    assert line(lines, "content").startswith("PROBLEM")
    assert "stride content check" in line(lines, "content")
    assert line(lines, "configuration").startswith("WARNING")  # no backups: a warning only


async def test_no_supervisors_and_a_missing_database(tmp_path: Path) -> None:
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'missing.db'}",
        SUPERVISOR_IDS="",
        BACKUP_SUPERVISOR_IDS="",
    )
    results = doctor.configuration(settings)
    assert any("SUPERVISOR_IDS is empty" in r.detail for r in results)
    assert [r.status for r in results].count(doctor.Status.PROBLEM) == 1
    [database] = await doctor.database(settings)
    assert database.status is doctor.Status.PROBLEM and "does not exist" in database.detail
    assert not (tmp_path / "missing.db").exists()  # the check did not create it


async def test_the_cli_command_prints_the_checks_and_exits_non_zero(
    emulator: EmulatorServer,
    store: Store,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no developer .env
    env = dict.fromkeys(ENV_VARS, "")
    env.update(
        TELEGRAM_BOT_TOKEN="123456789:EMULATOR-test-token",
        TELEGRAM_API_URL=emulator.bot_api_base,
        DATABASE_URL=database_url,
        SUPERVISOR_IDS=str(SUPERVISOR),
    )
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["doctor"], env=env)
    assert result.exit_code == 1, result.output
    assert f"PROBLEM  supervisor {SUPERVISOR}: HAS NEVER STARTED THE BOT" in result.output
    assert "OK       database" in result.output
