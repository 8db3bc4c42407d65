"""Risk lexicons: the phrases that make Stride ask a human to check on a patient.

One file per language (`data/risk/{lang}.yaml`). Clinicians read and edit these files, so the
schema checks everything it can before a pattern ever meets a patient's message: ids, known
categories in the documented priority order, term lists that exist, and regular expressions
that compile and are written in the normalised form the screen matches against (lower case,
no accents, no apostrophes, each letter written once where a double letter is optional).

How the patterns are applied lives in `content.clinical.risk`; this module only says what a
valid lexicon looks like.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal, Self, get_args

from pydantic import Field, StringConstraints, field_validator, model_validator

from content.schemas.base import LanguageCode, StrictModel

# The warning signs of the suicide-prevention literature (talking about wanting to die or to
# kill oneself, looking for a way or the means, hopelessness or no reason to live, feeling
# trapped or in unbearable pain, being a burden, saying goodbye, giving things away, putting
# affairs in order, a sudden calm after despair), plus self-harm and a narrow catch-all of
# first-person death words.
RiskCategoryId = Literal[
    "means",
    "wish_to_die",
    "self_harm",
    "goodbye",
    "giving_away",
    "affairs_in_order",
    "burden",
    "trapped_pain",
    "hopelessness",
    "sudden_calm",
    "death_reference",
]
# Priority order: the first category that matches names the finding, so the most specific and
# most urgent categories come first and the catch-all `death_reference` comes last.
RISK_CATEGORIES: tuple[RiskCategoryId, ...] = get_args(RiskCategoryId)

# risk: a person from the care team is alerted now (the crisis path).
# concern: a weaker signal; Stride asks the patient directly (content/data/risk/concern.yaml).
Level = Literal["none", "concern", "risk"]
LEVELS: tuple[Level, ...] = get_args(Level)
FlagLevel = Literal["concern", "risk"]

PatternId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]
TermName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]

# `{{exercise}}` in a regular expression stands for the lexicon's `terms.exercise` list.
TERM_REFERENCE = re.compile(r"\{\{([a-z][a-z0-9_]*)\}\}")
_ESCAPE = re.compile(r"\\.", re.DOTALL)
# Named groups, backreferences and inline flags would break the engine, which joins each
# category's patterns into one expression with its own named groups.
_FORBIDDEN_SYNTAX = (
    (re.compile(r"\(\?(?![:=!]|<[=!])"), "only (?:...), lookahead and lookbehind groups"),
    (re.compile(r"\\[0-9]"), "backreferences"),
)
_DOUBLED_THEN_QUANTIFIED = re.compile(r"([a-z])\1[?*+{]")
_DOUBLED_ACROSS_GROUP = re.compile(r"([a-z])\((?:[^()|]*\|)*\1")
_APOSTROPHES = "'’‘`´ʼ′＇"


def top_level_branches(source: str) -> list[str]:
    """The alternatives of a regular expression's outermost `|`, groups and classes kept whole."""
    branches: list[str] = []
    depth, in_class, start, index = 0, False, 0, 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(source[start:index])
            start = index + 1
        index += 1
    branches.append(source[start:])
    return branches


def regex_source_problems(source: str, terms: set[str]) -> list[str]:
    """Why a lexicon regular expression can never match normalised text (empty if fine)."""
    problems: list[str] = []
    unknown = sorted(set(TERM_REFERENCE.findall(source)) - terms)
    if unknown:
        problems.append(f"refers to undefined terms {unknown}")
    bare = _ESCAPE.sub("_", TERM_REFERENCE.sub("_", source))
    if any(c in _APOSTROPHES for c in bare):
        problems.append("contains an apostrophe; text is matched with apostrophes removed")
    if any(c.isupper() for c in bare):
        problems.append("contains upper case; text is matched in lower case")
    if not bare.isascii():  # escapes are blanked out above, so `\w` does not count
        problems.append("contains non-ASCII characters; text is matched without accents")
    if _DOUBLED_THEN_QUANTIFIED.search(bare):
        problems.append(
            "quantifies a doubled letter (like 'll?'); repeated letters are collapsed before "
            "matching, so write the letter once"
        )
    if _DOUBLED_ACROSS_GROUP.search(bare):
        problems.append(
            "doubles a letter across a group (like 'cut(ting)'); repeated letters are "
            "collapsed before matching, so write 'cut(ing)'"
        )
    if not all(branch.startswith(r"\b") for branch in top_level_branches(source)):
        problems.append(r"every top-level alternative must start at a word boundary, '\b'")
    for pattern, allowed in _FORBIDDEN_SYNTAX:
        if pattern.search(source):
            problems.append(f"uses unsupported syntax; use {allowed}")
    if problems:
        return problems
    try:
        compiled = re.compile(TERM_REFERENCE.sub("(?:x)", source))
    except re.error as error:
        return [f"does not compile: {error}"]
    if any(not m.group(0) for sample in ("", "x", "x y") for m in compiled.finditer(sample)):
        problems.append("can match the empty string, so it would flag every message")
    return problems


