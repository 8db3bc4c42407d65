"""Messages from a byte stream, one per line, and one verdict per line: `stride screen-text`.

Robust on purpose: a screen that stops at the first bad byte, or shifts every later verdict
onto the wrong line, is worse than none. Invalid UTF-8 becomes U+FFFD; only `\\n` ends a
message (a final `\\r` of a CRLF line is dropped, a `\\r` inside a message is kept and reads as
a space); a trailing line without `\\n` still counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from content.clinical.risk.screen import RiskScreen


def decoded_lines(stream: Iterable[bytes]) -> Iterator[str]:
    """Each `\\n`-terminated line of `stream`, decoded with invalid bytes replaced."""
    for raw in stream:  # binary streams split on b"\\n" only
        line = raw.decode("utf-8", errors="replace")
        if line.endswith("\n"):
            line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
        yield line


def screen_lines(
    screen: RiskScreen,
    lines: Iterable[str],
    language: str | None = None,
    *,
    show_level: bool = False,
    show_categories: bool = False,
) -> Iterator[str]:
    """One verdict per line, for `stride screen-text`.

    By default `risk<TAB>category:pattern` for a flag (risk or concern) and `none` otherwise;
    `show_level` puts the level (`risk`, `concern`, `none`) first instead, and
    `show_categories` adds every category found, comma-separated.
    """
    for line in lines:
        finding = screen.screen(line.rstrip("\r\n"), language)
        head = finding.level if show_level else ("risk" if finding.flagged else "none")
        fields: list[str] = [head]
        if finding.flagged:
            fields.append(finding.reason)
            if show_categories:
                fields.append(",".join(finding.categories))
        yield "\t".join(fields)


__all__ = ["decoded_lines", "screen_lines"]
