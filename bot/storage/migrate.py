"""Schema migrations run from code: Alembic without an alembic.ini.

The bot upgrades its database at start-up with `await upgrade_to_head(url)`; the migration
scripts live inside the package (`bot/storage/migrations/`), so an installed Stride needs no
files beside it.

After changing `models.py`, write the next migration with:

    .venv/bin/python -m bot.storage.migrate revision -m "add reminders"

This upgrades a scratch SQLite database to head, lets Alembic compare it with the models and
writes `migrations/versions/NNNN_add_reminders.py` (NNNN = the next number). Read it before
committing: Alembic sees a rename as a drop plus an add, and cannot guess data migrations.
`--url postgresql://…` compares with that database instead (it must be at head already).
`tests/storage/test_migrations.py` fails while models and migrations disagree.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

from bot.storage.database import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config for `url`; env.py reads the URL from `attributes`, unescaped."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["url"] = url
    return config


async def upgrade_to_head(url: str) -> None:
    config = alembic_config(url)
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade, config)
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def current_revision(url: str) -> str | None:
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


async def pending_revisions(url: str) -> list[str]:
    """Revisions not yet applied to the database at `url`, in the order they would run."""
    script = ScriptDirectory.from_config(alembic_config(url))
    current = await current_revision(url)
    revisions = script.iterate_revisions("heads", current or "base")
    return [r.revision for r in reversed(list(revisions)) if r.revision != current]


def next_revision_id(config: Config) -> str:
    """Sequential ids (0001, 0002, …) read better in a folder listing than random hashes."""
    heads = ScriptDirectory.from_config(config).get_heads()
    return f"{max((int(h) for h in heads), default=0) + 1:04d}"


def autogenerate(message: str, url: str | None = None) -> None:
    """Write the next migration from the difference between the models and head.

    Without `url` a scratch SQLite database is upgraded to head for the comparison; a given
    `url` must already be at head (Alembic refuses otherwise) and is not changed.
    """
    with tempfile.TemporaryDirectory() as scratch:
        if url is None:
            url = f"sqlite:///{Path(scratch) / 'scratch.db'}"
            asyncio.run(upgrade_to_head(url))
        config = alembic_config(url)
        command.revision(
            config, message=message, autogenerate=True, rev_id=next_revision_id(config)
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.storage.migrate")
    commands = parser.add_subparsers(dest="command", required=True)
    upgrade = commands.add_parser("upgrade", help="upgrade a database to head")
    upgrade.add_argument("--url", required=True)
    revision = commands.add_parser("revision", help="autogenerate the next migration")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--url", help="a database at head (default: scratch SQLite)")
    args = parser.parse_args(argv)
    if args.command == "upgrade":
        asyncio.run(upgrade_to_head(args.url))
    else:
        autogenerate(args.message, args.url)


if __name__ == "__main__":
    main()
