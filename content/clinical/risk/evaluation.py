"""How well the risk screen does on labelled messages: the data model and the numbers.

Two labelled sets live with the tests:

- `tests/risk/dev_messages.yaml`: the development set. The lexicons are tuned on it.
- `tests/risk/heldout_messages.yaml`: the held-out set, written in a different style before
  the 2.0 lexicons and never used to tune them. The targets are judged on it alone.

Recall is measured per warning-sign category and per level, and false alarms per kind of
ordinary message, because an average hides exactly what matters: one kind of crisis message
missed, or one kind of everyday talk that floods the care team with alerts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Self, get_args

import yaml
from pydantic import Field, model_validator

from content.clinical.risk.screen import RiskFinding, RiskScreen
from content.schemas.base import LanguageCode, StrictModel
from content.schemas.risk import RISK_CATEGORIES, RiskCategoryId

# The labelled messages live with the tests, in the repository (not in an installed package).
TESTS_DIR = Path(__file__).resolve().parents[3] / "tests/risk"
DEV_SET = TESTS_DIR / "dev_messages.yaml"
HELDOUT_SET = TESTS_DIR / "heldout_messages.yaml"

# The targets, judged on the held-out set.
TARGET_RECALL_ANY = 0.95  # risk and concern messages flagged at either level
TARGET_RECALL_RISK = 0.85  # risk messages flagged at risk level
TARGET_FALSE_ALARMS = 0.10  # per kind of everyday message, flagged at either level
TARGETED_KINDS = ("exercise_hyperbole", "everyday_idiom", "everyday_chat")

# `flag` (development set only): older messages labelled before there were two levels; any
# flag counts as caught.
LabelLevel = Literal["risk", "concern", "flag", "none"]
OrdinaryKind = Literal["exercise_hyperbole", "everyday_idiom", "sad_venting", "everyday_chat"]
ORDINARY_KINDS: tuple[str, ...] = get_args(OrdinaryKind)


class LabelledGroup(StrictModel):
    language: LanguageCode
    level: LabelLevel
    category: RiskCategoryId | None = None
    # For level none: the kind of ordinary message. For other levels: an optional tag.
    kind: str | None = None
    messages: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _labels_fit(self) -> Self:
        if self.level == "none":
            if self.kind not in ORDINARY_KINDS or self.category is not None:
                raise ValueError(f"a level-none group needs a kind of {list(ORDINARY_KINDS)}")
        elif self.level in ("risk", "concern") and self.category is None:
            raise ValueError(f"a {self.level} group needs a category")
        if any(not m.strip() for m in self.messages):
            raise ValueError("empty message")
        return self


class LabelledSet(StrictModel):
    schema_version: Literal[2]
    part: Literal["dev", "heldout"]
    groups: tuple[LabelledGroup, ...] = Field(min_length=1)

    @property
    def messages(self) -> tuple[LabelledMessage, ...]:
        return tuple(
            LabelledMessage(text, g.language, g.level, g.category, g.kind)
            for g in self.groups
            for text in g.messages
        )


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    language: str
    level: LabelLevel
    category: str | None
    kind: str | None

    @property
    def is_warning(self) -> bool:
        return self.level != "none"


def load_labelled(path: Path) -> LabelledSet:
    return LabelledSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Rate:
    hits: int
    total: int

    @property
    def value(self) -> float:
        """hits / total; 0.0 for an empty group (which the report shows as n/a)."""
        return self.hits / self.total if self.total else 0.0

    def __str__(self) -> str:
        if not self.total:
            return "n/a"
        return f"{self.value:.3f} ({self.hits}/{self.total})"


@dataclass(frozen=True)
class Outcome:
    message: LabelledMessage
    finding: RiskFinding

    @property
    def missed(self) -> bool:
        return self.message.is_warning and not self.finding.flagged

    @property
    def false_alarm(self) -> bool:
        return not self.message.is_warning and self.finding.flagged


@dataclass(frozen=True)
class Evaluation:
    outcomes: tuple[Outcome, ...]

    def _chosen(self, levels: Iterable[str], **where: str | None) -> list[Outcome]:
        wanted = set(levels)
        return [
            o
            for o in self.outcomes
            if o.message.level in wanted
            and all(v is None or getattr(o.message, k) == v for k, v in where.items())
        ]

    def recall_any(
        self, level: str | None = None, category: str | None = None, language: str | None = None
    ) -> Rate:
        """Share of warning messages flagged at either level."""
        chosen = self._chosen(
            [level] if level else ("risk", "concern", "flag"), category=category, language=language
        )
        return Rate(sum(o.finding.flagged for o in chosen), len(chosen))

    def recall_risk(self, category: str | None = None, language: str | None = None) -> Rate:
        """Share of risk-level messages flagged at risk level (the urgent path)."""
        chosen = self._chosen(["risk"], category=category, language=language)
        return Rate(sum(o.finding.urgent for o in chosen), len(chosen))

    def false_alarms(
        self, kind: str | None = None, language: str | None = None, urgent: bool = False
    ) -> Rate:
        """Share of ordinary messages flagged (at either level, or at risk if `urgent`)."""
        chosen = self._chosen(["none"], kind=kind, language=language)
        hits = sum(o.finding.urgent if urgent else o.finding.flagged for o in chosen)
        return Rate(hits, len(chosen))

    def false_alarms_in(self, kinds: Iterable[str]) -> Rate:
        rates = [self.false_alarms(kind) for kind in kinds]
        return Rate(sum(r.hits for r in rates), sum(r.total for r in rates))

    @property
    def misses(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.missed)

    @property
    def under_levelled(self) -> tuple[Outcome, ...]:
        """Risk messages flagged only as a concern."""
        return tuple(
            o
            for o in self.outcomes
            if o.message.level == "risk" and o.finding.flagged and not o.finding.urgent
        )

    @property
    def false_positives(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.false_alarm)

    def categories(self) -> tuple[str, ...]:
        present = {o.message.category for o in self.outcomes}
        return tuple(c for c in RISK_CATEGORIES if c in present)

    def targets_met(self) -> dict[str, bool]:
        met = {
            "recall, risk or concern": self.recall_any().value >= TARGET_RECALL_ANY,
            "recall at risk level": self.recall_risk().value >= TARGET_RECALL_RISK,
        }
        for kind in TARGETED_KINDS:
            met[f"false alarms, {kind}"] = self.false_alarms(kind).value <= TARGET_FALSE_ALARMS
        return met


def _dotted(text: str) -> str:
    return " ".join(".".join(w) if len(w) > 2 and w.isalpha() else w for w in text.split(" "))


def _spaced(text: str) -> str:
    return "  ".join(" ".join(w) for w in text.split(" "))


_CYRILLIC = str.maketrans("aeopcixy", "аеорсіху")
_FULL_WIDTH = {code: chr(code + 0xFEE0) for code in range(0x21, 0x7F)}

# Deterministic rewrites of the kind used to get past word filters; the report shows how
# many held-out warning messages are still caught after each.
OBFUSCATIONS: dict[str, Callable[[str], str]] = {
    "look-alike Cyrillic letters": lambda t: t.translate(_CYRILLIC),
    "letters dotted (d.i.e)": _dotted,
    "every letter spaced out": _spaced,
    "zero-width spaces between words": lambda t: t.replace(" ", "\u200b"),
    "vowels repeated": lambda t: "".join(c * 3 if c in "aeiou" else c for c in t),
    "full-width letters": lambda t: t.translate(_FULL_WIDTH),
    "upper case, accents added": lambda t: t.upper().replace("E", "É").replace("O", "Ó"),
}


def obfuscated_recall(
    screen: RiskScreen, labelled: LabelledSet, exclude: LabelledSet | None = None
) -> dict[str, Rate]:
    """Recall (either level) on the set's warning messages after each rewrite."""
    warnings = [o.message for o in evaluate(screen, labelled, exclude).outcomes]
    warnings = [m for m in warnings if m.is_warning]
    return {
        name: Rate(
            sum(screen.screen(rewrite(m.text), m.language).flagged for m in warnings),
            len(warnings),
        )
        for name, rewrite in OBFUSCATIONS.items()
    }


