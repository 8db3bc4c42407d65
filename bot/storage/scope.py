"""What every part of a `Transaction` shares: the session, and one dialect-specific helper.

The transaction's methods live in a few small mixins (patients, escalations, outbox, …);
each reaches the database only through `self._session`, so they all share one unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def insert_ignoring_duplicates(
    dialect: str, target: type[DeclarativeBase] | Table, unique: Sequence[str]
) -> Insert:
    """INSERT … ON CONFLICT (unique) DO NOTHING, on SQLite and PostgreSQL alike.

    Checking first and inserting after would race with a concurrent transaction; letting
    the database skip duplicates keeps idempotent writes idempotent under concurrency.
    """
    insert: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"no idempotent insert for the {dialect} dialect")
    return insert(target).on_conflict_do_nothing(index_elements=unique)


class SessionScope:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.after_commit: list[Callable[[], None]] = []  # run once the commit succeeded

    def _insert_ignoring_duplicates(
        self,
        model: type[DeclarativeBase],
        rows: Sequence[dict[str, Any]],
        unique: Sequence[str],
    ) -> Insert:
        """`insert_ignoring_duplicates` of `rows` on this session's database."""
        dialect = self._session.get_bind().dialect.name
        return insert_ignoring_duplicates(dialect, model, unique).values(rows)
