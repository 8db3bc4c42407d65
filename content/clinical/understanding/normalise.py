"""The one form every understanding pattern and every patient message is matched in.

Patients type on phones, tired, in two languages: "Im sooo TIRED 😴", "caminé 20min", "1.5h".
Normalising both the message and the patterns the same way lets a short phrase list cover
them all:

- Unicode compatibility forms folded, emoji read as the words the lexicon gives them
  ("😴" -> "sleepy"), the rest of the emoji dropped;
- case folded, accents and invisible characters removed, apostrophes dropped
  ("can't" -> "cant", "caminé" -> "camine");
- digits split from letters ("20min" -> "20 min", "1h30" -> "1 h 30"), a decimal point or
  comma between digits kept as "." ("1,5h" -> "1.5 h");
- every other non-letter a single space; runs of one repeated letter collapsed
  ("sooo" -> "so", "feeling" -> "feling"), which phrases get too, so both sides agree.

Kept apart from the risk screen's normaliser on purpose: risk screening is safety-critical and
is changed on its own review cycle; this one serves conversation and can change freely.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from content.clinical.regex_collapse import collapse_regex

_APOSTROPHES = str.maketrans("", "", "'’‘`´ʼ′＇")
_DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf"})
_DECIMAL = re.compile(r"(?<=\d)[.,](?=\d)")
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
_NON_WORD = re.compile(r"[^\w\x00]+|_")
_REPEATED_LETTER = re.compile(r"([^\W\d_])\1+")
_POINT = "\x00"  # a decimal point while non-word characters are removed
VARIATION_SELECTOR = "\ufe0f"


def emoji_table(emoji: Mapping[str, str]) -> dict[int, str]:
    """A `str.translate` table that writes each emoji as ` word `."""
    return {ord(key.replace(VARIATION_SELECTOR, "")): f" {word} " for key, word in emoji.items()}


def normalise(text: str, emoji: Mapping[int, str] | None = None) -> str:
    """`text` in the matched form (see the module docstring); `emoji` from `emoji_table`."""
    text = unicodedata.normalize("NFKC", text).replace(VARIATION_SELECTOR, "")
    if emoji:
        text = text.translate(emoji)
    text = text.casefold()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFD", text)
        text = "".join(c for c in decomposed if unicodedata.category(c) not in _DROPPED_CATEGORIES)
    text = _DECIMAL.sub(_POINT, text.translate(_APOSTROPHES))
    text = _NON_WORD.sub(" ", _DIGIT_LETTER.sub(" ", text))
    return _REPEATED_LETTER.sub(r"\1", text).replace(_POINT, ".").strip()


def normalise_phrase(phrase: str) -> str:
    """A lexicon phrase in the same form, so it matches what patients type."""
    return normalise(phrase)


__all__ = ["collapse_regex", "emoji_table", "normalise", "normalise_phrase"]
