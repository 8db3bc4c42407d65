"""Fixtures every test tier can use: a fresh, migrated database per test.

`database_url` runs each test that asks for it on SQLite (a file in tmp_path) and, when
`TEST_POSTGRES_URL` is set (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test), again
on PostgreSQL in a database created for that test and dropped after it, so tests never see
each other's rows. PostgreSQL runs carry the `postgres` mark (`-m "not postgres"` skips them).

`store` is a `bot.storage.Store` on that same database, migrated to head (so a test can
hand `database_url` to a bot subprocess and inspect what it wrote through `store`). On SQLite
the migrations run once per session into a template file that each test copies: a cold
upgrade costs a few hundred milliseconds, and many tests across the suite use `store`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.storage import Store
from bot.storage.migrate import upgrade_to_head

POSTGRES_ENV = "TEST_POSTGRES_URL"


def _backends() -> list[object]:
    params: list[object] = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get(POSTGRES_ENV):
        params.append(pytest.param("postgresql", id="postgres", marks=pytest.mark.postgres))
    return params


def _admin_dsn(server_url: str) -> str:
    return make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_postgres_database(
    server_url: str, template: str | None = None
) -> AsyncIterator[str]:
    """Create a uniquely named database next to `server_url`'s; yield its URL; drop it.

    With `template`, the new database is a copy of that (already migrated) one: PostgreSQL
    copies files, which is several times faster than running every migration again.
    """
    server = make_url(server_url)
    name = f"stride_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_admin_dsn(server_url))
    try:
        copy = f' TEMPLATE "{template}"' if template else ""
        await admin.execute(f'CREATE DATABASE "{name}"{copy}')
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(params=_backends())
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'stride.db'}"
    else:
        # A test that takes `store` gets a migrated database anyway: copy it from the
        # session's template. Others (migration tests, a bot that migrates) get an empty one.
        template = None
        if "store" in request.fixturenames:
            template = request.getfixturevalue("migrated_postgres_template")
        async with fresh_postgres_database(os.environ[POSTGRES_ENV], template) as url:
            yield url


@pytest.fixture(scope="session")
def migrated_postgres_template() -> Iterator[str]:
    """One migrated PostgreSQL database per test process, copied by each test that needs one."""
    server_url = os.environ[POSTGRES_ENV]
    name = f"stride_template_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        admin = await asyncpg.connect(_admin_dsn(server_url))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        await upgrade_to_head(url)

    async def drop() -> None:
        admin = await asyncpg.connect(_admin_dsn(server_url))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    # Requested from inside an async fixture, whose loop is running: use a loop of its own.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, create()).result()
        try:
            yield name
        finally:
            thread.submit(asyncio.run, drop()).result()


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "stride.db"
    asyncio.run(upgrade_to_head(f"sqlite:///{path}"))
    return path


@pytest.fixture
async def store(database_url: str, migrated_sqlite_template: Path) -> AsyncIterator[Store]:
    _copy_template_to_new_sqlite(database_url, migrated_sqlite_template)
    await upgrade_to_head(database_url)  # a no-op check after either copy
    store = Store.from_url(database_url)
    try:
        yield store
    finally:
        await store.close()


def _copy_template_to_new_sqlite(database_url: str, template: Path) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        shutil.copyfile(template, url.database)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `long` start first, each at the head of a different worker's share.

    pytest-xdist's `worksteal` hands each worker a contiguous block of the collection, and a
    running test cannot be stolen: a story of several minutes that comes late in its block is
    the run's tail (about 8 of CI's 15 minutes on a slow day). Every worker orders the items
    the same way, as xdist requires.
    """
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    long = [item for item in items if item.get_closest_marker("long")]
    if not long or workers < 2:
        return
    rest = [item for item in items if not item.get_closest_marker("long")]
    ordered: list[pytest.Item] = []
    remaining = len(items)
    for worker in range(workers):  # the block sizes xdist's worksteal deals
        size = remaining // (workers - worker)
        remaining -= size
        heads = long[worker::workers]
        ordered += heads
        take = max(0, size - len(heads))
        ordered += rest[:take]
        rest = rest[take:]
    items[:] = ordered + rest