class LexiconPattern(StrictModel):
    """One phrase or regular expression, with a stable id that appears in alert reasons.

    A `phrase` is normalised like patient text and matched as whole words; a `regex` is for
    variants a phrase cannot say ("saving|stockpiling ... pills"). `examples` are messages the
    pattern must catch (or, for an exception, must cover); the test suite checks each one.
    """

    id: PatternId
    phrase: str | None = Field(default=None, min_length=1)
    regex: str | None = Field(default=None, min_length=1)
    examples: tuple[str, ...] = ()
    note: str | None = None
    # Risk patterns only: overrides the category's level (a goodbye naming a method is risk).
    level: FlagLevel | None = None
    # Exceptions only: term lists of which at least one must appear somewhere in the same
    # message for the exception to apply ("I'm dead" is figurative only after exercise).
    requires: tuple[TermName, ...] = ()

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if (self.phrase is None) == (self.regex is None):
            raise ValueError(f"pattern {self.id!r} needs exactly one of 'phrase' or 'regex'")
        if self.phrase is not None and not any(c.isalnum() for c in self.phrase):
            raise ValueError(f"pattern {self.id!r}: a phrase needs at least one letter")
        return self


class RiskCategory(StrictModel):
    id: RiskCategoryId
    title: str = Field(min_length=1)
    level: FlagLevel
    description: str = Field(min_length=1)
    # False (the default): a match counts unless it lies wholly inside an exception, so an
    # exception hides only the words it was written for. True (for the catch-all): any overlap
    # with an exception hides the match, so "I nearly died on that hill" stays an exercise
    # idiom even though "i nearly died" reaches outside "died on that hill".
    hidden_by_overlap: bool = False
    patterns: tuple[LexiconPattern, ...] = Field(min_length=1)


class RiskLexicon(StrictModel):
    """All risk patterns and figurative-speech exceptions for one language."""

    schema_version: Literal[2]
    language: LanguageCode
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    reviewed: dt.date
    reviewed_by: str = Field(min_length=1)
    status: Literal["draft", "clinically_approved"]
    description: str = Field(min_length=1)
    terms: dict[TermName, tuple[str, ...]] = Field(default_factory=dict)
    categories: tuple[RiskCategory, ...]
    exceptions: tuple[LexiconPattern, ...] = ()

    @field_validator("terms")
    @classmethod
    def _terms_not_empty(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for name, phrases in value.items():
            if not phrases or not all(p.strip() for p in phrases):
                raise ValueError(f"term list {name!r} must hold non-empty phrases")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        order = tuple(category.id for category in self.categories)
        if order != RISK_CATEGORIES:
            raise ValueError(
                f"categories must be exactly {list(RISK_CATEGORIES)} in that (priority) order, "
                f"got {list(order)}"
            )
        seen: set[str] = set()
        problems: list[str] = []
        used_terms: set[str] = set()
        for where, pattern in self.all_patterns():
            if pattern.id in seen:
                problems.append(f"{where}: pattern id {pattern.id!r} is used twice")
            seen.add(pattern.id)
            if where == "exceptions" and pattern.level is not None:
                problems.append(f"{where}.{pattern.id}: an exception has no level")
            if where != "exceptions" and pattern.requires:
                problems.append(f"{where}.{pattern.id}: only exceptions take `requires`")
            for term in pattern.requires:
                used_terms.add(term)
                if term not in self.terms:
                    problems.append(f"{where}.{pattern.id}: requires undefined terms {term!r}")
            if pattern.regex is not None:
                used_terms.update(TERM_REFERENCE.findall(pattern.regex))
                problems.extend(
                    f"{where}.{pattern.id}: regex {problem}"
                    for problem in regex_source_problems(pattern.regex, set(self.terms))
                )
        unused = sorted(set(self.terms) - used_terms)
        if unused:
            problems.append(f"terms {unused} are defined but never used")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def all_patterns(self) -> list[tuple[str, LexiconPattern]]:
        """(category id or 'exceptions', pattern) for every pattern in the file."""
        found: list[tuple[str, LexiconPattern]] = [
            (c.id, p) for c in self.categories for p in c.patterns
        ]
        found.extend(("exceptions", p) for p in self.exceptions)
        return found


__all__ = [
    "LEVELS",
    "RISK_CATEGORIES",
    "FlagLevel",
    "Level",
    "LexiconPattern",
    "RiskCategory",
    "RiskCategoryId",
    "RiskLexicon",
    "regex_source_problems",
    "top_level_branches",
]