def _key(text: str) -> str:
    """Messages that differ only in case, accents or end punctuation are the same message."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip("¿?¡!. ")


def overlap(labelled: LabelledSet, other: LabelledSet) -> tuple[LabelledMessage, ...]:
    """Messages of `labelled` that also appear in `other` (same words)."""
    seen = {_key(m.text) for m in other.messages}
    return tuple(m for m in labelled.messages if _key(m.text) in seen)


def evaluate(
    screen: RiskScreen, labelled: LabelledSet, exclude: LabelledSet | None = None
) -> Evaluation:
    """Screen every message; messages also in `exclude` (the set the lexicons were tuned
    on) are left out, since they are not held out at all."""
    skipped = {_key(m.text) for m in exclude.messages} if exclude is not None else set()
    return Evaluation(
        tuple(
            Outcome(m, screen.screen(m.text, m.language))
            for m in labelled.messages
            if _key(m.text) not in skipped
        )
    )


__all__ = [
    "DEV_SET",
    "HELDOUT_SET",
    "OBFUSCATIONS",
    "ORDINARY_KINDS",
    "TARGETED_KINDS",
    "TARGET_FALSE_ALARMS",
    "TARGET_RECALL_ANY",
    "TARGET_RECALL_RISK",
    "Evaluation",
    "LabelledGroup",
    "LabelledMessage",
    "LabelledSet",
    "Outcome",
    "Rate",
    "evaluate",
    "load_labelled",
    "obfuscated_recall",
    "overlap",
]
