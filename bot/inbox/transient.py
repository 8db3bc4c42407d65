"""Which failures pass by themselves (retry with backoff) and which do not.

A database that is restarting, unreachable or locked by another process is *transient*: the
update is kept and tried again, and meanwhile Stride stops confirming new updates (Telegram
keeps them for 24 hours). Anything else is a bug or bad input: tried a few times, then the
patient is told to try again and the row is kept for inspection.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

MAX_BACKOFF = 30.0


def is_transient(error: BaseException) -> bool:
    if isinstance(
        error,
        (OperationalError, InterfaceError, DisconnectionError, PoolTimeout, OSError, TimeoutError),
    ):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        original = type(error.orig).__name__ if error.orig is not None else ""
        return "Connection" in original or "CannotConnect" in original
    cause = error.__cause__ or error.__context__
    return cause is not None and cause is not error and is_transient(cause)


def backoff_seconds(attempt: int, cap: float = MAX_BACKOFF) -> float:
    """0.5, 1, 2, 4 … seconds (with a little jitter), at most `cap`."""
    base: float = min(cap, 0.5 * 2 ** max(0, attempt))
    return base * (0.8 + 0.4 * random.random())  # jitter, not security


def backoff(attempt: int, cap: float = MAX_BACKOFF) -> dt.timedelta:
    return dt.timedelta(seconds=backoff_seconds(attempt, cap))
