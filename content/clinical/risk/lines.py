"""Messages from a byte stream, one per line, for `stride screen-text` and batch screening.

Robust on purpose: a screen that stops at the first bad byte, or shifts every later verdict
onto the wrong line, is worse than none. Invalid UTF-8 becomes U+FFFD; only `\\n` ends a
message (a final `\\r` of a CRLF line is dropped, a `\\r` inside a message is kept and reads as
a space); a trailing line without `\\n` still counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def decoded_lines(stream: Iterable[bytes]) -> Iterator[str]:
    """Each `\\n`-terminated line of `stream`, decoded with invalid bytes replaced."""
    for raw in stream:  # binary streams split on b"\\n" only
        line = raw.decode("utf-8", errors="replace")
        if line.endswith("\n"):
            line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
        yield line


__all__ = ["decoded_lines"]
