"""Maps a short patient message to an intent and its slots, transparently.

Not a classifier: every decision names the lexicon pattern that made it
(`Understanding.why`, e.g. `low_energy:too_tired`), and every pattern lives in a YAML file a
clinician can read (`data/understanding/{lang}.yaml`). See `docs/understanding.md`.

How a message is understood, in one language:

1. It is normalised (`normalise.py`): case, accents, apostrophes, emoji as words, digits
   split from letters, repeated letters collapsed.
2. Durations ("20 min", "half an hour") are found and each is replaced by the word
   `_duration_`, which patterns name as `{{duration}}`; the first one gives the `minutes` slot.
3. Intents are tried in priority order (`content.schemas.understanding.INTENTS`). For each,
   its exception spans ("not tired") are found first; a pattern match that lies wholly inside
   one does not count. A `whole` pattern counts only when the rest of the message is filler
   words or courtesy ("ok thanks, done!").
4. The first intent with a counting match wins. Activity reports and session answers get the
   `minutes`, `activity` and `modality` slots that the message holds.

The patient's language is tried first; when it understands nothing, the other languages are
tried, because patients mix languages ("ok gracias"). Risk is screened before this, by other
code: understanding never decides risk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from content.clinical.understanding.durations import DurationReader
from content.clinical.understanding.normalise import (
    collapse_regex,
    emoji_table,
    normalise,
    normalise_phrase,
)
from content.schemas.modalities import ModalityCatalogue
from content.schemas.understanding import (
    COURTESY_INTENTS,
    SLOT_INTENTS,
    TERM_REFERENCE,
    Pattern,
    UnderstandingLexicon,
)

DURATION_TOKEN = "_duration_"
# A `whole` answer is short; longer messages skip the check (and its backtracking).
MAX_WHOLE_WORDS = 12
Slots = Mapping[str, int | str]
_Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Understanding:
    """What a message means to Stride: an intent, its slots, and why.

    `why` is `intent:pattern_id` (or `unknown:…` saying why nothing matched); `matched` is the
    normalised text the pattern matched; `coverage` is the share of the message's letters that
    the winning pattern explains (1.0 for "done", less for a long sentence that mentions
    tiredness), for callers that want to be more careful with long messages.
    """

    intent: str
    slots: Slots = field(default_factory=dict)
    why: str = "unknown:no_pattern"
    matched: str | None = None
    language: str | None = None
    coverage: float = 0.0

    @property
    def understood(self) -> bool:
        return self.intent != "unknown"


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One pattern compiled; for a `whole` pattern, `full` matches the whole allowed message.

    `full` is the pattern, the other courtesy patterns and the filler words, repeated: the
    regex engine then finds a reading of the whole message if there is one, whichever order
    the alternatives were written in ("buenas tardes" is not "buenas" plus a stray word).
    """

    pattern_id: str
    regex: re.Pattern[str]
    full: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class _Intent:
    intent: str
    patterns: tuple[_Compiled, ...]
    exceptions: tuple[re.Pattern[str], ...]

    def exception_spans(self, text: str) -> list[_Span]:
        return [m.span() for regex in self.exceptions for m in regex.finditer(text)]

    def spans(self, text: str, hidden: list[_Span]) -> Iterator[tuple[_Compiled, _Span]]:
        """Every match of every pattern not wholly inside a hidden span, in pattern order."""
        for compiled in self.patterns:
            for match in compiled.regex.finditer(text):
                start, end = match.span()
                if end > start and not any(lo <= start and end <= hi for lo, hi in hidden):
                    yield compiled, (start, end)


@dataclass(frozen=True, slots=True)
class _Kind:
    """What an activity word says: the activity id and the modality id (either may be None)."""

    activity: str | None
    modality: str | None


def _words_regex(words: Iterable[str]) -> str:
    alternatives = sorted({normalise_phrase(w) for w in words}, key=lambda w: (-len(w), w))
    return "(?:" + "|".join(re.escape(w) for w in alternatives if w) + ")"


