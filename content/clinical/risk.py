"""The free-text risk screen: does this message need a human from the care team to look at it?

A transparent screen, not a classifier: every decision names the lexicon pattern that made it
(`RiskFinding.reason`, e.g. `indirect_ideation:never_wake_up`), and every pattern lives in a
YAML file a clinician can read (`data/risk/{lang}.yaml`). See `docs/safety/detector.md`.

How a message is screened:

1. It is normalised: Unicode compatibility forms folded, case folded, accents and zero-width
   characters removed, apostrophes dropped ("can't" -> "cant"), every other non-letter turned
   into a single space, and runs of one repeated letter collapsed ("diiie" -> "die",
   "kill" -> "kil"). Patterns are compiled in the same collapsed form. A second variant with
   digits read as letters ("k1ll") is screened too when it differs.
2. Exceptions (figurative exercise talk like "this workout is killing me") are found in the
   patterns of every language, and their spans are removed before the risk patterns run.
3. Risk patterns of every shipped language run, the patient's language first and, within a
   language, categories in priority order. Patients mix languages, so all are always used.
4. A risk match that overlaps an exception but is not wholly inside it still flags, so an
   exception can only ever hide the words it was written for.

When in doubt the screen flags: a needless check by a human costs minutes, a missed crisis can
cost a life. That is why negations ("I'm not suicidal") and talk about other people flag too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Self

import yaml

from content.schemas.risk import (
    TERM_REFERENCE,
    LexiconPattern,
    RiskLexicon,
    top_level_branches,
)

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent.parent / "data"

# Apostrophes are dropped so "can't", "can’t" and "cant" read the same.
_DROP_APOSTROPHES = str.maketrans("", "", "'’‘`´ʼ′＇")
# A few emoji stand for means of harm; they become words the lexicons can name.
_EMOJI_WORDS = str.maketrans(
    {"🔫": " gun ", "🔪": " knife ", "💊": " pills ", "🪢": " rope ", "🩸": " blood "}
)
# Digits and symbols read as letters inside words ("k1ll", "$uicide").
_LEET = str.maketrans("013457@$", "oieastas")
_LEET_CHARS = frozenset("013457@$")
_NON_WORD = re.compile(r"[\W_]+")
_REPEATED_LETTER = re.compile(r"([^\W\d_])\1+")
# Combining marks (accents) and format characters (zero-width spaces, joiners) are dropped.
_DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf"})
_BLANK = " | "


@dataclass(frozen=True, slots=True)
class RiskFinding:
    """The outcome of screening one message; `matched` is the normalised text that matched."""

    flagged: bool
    category: str | None = None
    pattern_id: str | None = None
    matched: str | None = None

    @property
    def reason(self) -> str:
        """`category:pattern_id` for a flag, `none` otherwise: one line in a report or alert."""
        if not self.flagged:
            return "none"
        return f"{self.category}:{self.pattern_id}"


NO_RISK = RiskFinding(flagged=False)


def _fold(text: str) -> str:
    """Compatibility forms, case, accents, invisible characters and apostrophes folded."""
    if text.isascii():  # the common case, and ASCII needs none of the Unicode steps
        return text.lower().translate(_DROP_APOSTROPHES)
    text = unicodedata.normalize("NFKC", text).translate(_EMOJI_WORDS).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in _DROPPED_CATEGORIES)
    return kept.translate(_DROP_APOSTROPHES)


def _finish(folded: str) -> str:
    return _REPEATED_LETTER.sub(r"\1", _NON_WORD.sub(" ", folded)).strip()


def _read_leet(folded: str) -> str:
    if _LEET_CHARS.isdisjoint(folded):
        return folded
    words = folded.split()
    changed = [
        word.translate(_LEET)
        if any(c.isalpha() for c in word) and not _LEET_CHARS.isdisjoint(word)
        else word
        for word in words
    ]
    return " ".join(changed)


def normalise(text: str) -> str:
    """The form every pattern is matched against (see the module docstring)."""
    return _finish(_fold(text))


def normalised_variants(text: str) -> tuple[str, ...]:
    """The normalised text, and its leetspeak reading when that differs."""
    folded = _fold(text)
    plain = _finish(folded)
    leet = _finish(_read_leet(folded))
    return (plain,) if leet == plain else (plain, leet)


def collapse_regex(source: str) -> str:
    """Write each run of one repeated literal letter once, as `normalise` does to text.

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


def _phrase_source(phrase: str) -> str:
    # Normalised text holds only word characters and single spaces: nothing to escape.
    return normalise(phrase)


def pattern_source(pattern: LexiconPattern, terms: Mapping[str, tuple[str, ...]]) -> str:
    """The regular expression a lexicon pattern is compiled to."""
    if pattern.phrase is not None:
        return rf"\b{_phrase_source(pattern.phrase)}\b"
    assert pattern.regex is not None  # guaranteed by the schema

    def expand(match: re.Match[str]) -> str:
        phrases = sorted({_phrase_source(t) for t in terms[match.group(1)]})
        return "(?:" + "|".join(phrases) + ")"

    return collapse_regex(TERM_REFERENCE.sub(expand, pattern.regex))


