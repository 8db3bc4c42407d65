"""Phrase patterns written as a clinician types them, matched against squeezed text.

Both free-text screens (risk, understanding) squeeze repeated letters before matching
("soooo tired" → "so tired", "kill" → "kil"), so their patterns must be squeezed the same way.
"""

from __future__ import annotations


def collapse_regex(source: str) -> str:
    """Write each run of one repeated literal letter once, as the normalisers do to text.

    Escapes (`\\s`, `\\b`) are copied untouched, so `\\ss` stays `\\ss` but `kill` becomes `kil`.
    """
    out: list[str] = []
    previous: str | None = None
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            out.append(source[index : index + 2])
            previous = None
            index += 2
            continue
        if not (char.isalpha() and char == previous):
            out.append(char)
        previous = char if char.isalpha() else None
        index += 1
    return "".join(out)