class LanguageUnderstander:
    """The compiled lexicon of one language."""

    def __init__(self, lexicon: UnderstandingLexicon, modalities: ModalityCatalogue) -> None:
        self.lexicon = lexicon
        self.language = lexicon.language
        self._emoji = emoji_table(lexicon.emoji)
        self.durations = DurationReader(lexicon.durations)
        modality_of = {a.id: a.modality for a in modalities.activities}
        self._kinds: dict[str, _Kind] = {}
        for entry in lexicon.activities:
            modality = modality_of.get(entry.activity or "", entry.modality)
            for word in entry.words:
                self._kinds.setdefault(normalise_phrase(word), _Kind(entry.activity, modality))
        terms = {name: _words_regex(words) for name, words in lexicon.terms.items()}
        terms["activity"] = _words_regex(self._kinds)
        terms["duration"] = DURATION_TOKEN
        self._activity = re.compile(rf"\b{terms['activity']}\b")
        fillers = _words_regex(lexicon.fillers) if lexicon.fillers else None
        courtesy: dict[str, list[str]] = {
            i.id: [self._source(p, terms) for p in i.patterns]
            for i in lexicon.intents
            if i.id in COURTESY_INTENTS
        }
        self.intents = tuple(
            _Intent(
                intent.id,
                tuple(
                    _Compiled(
                        p.id,
                        re.compile(self._source(p, terms)),
                        _full(self._source(p, terms), courtesy, intent.id, fillers)
                        if p.whole
                        else None,
                    )
                    for p in intent.patterns
                ),
                tuple(re.compile(self._source(p, terms)) for p in intent.exceptions),
            )
            for intent in lexicon.intents
        )
        self._courtesy = tuple(i for i in self.intents if i.intent in COURTESY_INTENTS)

    @staticmethod
    def _source(pattern: Pattern, terms: Mapping[str, str]) -> str:
        if pattern.phrase is not None:
            return rf"\b{re.escape(normalise_phrase(pattern.phrase))}\b"
        assert pattern.regex is not None  # guaranteed by the schema
        source = collapse_regex(pattern.regex)
        # Term lists are already normalised: substitute after collapsing the clinician's regex.
        return TERM_REFERENCE.sub(lambda m: terms[m.group(1)], source)

    def prepare(self, text: str) -> tuple[str, list[int]]:
        """The normalised text with durations replaced by the token, and their minutes."""
        words = tuple(normalise(text, self._emoji).split())
        out: list[str] = []
        minutes: list[int] = []
        at = 0
        for duration in self.durations.find(words):
            out.extend(words[at : duration.start])
            out.append(DURATION_TOKEN)
            minutes.append(duration.minutes)
            at = duration.end
        out.extend(words[at:])
        return " ".join(out), minutes

    def _courtesy_spans(self, text: str) -> dict[str, list[_Span]]:
        return {
            intent.intent: [span for _, span in intent.spans(text, intent.exception_spans(text))]
            for intent in self._courtesy
        }

    @staticmethod
    def _whole(
        compiled: _Compiled, text: str, own: _Span, intent: str, courtesy: dict[str, list[_Span]]
    ) -> bool:
        """Whether a `whole` pattern's match counts: the message is only it, fillers and
        courtesy, and the match is not just part of a courtesy phrase ("how" in "how are you").
        """
        assert compiled.full is not None
        if text.count(" ") >= MAX_WHOLE_WORDS or compiled.full.fullmatch(text) is None:
            return False
        start, end = own
        return not any(
            lo <= start and end <= hi
            for other, spans in courtesy.items()
            if other != intent
            for lo, hi in spans
        )

    def understand(self, text: str) -> Understanding:
        prepared, minutes = self.prepare(text)
        if not prepared:
            return Understanding("unknown", why="unknown:empty", language=self.language)
        courtesy: dict[str, list[_Span]] | None = None
        for intent in self.intents:
            hidden = intent.exception_spans(prepared)
            for compiled, (start, end) in intent.spans(prepared, hidden):
                if compiled.full is not None:
                    if courtesy is None:
                        courtesy = self._courtesy_spans(prepared)
                    if not self._whole(compiled, prepared, (start, end), intent.intent, courtesy):
                        continue
                return Understanding(
                    intent.intent,
                    self._slots(intent.intent, prepared, minutes),
                    f"{intent.intent}:{compiled.pattern_id}",
                    prepared[start:end],
                    self.language,
                    round(_letters(prepared[start:end]) / max(1, _letters(prepared)), 2),
                )
        return Understanding("unknown", language=self.language)

    def _slots(self, intent: str, prepared: str, minutes: list[int]) -> dict[str, int | str]:
        if intent not in SLOT_INTENTS:
            return {}
        slots: dict[str, int | str] = {}
        if minutes and 0 < minutes[0] <= self.durations.max_minutes:
            slots["minutes"] = minutes[0]
        match = self._activity.search(prepared)
        if match is not None:
            kind = self._kinds[match.group(0)]
            if kind.activity is not None:
                slots["activity"] = kind.activity
            if kind.modality is not None:
                slots["modality"] = kind.modality
        return slots


