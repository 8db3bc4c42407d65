"""Text normalisation for the risk screen, remembering where every character came from.

Patients write on phones, in a hurry, and sometimes to get past a word filter. Before any
pattern is tried the text is rewritten into one plain form:

1. Each character is folded on its own: emoji that stand for words become those words
   (`data/risk/normalise.yaml`), Unicode NFKC (full-width and "mathematical" letters), look-
   alike letters from other alphabets become Latin ones (same file), case is folded, accents
   and invisible characters are dropped, apostrophes vanish ("can't" -> "cant") and every
   other non-letter becomes a space. `@` and `$` are kept for the leetspeak reading.
2. Zero-width characters are soft boundaries: "su\u200bicide" is one known word and is
   joined; "i\u200bwant\u200bto\u200bdie" is not, so it is split into words.
3. Three or more single letters in a row ("d i e", "d.i.e", "k-i-l-l m-e") are joined and cut
   into known words again ("i w a n t t o d i e" -> "i want to die"); letters that make no
   known word stay as they were.
4. Runs of one repeated letter are squeezed ("diiiie" -> "die", and "kill" -> "kil": patterns
   are compiled in the same squeezed form, so both sides agree).

Every output character keeps the span of the input it came from, so a match can be quoted
in the patient's own words (`Normalised.span`). A second reading with digits and `@ $` as
letters ("k1ll", "$uicide") is produced when it differs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from content.schemas.risk_policy import NormalisationTable

_APOSTROPHES = frozenset("'’‘`´ʼ′＇")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
_DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf"})
_LEET = str.maketrans("013457@$", "oieastas")
_LEET_SYMBOLS = frozenset("@$")
_LEET_CHARS = frozenset("013457@$")
_SOFT = "\x00"  # a zero-width boundary, inside a token until resolved
_MIN_SPACED_RUN = 3
_MAX_WORD = 24
_SINGLE_LETTER_WORDS = frozenset({"i", "a", "y", "o", "e", "u"})
_WORD_IN_REGEX = re.compile(r"[a-z]{2,}")

# One output character: (char, start, end) in the original text.
_Char = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Normalised:
    """Normalised text and, per character, the half-open span of the original it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that `text[start:end]` was made from."""
        if not self.text or start >= end:
            return (0, 0)
        return self.starts[start], self.ends[end - 1]


def _squeezed(word: str) -> str:
    return "".join(c for i, c in enumerate(word) if i == 0 or c != word[i - 1] or not c.isalpha())


class Normaliser:
    """Normalises text with one table of confusables and emoji and a vocabulary of words.

    The vocabulary (every word the lexicons use, squeezed) is what spaced-out letters and
    zero-width-separated words are cut back into.
    """

    def __init__(self, table: NormalisationTable, vocabulary: Iterable[str] = ()) -> None:
        self._emoji = {char: f" {words} " for char, words in table.emoji.items()}
        self._confusables = dict(table.confusables)
        self._cache: dict[str, str] = {}
        words = (*table.words, *vocabulary)
        self.vocabulary = frozenset(_squeezed(w) for w in words) | _SINGLE_LETTER_WORDS

    def with_vocabulary(self, words: Iterable[str]) -> Normaliser:
        other = Normaliser.__new__(Normaliser)
        other._emoji, other._confusables, other._cache = self._emoji, self._confusables, {}
        other.vocabulary = self.vocabulary | frozenset(_squeezed(w) for w in words)
        return other

    # -- step 1: characters ------------------------------------------------------------
    def _fold_char(self, char: str) -> str:
        cached = self._cache.get(char)
        if cached is not None:
            return cached
        if char in self._emoji:
            out = self._emoji[char]
        elif char in _ZERO_WIDTH:
            out = _SOFT
        else:
            pieces: list[str] = []
            for part in unicodedata.normalize("NFKC", char):
                part = self._confusables.get(part, part)
                for low in unicodedata.normalize("NFD", part.casefold()):
                    low = self._confusables.get(low, low)
                    if low in _APOSTROPHES or unicodedata.category(low) in _DROPPED_CATEGORIES:
                        continue
                    pieces.append(low if low.isalnum() or low in _LEET_SYMBOLS else " ")
            out = "".join(pieces)
        if len(self._cache) < 4096:
            self._cache[char] = out
        return out

    def _chars(self, text: str) -> list[_Char]:
        chars: list[_Char] = []
        for index, char in enumerate(text):
            if char.isascii():
                if char.isalnum() or char in _LEET_SYMBOLS:
                    chars.append((char.lower(), index, index + 1))
                elif char not in _APOSTROPHES:
                    chars.append((" ", index, index + 1))
                continue
            chars.extend((c, index, index + 1) for c in self._fold_char(char))
        return chars

    # -- steps 2 to 4: tokens -----------------------------------------------------------
    def variants(self, text: str) -> tuple[Normalised, ...]:
        """The plain reading and, when it differs, the leetspeak one."""
        chars = self._chars(text)
        plain = self._assemble(_tokens(chars, leet=False))
        if _LEET_CHARS.isdisjoint(c for c, _, _ in chars):
            return (plain,)
        leet = self._assemble(_tokens(chars, leet=True))
        return (plain,) if leet.text == plain.text else (plain, leet)

    def normalise(self, text: str) -> str:
        return self.variants(text)[0].text

    def _assemble(self, tokens: list[list[_Char]]) -> Normalised:
        words: list[list[_Char]] = []
        index = 0
        while index < len(tokens):
            run_end = index
            while run_end < len(tokens) and _single_letter(tokens[run_end]):
                run_end += 1
            if run_end - index >= _MIN_SPACED_RUN:
                run = tokens[index:run_end]
                pieces = [_squeeze(w) for w in self._segment([c for t in run for c in t])]
                # No word found: the letters stay as they were (so normalising twice
                # changes nothing).
                if all(len(p) == 1 for p in pieces):
                    pieces = [_squeeze(t) for t in run]
                words.extend(pieces)
                index = run_end
                continue
            token = tokens[index]
            if any(c == _SOFT for c, _, _ in token):
                words.extend(self._resolve_soft(token))
            else:
                words.append(_squeeze(token))
            index += 1
        out: list[_Char] = []
        for word in words:
            if not word:
                continue
            if out:
                out.append((" ", out[-1][2], word[0][1]))
            out.extend(word)
        return Normalised(
            "".join(c for c, _, _ in out),
            tuple(s for _, s, _ in out),
            tuple(e for _, _, e in out),
        )

    def _resolve_soft(self, token: list[_Char]) -> list[list[_Char]]:
        joined = _squeeze([c for c in token if c[0] != _SOFT])
        if "".join(c for c, _, _ in joined) in self.vocabulary:
            return [joined]
        parts: list[list[_Char]] = [[]]
        for char in token:
            if char[0] == _SOFT:
                parts.append([])
            else:
                parts[-1].append(char)
        return [_squeeze(part) for part in parts if part]

    def _segment(self, chars: list[_Char]) -> list[list[_Char]]:
        """Cut joined letters into known words, fewest pieces first (dynamic programming).

        Pieces are looked up squeezed but cut unsqueezed, so the double letter of "want to"
        ("wantto") stays split between the two words.
        """
        text = "".join(c for c, _, _ in chars)
        if _squeezed(text) in self.vocabulary:
            return [chars]
        size = len(text)
        best: list[tuple[int, int]] = [(0, 0)] + [(10**12, 0)] * size  # (cost, previous cut)
        for end in range(1, size + 1):
            for start in range(max(0, end - _MAX_WORD), end):
                piece = text[start:end]
                squeezed = _squeezed(piece)
                if squeezed in self.vocabulary:
                    cost = 10 if squeezed == piece else 11  # "want"+"to" beats "wan"+"tto"
                else:
                    cost = 30 if end - start == 1 else 10**7
                total = best[start][0] + cost
                if total < best[end][0]:
                    best[end] = (total, start)
        cuts: list[int] = []
        end = size
        while end > 0:
            cuts.append(end)
            end = best[end][1]
        cuts.append(0)
        cuts.reverse()
        return [chars[a:b] for a, b in pairwise(cuts)]


def _tokens(chars: list[_Char], *, leet: bool) -> list[list[_Char]]:
    """Characters split into tokens at spaces (and at `@ $` in the plain reading)."""
    tokens: list[list[_Char]] = []
    current: list[_Char] = []

    def flush() -> None:
        token = _leet(current) if leet else list(current)
        if any(c != _SOFT for c, _, _ in token):
            tokens.append(token)
        current.clear()

    for char in chars:
        for piece in char[0]:
            if piece == " " or (not leet and piece in _LEET_SYMBOLS):
                flush()
            else:
                current.append((piece, char[1], char[2]))
    flush()
    return tokens


def _leet(token: list[_Char]) -> list[_Char]:
    letters = [c for c, _, _ in token]
    if not any(c.isalpha() for c in letters) or _LEET_CHARS.isdisjoint(letters):
        return [(c, s, e) for c, s, e in token if c not in _LEET_SYMBOLS]
    return [(c.translate(_LEET), s, e) for c, s, e in token]


def _single_letter(token: list[_Char]) -> bool:
    """One letter, perhaps repeated ("a", "aaa"): what it reads as once squeezed."""
    first = token[0][0]
    return first.isalpha() and all(c == first for c, _, _ in token)


def _squeeze(chars: list[_Char]) -> list[_Char]:
    """Runs of one repeated letter become one letter spanning the whole run."""
    out: list[_Char] = []
    for char, start, end in chars:
        if out and char == out[-1][0] and char.isalpha():
            out[-1] = (char, out[-1][1], end)
        else:
            out.append((char, start, end))
    return out


def vocabulary_of(sources: Iterable[str]) -> set[str]:
    """Lower-case words of two or more letters in phrases, examples and regular expressions."""
    words: set[str] = set()
    for source in sources:
        words.update(_WORD_IN_REGEX.findall(source.casefold()))
    return words


__all__ = ["Normalised", "Normaliser", "vocabulary_of"]