# A group that is only a list of literal words, like `(want|wanna|wish)`.
_WORD_LIST_GROUP = re.compile(r"(?<!\\)\((\?:)?([\w |]*\|[\w |]*)\)")


_Trie = dict[str, "_Trie"]


def _trie(words: Iterable[str]) -> str:
    """One expression for a list of literal words that shares their prefixes.

    `(want|wanted|wish)` becomes `(?:w(?:ant(?:ed)?|ish))`: the regex engine then decides on
    the first letter instead of trying every word in turn.
    """
    root: _Trie = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: _Trie) -> str:
        branches = [char + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return body + "?" if len(branches) == 1 and len(body) == 1 else f"(?:{body})?"
        return body

    return build(root)


def optimise_regex(source: str) -> str:
    """The same language as `source`, with every literal word list turned into a trie."""
    return _WORD_LIST_GROUP.sub(
        lambda m: f"({m.group(1) or ''}{_trie(m.group(2).split('|'))})", source
    )


_CAPTURING_GROUP = re.compile(r"(?<!\\)\((?!\?)")


def _anchored_body(source: str) -> str:
    """A pattern rewritten to be searched in `" " + text`: see `compile_anchored`."""
    source = _CAPTURING_GROUP.sub("(?:", optimise_regex(source))
    return "|".join(branch[2:] for branch in top_level_branches(source))


def compile_anchored(*sources: str) -> re.Pattern[str]:
    """One or more patterns compiled for searching in `" " + text`.

    Every pattern starts each alternative at a word boundary (the schema checks it), and in
    normalised text a word starts at the beginning or after a space. So the leading `\\b` is
    replaced by one literal space, and the regex engine skips from space to space instead of
    trying every pattern at every character. Groups are made non-capturing (nothing reads
    them, and saving group marks is what makes large alternations slow) and literal word lists
    become tries. Several times faster, same matches.
    """
    return re.compile(" (?:" + "|".join(_anchored_body(source) for source in sources) + ")")


@dataclass(frozen=True, slots=True)
class _Matcher:
    """One compiled lexicon pattern."""

    category: str
    pattern_id: str
    regex: re.Pattern[str]

    def first_match(self, padded: str, hidden: tuple[tuple[int, int], ...]) -> RiskFinding:
        """The first match in `" " + text` not wholly inside a hidden span of `text`."""
        position = 0
        while (match := self.regex.search(padded, position)) is not None:
            start, end = match.start(), match.end() - 1  # in the unpadded text
            if not any(low <= start and end <= high for low, high in hidden):
                return RiskFinding(True, self.category, self.pattern_id, match.group(0)[1:])
            position = start + 1
        return NO_RISK


@dataclass(frozen=True, slots=True)
class _PatternGroup:
    """Patterns in priority order, with one expression that matches if any of them does.

    Most messages match nothing, and one search says so much faster than one per pattern.
    A group is only a pre-check: the finding always comes from the single patterns.
    """

    any_of: re.Pattern[str]
    parts: tuple[_Matcher | _PatternGroup, ...]

    @classmethod
    def of(cls, sources: Iterable[str], parts: Iterable[_Matcher | _PatternGroup]) -> Self:
        return cls(compile_anchored(*sources), tuple(parts))

    def first_match(self, padded: str, hidden: tuple[tuple[int, int], ...]) -> RiskFinding:
        if self.any_of.search(padded) is None:  # exact: no match at all, hidden or not
            return NO_RISK
        for part in self.parts:
            finding = part.first_match(padded, hidden)
            if finding.flagged:
                return finding
        return NO_RISK


class RiskScreen:
    """Screens free text with the risk lexicons of every language."""

    def __init__(self, lexicons: Mapping[str, RiskLexicon]) -> None:
        if not lexicons:
            raise ValueError("a risk screen needs at least one lexicon")
        self.lexicons: Mapping[str, RiskLexicon] = dict(lexicons)
        # language -> categories in priority order (schema-checked) -> patterns in file order
        self._by_language: dict[str, _PatternGroup] = {}
        exceptions: list[str] = []
        for language, lexicon in self.lexicons.items():
            everything: list[str] = []
            categories: list[_Matcher | _PatternGroup] = []
            for category in lexicon.categories:
                sources = [
                    (category.id, p.id, pattern_source(p, lexicon.terms))
                    for p in category.patterns
                ]
                matchers: list[_Matcher | _PatternGroup] = [
                    _Matcher(cat, pid, compile_anchored(src)) for cat, pid, src in sources
                ]
                categories.append(_PatternGroup.of((src for _, _, src in sources), matchers))
                everything.extend(src for _, _, src in sources)
            self._by_language[language] = _PatternGroup.of(everything, categories)
            exceptions.extend(pattern_source(p, lexicon.terms) for p in lexicon.exceptions)
        self._exceptions = tuple(compile_anchored(source) for source in exceptions)
        self._any_exception = compile_anchored(*exceptions) if exceptions else None

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.lexicons)

    def _order(self, language: str | None) -> tuple[str, ...]:
        """The patient's language first, then the others in the order they were given."""
        if language is not None and language in self.lexicons:
            return (language, *(other for other in self.lexicons if other != language))
        return tuple(self.lexicons)

    def exception_spans(self, normalised: str) -> tuple[tuple[int, int], ...]:
        """Merged spans of figurative speech (in normalised text) risk patterns may not use."""
        padded = f" {normalised}"
        if self._any_exception is None or self._any_exception.search(padded) is None:
            return ()
        found = sorted(
            (m.start(), m.end() - 1) for regex in self._exceptions for m in regex.finditer(padded)
        )
        merged: list[tuple[int, int]] = []
        for start, end in found:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return tuple(merged)

    def screen(self, text: str, language: str | None = None) -> RiskFinding:
        """Screen one message; `language` is the patient's, tried first. Never raises on text."""
        order = self._order(language)
        for variant in normalised_variants(text):
            finding = self._screen_normalised(variant, order)
            if finding.flagged:
                return finding
        return NO_RISK

    def _screen_normalised(self, text: str, order: tuple[str, ...]) -> RiskFinding:
        if not text:
            return NO_RISK
        spans = self.exception_spans(text)
        if not spans:
            return self._first(text, order, ())
        # First as the exceptions are meant: their words removed, the rest screened...
        pieces: list[str] = []
        cursor = 0
        for start, end in spans:
            pieces.append(text[cursor:start].strip())
            cursor = end
        pieces.append(text[cursor:].strip())
        finding = self._first(_BLANK.join(pieces), order, ())
        if finding.flagged:
            return finding
        # ...then the whole text, so a risk phrase that shares words with an exception
        # ("dead tired of living") still flags unless it lies wholly inside the exception.
        return self._first(text, order, spans)

    def _first(
        self, text: str, languages: tuple[str, ...], hidden: tuple[tuple[int, int], ...]
    ) -> RiskFinding:
        padded = f" {text}"
        for language in languages:
            finding = self._by_language[language].first_match(padded, hidden)
            if finding.flagged:
                return finding
        return NO_RISK

    def example_problems(self) -> list[str]:
        """Every lexicon example that its pattern fails to catch (or, for exceptions, cover)."""
        problems: list[str] = []
        for language, lexicon in self.lexicons.items():
            for where, pattern in lexicon.all_patterns():
                regex = re.compile(pattern_source(pattern, lexicon.terms))
                label = f"{language}:{where}:{pattern.id}"
                for example in pattern.examples:
                    if not any(regex.search(v) for v in normalised_variants(example)):
                        problems.append(f"{label}: pattern does not match example {example!r}")
                    finding = self.screen(example, language)
                    if where == "exceptions" and finding.flagged:
                        problems.append(
                            f"{label}: example {example!r} still flags as {finding.reason}"
                        )
                    if where != "exceptions" and not finding.flagged:
                        problems.append(f"{label}: example {example!r} does not flag")
        return problems