def _full(
    source: str, courtesy: Mapping[str, list[str]], intent: str, fillers: str | None
) -> re.Pattern[str]:
    """`source`, other courtesy patterns and filler words, repeated over the whole message."""
    parts = [
        source,
        *(s for other, sources in courtesy.items() if other != intent for s in sources),
    ]
    if fillers is not None:
        parts.append(rf"\b{fillers}\b")
    unit = "(?:" + "|".join(f"(?:{part})" for part in parts) + ")"
    return re.compile(f"{unit}(?: {unit})*")


def _letters(text: str) -> int:
    return sum(c.isalnum() for c in text)


class Understander:
    """Understands messages in every shipped language, the patient's language first."""

    def __init__(
        self, lexicons: Mapping[str, UnderstandingLexicon], modalities: ModalityCatalogue
    ) -> None:
        if not lexicons:
            raise ValueError("understanding needs at least one lexicon")
        self.languages: dict[str, LanguageUnderstander] = {
            language: LanguageUnderstander(lexicon, modalities)
            for language, lexicon in lexicons.items()
        }

    def _order(self, language: str | None) -> list[LanguageUnderstander]:
        first = self.languages.get(language or "")
        rest = [u for u in self.languages.values() if u is not first]
        return [first, *rest] if first is not None else rest

    def understand(self, text: str, language: str | None = None) -> Understanding:
        """The intent and slots of one message; never raises on text."""
        first: Understanding | None = None
        for understander in self._order(language):
            result = understander.understand(text)
            if result.understood:
                return result
            first = first or result
        assert first is not None
        return first

    def example_problems(self) -> list[str]:
        """Every lexicon example its pattern does not understand (or its exception, cover)."""
        problems: list[str] = []
        for language, understander in self.languages.items():
            lexicon = understander.lexicon
            for intent in lexicon.intents:
                for where, patterns in (("", intent.patterns), (".exceptions", intent.exceptions)):
                    for pattern in patterns:
                        label = f"{language}:{intent.id}{where}:{pattern.id}"
                        for example in pattern.examples:
                            got = understander.understand(example)
                            if not where and got.intent != intent.id:
                                problems.append(f"{label}: {example!r} is read as {got.why}")
                            if where and got.intent == intent.id:
                                problems.append(f"{label}: {example!r} still reads as {got.why}")
        return problems


def understanding_lines(
    understander: Understander,
    lines: Iterable[str],
    language: str | None = None,
    *,
    why: bool = False,
) -> Iterator[str]:
    """`intent<TAB>slots` (and `<TAB>why`) for each line, for `stride understand-text`."""
    for line in lines:
        found = understander.understand(line.rstrip("\r\n"), language)
        fields = [found.intent, slots_text(found.slots)] + ([found.why] if why else [])
        yield "\t".join(fields)


def slots_text(slots: Slots) -> str:
    """Slots as `key=value` pairs in a fixed order, or `-`: one field of `understand-text`."""
    return " ".join(f"{key}={slots[key]}" for key in sorted(slots)) or "-"


__all__ = [
    "DURATION_TOKEN",
    "LanguageUnderstander",
    "Slots",
    "Understander",
    "Understanding",
    "slots_text",
    "understanding_lines",
]
