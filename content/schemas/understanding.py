"""Understanding short patient messages: phrase lists per language, and what each intent leads to.

Two kinds of file, both read by clinicians:

- `data/understanding/{lang}.yaml`: the phrases and patterns that map a message to an intent
  (feeling or barrier, activity report, session answer, question...), with per-intent
  exceptions ("not tired"), the words for activities and durations, emoji read as words, and
  the filler words that may surround a one-word answer ("done pls").
- `data/understanding/routes.yaml`: one table, intent -> what Stride does (a barrier script, an
  offer to log, a session answer, a reply with at most three choices (buttons), the help text,
  or the short fallback).

The schema checks everything a file can get wrong on its own: known intents in the documented
priority order, unique pattern ids, patterns in the normalised form the engine matches against,
term lists that exist. Cross-references (barrier ids, activity and modality ids, text keys) are
checked by `content.loader`. How patterns are applied lives in `content.clinical.understanding`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal, Self, get_args

from pydantic import Field, StringConstraints, field_validator, model_validator

from content.schemas.base import Identifier, LanguageCode, StrictModel, TextKey

IntentId = Literal[
    "stop",
    "medicine_question",
    "activity_report",
    "session_done",
    "session_partial",
    "session_skipped",
    "pain_or_health",
    "no_one_to_go_with",
    "no_place_or_kit",
    "no_time",
    "low_energy",
    "negative_thinking",
    "cant_get_going",
    "low_mood",
    "session_cant",
    "help",
    "greeting",
    "thanks",
    "unknown",
]
# Every intent, in priority order: when a message matches several, the first one wins. Wishes
# that change what Stride does for everyone (stop) and the one clinical rule that must always be
# said (medicine) come first; then reports that must never be lost (activity, session answers);
# then barriers, most specific first; "can't today" after them, so "can't today, too tired"
# opens the energy script; courtesy last. `unknown` is what is left: it has no patterns.
INTENTS: tuple[IntentId, ...] = get_args(IntentId)
MATCHED_INTENTS: tuple[IntentId, ...] = INTENTS[:-1]
# Intents whose messages may carry minutes and an activity worth keeping.
SLOT_INTENTS: frozenset[IntentId] = frozenset(
    {"activity_report", "session_done", "session_partial"}
)
# Words matched by these intents may surround a `whole` answer of another ("thanks, done!").
COURTESY_INTENTS: frozenset[IntentId] = frozenset({"thanks", "greeting"})

PatternId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]
TermName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]
Word = Annotated[str, StringConstraints(min_length=1, max_length=60)]

# `{{name}}` in a regular expression stands for the lexicon's `terms.name` list; `{{activity}}`
# (every activity word) and `{{duration}}` (any duration the engine recognised) are built in.
TERM_REFERENCE = re.compile(r"\{\{([a-z][a-z0-9_]*)\}\}")
BUILT_IN_TERMS = frozenset({"activity", "duration"})
_ESCAPE = re.compile(r"\\.", re.DOTALL)
_DOUBLED_THEN_QUANTIFIED = re.compile(r"([a-z])\1[?*+{]")
_FORBIDDEN = re.compile(r"\(\?P|\(\?<\w|\\[0-9]|\(\?[aiLmsux]")


def regex_problems(source: str, terms: set[str]) -> list[str]:
    """Why a lexicon regular expression is invalid or can never match normalised text."""
    problems: list[str] = []
    unknown = sorted(set(TERM_REFERENCE.findall(source)) - terms - BUILT_IN_TERMS)
    if unknown:
        problems.append(f"refers to undefined terms {unknown}")
    bare = _ESCAPE.sub("_", TERM_REFERENCE.sub("_", source))
    if any(c.isupper() for c in bare) or not bare.isascii() or "'" in bare:
        problems.append("must be lower case ASCII without apostrophes (text is normalised)")
    if _DOUBLED_THEN_QUANTIFIED.search(bare):
        problems.append("quantifies a doubled letter; repeated letters are collapsed, write one")
    if _FORBIDDEN.search(source):
        problems.append("uses named groups, backreferences or inline flags")
    if problems:
        return problems
    try:
        compiled = re.compile(TERM_REFERENCE.sub("x", source))
    except re.error as error:
        return [f"does not compile: {error}"]
    if any(not m.group(0) for sample in ("", "x", "x y") for m in compiled.finditer(sample)):
        problems.append("can match the empty string")
    return problems


class Pattern(StrictModel):
    """One phrase or regular expression; its id names the decision (`low_energy:too_tired`).

    A `phrase` is normalised like patient text and matched as whole words. `whole: true` means
    the message must be this and nothing else, apart from filler words and courtesy ("done",
    "thanks, done!"), for words that mean something else inside a sentence. `examples` are
    messages the pattern must understand as its intent (or, for an exception, must cover).
    """

    id: PatternId
    phrase: str | None = Field(default=None, min_length=1)
    regex: str | None = Field(default=None, min_length=1)
    whole: bool = False
    examples: tuple[str, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if (self.phrase is None) == (self.regex is None):
            raise ValueError(f"pattern {self.id!r} needs exactly one of 'phrase' or 'regex'")
        if self.phrase is not None and not any(c.isalnum() for c in self.phrase):
            raise ValueError(f"pattern {self.id!r}: a phrase needs a letter or digit")
        return self


class IntentLexicon(StrictModel):
    """The patterns for one intent; exception spans are hidden from this intent's patterns."""

    id: IntentId
    description: str = Field(min_length=1)
    patterns: tuple[Pattern, ...] = Field(min_length=1)
    exceptions: tuple[Pattern, ...] = ()

    @model_validator(mode="after")
    def _exceptions_are_plain(self) -> Self:
        if any(p.whole for p in self.exceptions):
            raise ValueError(f"{self.id}: exceptions cannot be 'whole'")
        return self


