"""What every part of a `Transaction` shares: the session, and one dialect-specific helper.

The transaction's methods live in a few small mixins (patients, escalations, outbox, …);
each reaches the database only through `self._session`, so they all share one unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


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
        """INSERT … ON CONFLICT (unique) DO NOTHING, on SQLite and PostgreSQL alike.

        Checking first and inserting after would race with a concurrent transaction; letting
        the database skip duplicates keeps idempotent writes idempotent under concurrency.
        """
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            return (
                postgresql.insert(model).values(rows).on_conflict_do_nothing(index_elements=unique)
            )
        if dialect == "sqlite":
            return sqlite.insert(model).values(rows).on_conflict_do_nothing(index_elements=unique)
        raise NotImplementedError(f"no idempotent insert for the {dialect} dialect")
