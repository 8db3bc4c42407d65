"""The free-text risk screen: does this message need a human from the care team to look at it?

A transparent screen, not a classifier: every decision names the warning-sign category and the
lexicon pattern that made it (`RiskMatch.reason`, e.g. `means:how_many_pills`), quotes the
patient's own words (`RiskMatch.start/end` are offsets into the screened text), and every
pattern lives in a YAML file a clinician can read (`data/risk/{lang}.yaml`). See
`docs/safety/detector.md`.

How a message is screened:

1. It is normalised (`normalise.py`): emoji and look-alike letters, spaced-out and dotted
   letters, zero-width characters, repeated letters, accents and apostrophes; a leetspeak
   reading is screened too when it differs.
2. Exceptions are found: figurative exercise talk ("this workout is killing me") and everyday
   idioms ("my boss is going to kill me"). An exception with `requires` applies only when one
   of those terms (exercise, fatigue) is in the same message, so "pretend I'm dead" is not
   hidden by the "I'm dead" exercise exception.
3. Every risk pattern of every shipped language is tried, the patient's language first
   (patients mix languages). A match counts unless it lies wholly inside an exception, so an
   exception can only hide the words it was written for.
4. The level is the highest of the matched categories: `risk` (alert now) or `concern` (ask
   the patient directly). The first match in priority order names the finding.

When in doubt the screen flags: a needless check by a human costs minutes, a missed crisis can
cost a life. That is why negations ("I'm not suicidal") and talk about other people flag too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Self

import yaml

from content.clinical.risk.normalise import Normalised, Normaliser, vocabulary_of
from content.clinical.risk.patterns import compile_anchored, pattern_source
from content.schemas.risk import LEVELS, FlagLevel, Level, RiskLexicon
from content.schemas.risk_policy import NormalisationTable

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[2] / "data"
_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}


@dataclass(frozen=True, slots=True)
class RiskMatch:
    """One warning sign found: which, at what level, and where in the screened text."""

    category: str
    pattern_id: str
    level: FlagLevel
    words: str  # the normalised words that matched
    start: int  # offsets into the text given to `screen` (half-open)
    end: int

    @property
    def reason(self) -> str:
        return f"{self.category}:{self.pattern_id}"

    def quote(self, text: str, context: int = 40) -> str:
        """The matched words with up to `context` characters either side, for an alert."""
        low, high = max(0, self.start - context), min(len(text), self.end + context)
        before = ("…" if low else "") + text[low : self.start]
        after = text[self.end : high] + ("…" if high < len(text) else "")
        return f"{before}«{text[self.start : self.end]}»{after}"


@dataclass(frozen=True, slots=True)
class RiskFinding:
    """The outcome of screening one message.

    `level` is `none`, `concern` or `risk`; `flagged` is True for both `concern` and `risk`
    (a person should look either way; see `urgent`). `matches` lists every warning sign found,
    in priority order; the first names the finding (`category`, `pattern_id`, `matched`).
    """

    level: Level = "none"
    matches: tuple[RiskMatch, ...] = ()

    @property
    def flagged(self) -> bool:
        return self.level != "none"

    @property
    def urgent(self) -> bool:
        """Risk level: the crisis path now, no question first."""
        return self.level == "risk"

    @property
    def category(self) -> str | None:
        return self.matches[0].category if self.matches else None

    @property
    def pattern_id(self) -> str | None:
        return self.matches[0].pattern_id if self.matches else None

    @property
    def matched(self) -> str | None:
        return self.matches[0].words if self.matches else None

    @property
    def categories(self) -> tuple[str, ...]:
        """Every warning-sign category found, in priority order, each once."""
        return tuple(dict.fromkeys(m.category for m in self.matches))

    @property
    def reason(self) -> str:
        """`category:pattern_id` of the first match, `none` otherwise: one line in an alert."""
        return self.matches[0].reason if self.matches else "none"

    def describe(self, text: str, context: int = 40) -> str:
        """Every match as `category: «quoted words»`, one per line, for an alert."""
        return "\n".join(f"{m.category}: {m.quote(text, context)}" for m in self.matches)


NO_RISK = RiskFinding()


@dataclass(frozen=True, slots=True)
class _Matcher:
    """One compiled lexicon pattern."""

    category: str
    pattern_id: str
    level: FlagLevel
    regex: re.Pattern[str]
    hidden_by_overlap: bool = False

    def first_match(
        self, padded: str, source: Normalised, hidden: tuple[tuple[int, int], ...]
    ) -> RiskMatch | None:
        """The first match in `" " + text` not wholly inside a hidden span of `text`."""
        position = 0
        while (match := self.regex.search(padded, position)) is not None:
            start, end = match.start(), match.end() - 1  # in the unpadded text
            if self.hidden_by_overlap:
                visible = not any(start < high and low < end for low, high in hidden)
            else:
                visible = not any(low <= start and end <= high for low, high in hidden)
            if visible:
                low, high = source.span(start, end)
                words = match.group(0)[1:]
                return RiskMatch(self.category, self.pattern_id, self.level, words, low, high)
            position = start + 1
        return None


@dataclass(frozen=True, slots=True)
class _Category:
    """A category's patterns, with one expression that matches if any of them does."""

    any_of: re.Pattern[str]
    matchers: tuple[_Matcher, ...]

    @classmethod
    def of(cls, sources: list[str], matchers: Iterable[_Matcher]) -> Self:
        return cls(compile_anchored(*sources), tuple(matchers))


