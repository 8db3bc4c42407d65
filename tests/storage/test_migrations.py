"""The migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

from bot.storage import make_engine
from bot.storage.migrate import (
    alembic_config,
    current_revision,
    pending_revisions,
    upgrade_to_head,
)
from bot.storage.models import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_migrations(database_url: str) -> None:
    await upgrade_to_head(database_url)
    engine = make_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert differences == []


def shipped_revisions() -> list[str]:
    """Every migration file's revision, oldest first: the chain the database must follow."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_the_revision_chain_is_linear_and_numbered() -> None:
    # Branches get revision ids assigned ahead (0007 may follow 0003 until the lead
    # re-chains): the chain must be linear (walk_revisions fails otherwise) and increasing.
    revisions = shipped_revisions()
    assert revisions[0] == "0001"
    assert all(len(r) == 4 and r.isdigit() for r in revisions)
    assert revisions == sorted(revisions)
    assert len(set(revisions)) == len(revisions)


async def test_pending_revisions_before_and_after_upgrade(database_url: str) -> None:
    assert await current_revision(database_url) is None
    assert await pending_revisions(database_url) == shipped_revisions()
    await upgrade_to_head(database_url)
    assert await current_revision(database_url) == shipped_revisions()[-1]
    assert await pending_revisions(database_url) == []


async def test_upgrade_is_repeatable_and_downgrade_empties(database_url: str) -> None:
    await upgrade_to_head(database_url)
    await upgrade_to_head(database_url)  # a restart upgrades again: nothing to do

    def downgrade(connection: Connection) -> list[str]:
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        tables = connection.dialect.get_table_names(connection)
        return [t for t in tables if t != "alembic_version"]

    engine = make_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            assert await connection.run_sync(downgrade) == []
    finally:
        await engine.dispose()
    assert await pending_revisions(database_url) == shipped_revisions()
