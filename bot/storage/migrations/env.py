"""Alembic's entry point for Stride (see `bot.storage.migrate` for how it is called).

Two ways in: `upgrade_to_head` hands over an open connection in `config.attributes`
(Alembic's connection-sharing recipe, so it runs inside the caller's event loop), while the
Alembic command line (`revision --autogenerate`) passes only a URL and env.py makes its own
async engine.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

from bot.storage.columns import UTCDateTime
from bot.storage.database import make_engine
from bot.storage.models import Base

config = context.config
target_metadata = Base.metadata


def render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our column type as plain SQLAlchemy, so migrations never import the models."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


def run_offline(url: str) -> None:
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url") or ""
if context.is_offline_mode():
    run_offline(url)
elif (shared := config.attributes.get("connection")) is not None:
    run_migrations(shared)
else:
    asyncio.run(run_with_own_engine(url))