@dataclass(frozen=True, slots=True)
class _Exception:
    regex: re.Pattern[str]
    requires: re.Pattern[str] | None


class RiskScreen:
    """Screens free text with the risk lexicons of every language."""

    def __init__(
        self, lexicons: Mapping[str, RiskLexicon], table: NormalisationTable | None = None
    ) -> None:
        if not lexicons:
            raise ValueError("a risk screen needs at least one lexicon")
        self.lexicons: Mapping[str, RiskLexicon] = dict(lexicons)
        base = Normaliser(table or shipped_normalisation_table())
        self.normaliser = base.with_vocabulary(_lexicon_words(self.lexicons.values()))
        phrase = base.normalise
        self._by_language: dict[str, tuple[re.Pattern[str], tuple[_Category, ...]]] = {}
        exceptions: list[_Exception] = []
        exception_sources: list[str] = []
        for language, lexicon in self.lexicons.items():
            everything: list[str] = []
            categories: list[_Category] = []
            for category in lexicon.categories:
                sources = [pattern_source(p, lexicon.terms, phrase) for p in category.patterns]
                matchers = [
                    _Matcher(
                        category.id,
                        p.id,
                        p.level or category.level,
                        compile_anchored(src),
                        category.hidden_by_overlap,
                    )
                    for p, src in zip(category.patterns, sources, strict=True)
                ]
                categories.append(_Category.of(sources, matchers))
                everything.extend(sources)
            self._by_language[language] = (compile_anchored(*everything), tuple(categories))
            for pattern in lexicon.exceptions:
                context = [
                    pattern_source_of_terms(lexicon.terms[t], phrase) for t in pattern.requires
                ]
                source = pattern_source(pattern, lexicon.terms, phrase)
                exception_sources.append(source)
                exceptions.append(
                    _Exception(
                        compile_anchored(source),
                        compile_anchored(*context) if context else None,
                    )
                )
        self._exceptions = tuple(exceptions)
        self._any_exception = compile_anchored(*exception_sources) if exceptions else None

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.lexicons)

    def _order(self, language: str | None) -> tuple[str, ...]:
        """The patient's language first, then the others in the order they were given."""
        if language is not None and language in self.lexicons:
            return (language, *(other for other in self.lexicons if other != language))
        return tuple(self.lexicons)

    def normalise(self, text: str) -> str:
        return self.normaliser.normalise(text)

    def exception_spans(
        self, normalised: str, context: Iterable[str] = ()
    ) -> tuple[tuple[int, int], ...]:
        """Merged spans of figurative speech (in normalised text) risk patterns may not use.

        An exception's `requires` terms are looked for in `normalised` and in every other
        reading in `context` (so "5k" still counts as exercise in the leetspeak reading).
        """
        padded = f" {normalised}"
        if self._any_exception is None or self._any_exception.search(padded) is None:
            return ()
        readings = [padded, *(f" {text}" for text in context)]
        found = sorted(
            (m.start(), m.end() - 1)
            for exception in self._exceptions
            if exception.requires is None
            or any(exception.requires.search(reading) for reading in readings)
            for m in exception.regex.finditer(padded)
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
        found: dict[tuple[str, str], RiskMatch] = {}
        variants = self.normaliser.variants(text)
        readings = [v.text for v in variants]
        for variant in variants:
            for match in self._matches(variant, order, readings):
                found.setdefault((match.category, match.pattern_id), match)
        if not found:
            return NO_RISK
        matches = tuple(found.values())
        level = max((m.level for m in matches), key=_LEVEL_RANK.__getitem__)
        first = sorted(matches, key=lambda m: _LEVEL_RANK[m.level], reverse=True)
        return RiskFinding(level, tuple(first))

    def _matches(
        self, source: Normalised, order: tuple[str, ...], readings: list[str]
    ) -> Iterator[RiskMatch]:
        if not source.text:
            return
        hidden = self.exception_spans(source.text, readings)
        padded = f" {source.text}"
        for language in order:
            any_of, categories = self._by_language[language]
            if any_of.search(padded) is None:
                continue
            for category in categories:
                if category.any_of.search(padded) is None:
                    continue
                for matcher in category.matchers:
                    match = matcher.first_match(padded, source, hidden)
                    if match is not None:
                        yield match

    def example_problems(self) -> list[str]:
        """Every lexicon example that its pattern fails to catch (or, for exceptions, cover)."""
        problems: list[str] = []
        phrase = self.normaliser.normalise
        for language, lexicon in self.lexicons.items():
            for where, pattern in lexicon.all_patterns():
                regex = re.compile(pattern_source(pattern, lexicon.terms, phrase))
                label = f"{language}:{where}:{pattern.id}"
                for example in pattern.examples:
                    variants = self.normaliser.variants(example)
                    if not any(regex.search(v.text) for v in variants):
                        problems.append(f"{label}: pattern does not match example {example!r}")
                    finding = self.screen(example, language)
                    if where == "exceptions" and finding.flagged:
                        problems.append(
                            f"{label}: example {example!r} still flags as {finding.reason}"
                        )
                    if where != "exceptions" and not finding.flagged:
                        problems.append(f"{label}: example {example!r} does not flag")
        return problems


def pattern_source_of_terms(terms: Iterable[str], normalise: Callable[[str], str]) -> str:
    """A context pattern: any of the phrases of a term list, as whole words."""
    return r"\b(?:" + "|".join(sorted({normalise(t) for t in terms})) + r")\b"


def _lexicon_words(lexicons: Iterable[RiskLexicon]) -> set[str]:
    sources: list[str] = []
    for lexicon in lexicons:
        for phrases in lexicon.terms.values():
            sources.extend(phrases)
        for _, pattern in lexicon.all_patterns():
            sources.extend(pattern.examples)
            sources.append(pattern.phrase or pattern.regex or "")
    return vocabulary_of(sources)


def load_risk_lexicons(directory: Path = DEFAULT_CONTENT_DIR) -> dict[str, RiskLexicon]:
    """Every `directory/risk/{lang}.yaml`, validated; raises on the first invalid file."""
    lexicons: dict[str, RiskLexicon] = {}
    for path in lexicon_paths(directory):
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


def lexicon_paths(directory: Path) -> list[Path]:
    """The language files in `directory/risk/` (two-letter names; the policy files are not)."""
    return [p for p in sorted((directory / "risk").glob("*.yaml")) if len(p.stem) == 2]


def load_normalisation_table(directory: Path = DEFAULT_CONTENT_DIR) -> NormalisationTable:
    path = directory / "risk" / "normalise.yaml"
    if not path.exists():  # an older content directory: fall back to the shipped table
        path = DEFAULT_CONTENT_DIR / "risk" / "normalise.yaml"
    return NormalisationTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def shipped_normalisation_table() -> NormalisationTable:
    return load_normalisation_table(DEFAULT_CONTENT_DIR)


@cache
def shipped_risk_screen() -> RiskScreen:
    """The screen built from the lexicons shipped with Stride, compiled once per process."""
    return RiskScreen(load_risk_lexicons(DEFAULT_CONTENT_DIR))


def normalise(text: str) -> str:
    """The plain normalised reading of `text` with the shipped table and vocabulary."""
    return shipped_risk_screen().normalise(text)


def normalised_variants(text: str) -> tuple[str, ...]:
    """The plain reading and, when it differs, the leetspeak one (shipped screen)."""
    return tuple(v.text for v in shipped_risk_screen().normaliser.variants(text))


__all__ = [
    "DEFAULT_CONTENT_DIR",
    "NO_RISK",
    "RiskFinding",
    "RiskMatch",
    "RiskScreen",
    "lexicon_paths",
    "load_normalisation_table",
    "load_risk_lexicons",
    "normalise",
    "normalised_variants",
    "shipped_risk_screen",
]