class ActivityWords(StrictModel):
    """Words that name an activity; the modality follows from `modalities.yaml`.

    Give `activity` (an activity id), or `modality` when no single activity fits ("stretching"),
    or neither for words that say only that exercise happened ("worked out").
    """

    words: tuple[Word, ...] = Field(min_length=1)
    activity: Identifier | None = None
    modality: Identifier | None = None

    @model_validator(mode="after")
    def _not_both(self) -> Self:
        if self.activity is not None and self.modality is not None:
            raise ValueError("give an activity or a modality, not both (the activity has one)")
        return self


class Durations(StrictModel):
    """How a language writes a duration: `20 min`, `1h30`, `half an hour`, `una hora y media`."""

    minute_units: tuple[Word, ...] = Field(min_length=1)
    hour_units: tuple[Word, ...] = Field(min_length=1)
    numbers: dict[Word, int] = Field(min_length=1)
    fixed: dict[Word, int] = Field(default_factory=dict)
    joiners: tuple[Word, ...] = ()
    half_suffixes: tuple[Word, ...] = ()
    max_minutes: int = Field(default=300, gt=0)

    @field_validator("numbers", "fixed")
    @classmethod
    def _positive(cls, value: dict[str, int]) -> dict[str, int]:
        bad = sorted(word for word, number in value.items() if number <= 0)
        if bad:
            raise ValueError(f"numbers must be positive: {bad}")
        return value


