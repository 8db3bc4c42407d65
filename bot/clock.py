"""Injected time: production reads the system clock; tests and the sandbox can move it.

`STRIDE_CLOCK_FILE` (sandbox and tests only) names a file holding an offset in seconds that
is added to the system time, so a separate test process can fast-forward a running bot.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class ShiftedClock:
    """System time plus an offset that can only move forward."""

    def __init__(self, offset: dt.timedelta = dt.timedelta(0), file: Path | None = None) -> None:
        self._offset = offset
        self._file = file

    @property
    def offset(self) -> dt.timedelta:
        if self._file is not None and self._file.exists():
            text = self._file.read_text(encoding="utf-8").strip() or "0"
            return dt.timedelta(seconds=float(text))
        return self._offset

    def advance(self, delta: dt.timedelta) -> None:
        if delta < dt.timedelta(0):
            raise ValueError("time only moves forward")
        new = self.offset + delta
        if self._file is not None:
            self._file.write_text(str(new.total_seconds()), encoding="utf-8")
        self._offset = new

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


def clock_from_environment() -> Clock:
    path = os.environ.get("STRIDE_CLOCK_FILE")
    return ShiftedClock(file=Path(path)) if path else SystemClock()
