"""The part of a long message an alert quotes: around the words the risk screen matched.

Quoting only the first 500 characters hides risk words written at the end of a long
message from the supervisor who must judge it. The screen reports the *normalised* words it
matched; they are found again in the original by normalising word by word, so leetspeak,
accents and repeated letters still point at the right place.
"""

from __future__ import annotations

import re

from content.clinical.risk import normalise, normalised_variants

ELLIPSIS = "…"
_WORD = re.compile(r"\S+")


def _match_start(text: str, matched: str) -> int | None:
    wanted = normalise(matched).split()
    if not wanted:
        return None
    spans = list(_WORD.finditer(text))
    for reading in (0, -1):  # plain, then the leetspeak reading ("d1e" → "die")
        words = [(m.start(), normalised_variants(m.group())[reading]) for m in spans]
        for index, (start, _) in enumerate(words):
            following = " ".join(w for _, w in words[index : index + len(wanted)])
            if following.startswith(" ".join(wanted)):
                return start
        for start, word in words:  # the phrase may span punctuation: its first word will do
            if word == wanted[0]:
                return start
    return None


def excerpt(text: str, matched: str | None, limit: int = 500) -> str:
    """At most `limit` characters of `text`, centred a little before the matched words."""
    if len(text) <= limit:
        return text
    at = _match_start(text, matched) if matched else None
    if at is None:
        return text[: limit - 1] + ELLIPSIS
    start = max(0, min(at - limit // 3, len(text) - limit))
    end = start + limit
    piece = text[start:end]
    if start > 0:
        piece = ELLIPSIS + piece[1:]
    if end < len(text):
        piece = piece[:-1] + ELLIPSIS
    return piece