def load_risk_lexicons(directory: Path = DEFAULT_CONTENT_DIR) -> dict[str, RiskLexicon]:
    """Every `directory/risk/{lang}.yaml`, validated; raises on the first invalid file."""
    lexicons: dict[str, RiskLexicon] = {}
    for path in sorted((directory / "risk").glob("*.yaml")):
        lexicon = RiskLexicon.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        if lexicon.language != path.stem:
            raise ValueError(
                f"{path}: declares language {lexicon.language!r}; "
                f"the file must be named {lexicon.language}.yaml"
            )
        lexicons[path.stem] = lexicon
    if not lexicons:
        raise ValueError(f"no risk lexicons in {directory / 'risk'}")
    return lexicons


@cache
def shipped_risk_screen() -> RiskScreen:
    """The screen built from the lexicons shipped with Stride, compiled once per process."""
    return RiskScreen(load_risk_lexicons(DEFAULT_CONTENT_DIR))


def screen_lines(
    screen: RiskScreen, lines: Iterable[str], language: str | None = None
) -> Iterator[str]:
    """`risk\\t<reason>` or `none` for each line, for `stride screen-text`."""
    for line in lines:
        finding = screen.screen(line.rstrip("\r\n"), language)
        yield f"risk\t{finding.reason}" if finding.flagged else "none"


__all__ = [
    "DEFAULT_CONTENT_DIR",
    "NO_RISK",
    "RiskFinding",
    "RiskScreen",
    "load_risk_lexicons",
    "normalise",
    "normalised_variants",
    "screen_lines",
    "shipped_risk_screen",
]
