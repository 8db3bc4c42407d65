"""Column types shared by the models.

`UTCDateTime` exists because SQLite has no time zones: it stores the wall-clock digits and
returns naive datetimes. Converting to UTC on the way in keeps stored values comparable
(`next_action_at <= now` compares strings on SQLite), and attaching UTC on the way out means
callers always get aware datetimes back, whatever the backend.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """`DateTime(timezone=True)` that refuses naive input and always returns aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: storage only accepts aware datetimes")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
