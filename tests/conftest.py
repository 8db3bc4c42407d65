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
from collections.abc import AsyncIterator
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


@asynccontextmanager
async def fresh_postgres_database(server_url: str) -> AsyncIterator[str]:
    """Create a uniquely named database next to `server_url`'s; yield its URL; drop it."""
    server = make_url(server_url)
    name = f"stride_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
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
        async with fresh_postgres_database(os.environ[POSTGRES_ENV]) as url:
            yield url


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "stride.db"
    asyncio.run(upgrade_to_head(f"sqlite:///{path}"))
    return path


@pytest.fixture
async def store(database_url: str, migrated_sqlite_template: Path) -> AsyncIterator[Store]:
    _copy_template_to_new_sqlite(database_url, migrated_sqlite_template)
    await upgrade_to_head(database_url)  # a no-op check after the copy; the real thing on PG
    store = Store.from_url(database_url)
    try:
        yield store
    finally:
        await store.close()


def _copy_template_to_new_sqlite(database_url: str, template: Path) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        shutil.copyfile(template, url.database)
