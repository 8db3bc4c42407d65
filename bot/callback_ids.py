"""Database ids read from callback data, which is untrusted: anyone can forge a button.

A forged id must be refused, never crash a handler: "²" passes `str.isdigit` but not `int`,
and a number past INTEGER's range makes the database driver raise instead of finding nothing.
"""

from __future__ import annotations

MAX_ROW_ID = 2**31 - 1  # ids are INTEGER columns on SQLite and PostgreSQL alike


def row_id(text: str) -> int | None:
    """The id `text` names, or None when it cannot be one."""
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ROW_ID else None