class UnderstandingLexicon(StrictModel):
    """Everything that maps a message in one language to an intent and its slots."""

    schema_version: Literal[1]
    language: LanguageCode
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    reviewed: dt.date
    reviewed_by: str = Field(min_length=1)
    status: Literal["draft", "clinically_approved"]
    description: str = Field(min_length=1)
    emoji: dict[str, Word] = Field(default_factory=dict)
    fillers: tuple[Word, ...] = ()
    terms: dict[TermName, tuple[Word, ...]] = Field(default_factory=dict)
    durations: Durations
    activities: tuple[ActivityWords, ...] = Field(min_length=1)
    intents: tuple[IntentLexicon, ...]

    @field_validator("emoji")
    @classmethod
    def _one_character(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [key for key in value if len(key.replace("\ufe0f", "")) != 1]
        if bad:
            raise ValueError(f"each emoji key must be one character: {bad}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        order = tuple(intent.id for intent in self.intents)
        if order != MATCHED_INTENTS:
            raise ValueError(
                f"intents must be exactly {list(MATCHED_INTENTS)} in that (priority) order, "
                f"got {list(order)}"
            )
        reserved = sorted(set(self.terms) & BUILT_IN_TERMS)
        problems = [f"terms {reserved} are built in and cannot be redefined"] if reserved else []
        seen: set[str] = set()
        used: set[str] = set()
        for where, pattern in self.all_patterns():
            if pattern.id in seen:
                problems.append(f"{where}: pattern id {pattern.id!r} is used twice")
            seen.add(pattern.id)
            if pattern.regex is not None:
                used.update(TERM_REFERENCE.findall(pattern.regex))
                problems.extend(
                    f"{where}.{pattern.id}: regex {problem}"
                    for problem in regex_problems(pattern.regex, set(self.terms))
                )
        unused = sorted(set(self.terms) - used)
        if unused:
            problems.append(f"terms {unused} are defined but never used")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def all_patterns(self) -> list[tuple[str, Pattern]]:
        """(`intent` or `intent.exceptions`, pattern) for every pattern in the file."""
        found: list[tuple[str, Pattern]] = []
        for intent in self.intents:
            found.extend((intent.id, p) for p in intent.patterns)
            found.extend((f"{intent.id}.exceptions", p) for p in intent.exceptions)
        return found

    def intent(self, intent_id: str) -> IntentLexicon:
        for intent in self.intents:
            if intent.id == intent_id:
                return intent
        raise KeyError(intent_id)


# --- routes -------------------------------------------------------------------------------

# What a choice (a button under a reply) does. A closed list, so the conversation engine can
# check that it handles each one.
ChoiceAction = Literal[
    "show_today",  # today's session (/today)
    "log_mood",  # note how I feel (/mood)
    "show_help",  # the help text (/help)
    "open_barriers",  # the "what's in the way?" menu (/barrier)
    "pause",  # pause messages (/pause)
    "leave_programme",  # stop taking part: pause everything, tell the care team
    "confirm_log",  # log the activity just reported, with its parsed minutes and kind
    "change_log",  # log it, but let me correct minutes or kind (/log)
    "dismiss",  # nothing; the message is closed
]
SessionAnswer = Literal["done", "partial", "cant"]


class Choice(StrictModel):
    id: Identifier
    label_key: TextKey
    action: ChoiceAction


class _Choices(StrictModel):
    choices: tuple[Identifier, ...] = Field(default=(), max_length=3)


class BarrierScriptRoute(StrictModel):
    """Open the script of a barrier from `barriers.yaml` (it ends with a tiny plan)."""

    action: Literal["barrier_script"]
    barrier: Identifier


class OfferLogRoute(_Choices):
    """Offer to log the reported activity: one tap to confirm the parsed minutes and kind."""

    action: Literal["offer_log"]
    text_key: TextKey  # {minutes} and {activity} known
    without_minutes_key: TextKey  # {activity} known, minutes still to ask


class ReplyRoute(_Choices):
    """One short reply, with at most three choices."""

    action: Literal["reply"]
    text_key: TextKey


class HelpRoute(StrictModel):
    action: Literal["show_help"]


class FallbackRoute(_Choices):
    """Not understood: one short, warm line and at most three choices; never a command list."""

    action: Literal["fallback"]
    text_key: TextKey


PlainRoute = Annotated[
    BarrierScriptRoute | OfferLogRoute | ReplyRoute | HelpRoute | FallbackRoute,
    Field(discriminator="action"),
]


class SessionAnswerRoute(StrictModel):
    """Answer the session on offer; `outside_session` is what to do when none is open."""

    action: Literal["session_answer"]
    answer: SessionAnswer
    outside_session: PlainRoute


Route = Annotated[
    BarrierScriptRoute
    | OfferLogRoute
    | ReplyRoute
    | HelpRoute
    | FallbackRoute
    | SessionAnswerRoute,
    Field(discriminator="action"),
]


class RouteTable(StrictModel):
    """Intent -> what Stride does: the one table a clinician reads to audit the behaviour."""

    schema_version: Literal[1]
    version: str = Field(min_length=1)
    choices: tuple[Choice, ...] = Field(min_length=1)
    routes: dict[IntentId, Route]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[str] = []
        missing = [intent for intent in INTENTS if intent not in self.routes]
        if missing:
            problems.append(f"every intent needs a route; missing {missing}")
        if "unknown" in self.routes and self.routes["unknown"].action != "fallback":
            problems.append("`unknown` must route to the fallback")
        ids = [c.id for c in self.choices]
        if len(set(ids)) != len(ids):
            problems.append("choice ids must be unique")
        for intent, route in self.routes.items():
            for nested in (route, getattr(route, "outside_session", None)):
                unknown = sorted(set(getattr(nested, "choices", ())) - set(ids))
                if unknown:
                    problems.append(f"{intent}: unknown choices {unknown}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def choice(self, choice_id: str) -> Choice:
        for choice in self.choices:
            if choice.id == choice_id:
                return choice
        raise KeyError(choice_id)


def cross_reference_problems(
    lexicons: dict[str, UnderstandingLexicon],
    routes: RouteTable,
    barrier_ids: set[str],
    activity_ids: set[str],
    modality_ids: set[str],
) -> list[tuple[str, str, str]]:
    """(file, location, message) for every id the understanding files name but nobody defines."""
    problems: list[tuple[str, str, str]] = []
    for language, lexicon in lexicons.items():
        rel = f"understanding/{language}.yaml"
        for index, entry in enumerate(lexicon.activities):
            if entry.activity is not None and entry.activity not in activity_ids:
                problems.append(
                    (rel, f"activities.{index}", f"unknown activity {entry.activity!r}")
                )
            if entry.modality is not None and entry.modality not in modality_ids:
                problems.append(
                    (rel, f"activities.{index}", f"unknown modality {entry.modality!r}")
                )
    for intent, route in routes.routes.items():
        candidates: list[tuple[str, object]] = [(intent, route)]
        if isinstance(route, SessionAnswerRoute):
            candidates.append((f"{intent}.outside_session", route.outside_session))
        for where, candidate in candidates:
            if isinstance(candidate, BarrierScriptRoute) and candidate.barrier not in barrier_ids:
                message = f"unknown barrier {candidate.barrier!r}"
                problems.append(("understanding/routes.yaml", f"routes.{where}", message))
    return problems


__all__ = [
    "COURTESY_INTENTS",
    "INTENTS",
    "MATCHED_INTENTS",
    "SLOT_INTENTS",
    "ActivityWords",
    "Choice",
    "ChoiceAction",
    "Durations",
    "IntentId",
    "IntentLexicon",
    "Pattern",
    "Route",
    "RouteTable",
    "SessionAnswer",
    "UnderstandingLexicon",
    "cross_reference_problems",
    "regex_problems",
]
