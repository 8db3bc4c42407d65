"""How well the risk screen does on the labelled messages, as numbers and as a markdown report.

The report is the generated part of `docs/safety/detector.md`; a test regenerates it and fails
when the document is stale, so a lexicon change always comes with its refreshed numbers:

    python -m content.clinical.risk_evaluation --write docs/safety/detector.md

Recall is measured per kind of risk message, and false positives per kind of ordinary
message, because an average hides exactly what matters: one kind of crisis message missed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Self, get_args

import yaml
from pydantic import Field, model_validator

from content.clinical.risk import DEFAULT_CONTENT_DIR, RiskFinding, RiskScreen, load_risk_lexicons
from content.schemas.base import LanguageCode, StrictModel

# The labelled messages live with the tests, in the repository (not in an installed package).
DEFAULT_LABELLED = Path(__file__).resolve().parents[2] / "tests/risk/labelled_messages.yaml"
REGENERATE = "python -m content.clinical.risk_evaluation --write docs/safety/detector.md"
BEGIN_MARKER = "<!-- BEGIN GENERATED risk-evaluation: do not edit by hand -->"
END_MARKER = "<!-- END GENERATED risk-evaluation -->"

# The targets, asserted by tests/risk and shown in the report.
TARGET_RECALL = 0.95
TARGET_INDIRECT_RECALL = 0.95
TARGET_HYPERBOLE_FP = 0.10

RiskKind = Literal[
    "explicit",
    "indirect",
    "plan_means",
    "self_harm",
    "goodbye",
    "hopeless_finality",
    "abbreviation",
    "negation_or_third_party",
    "exception_plus_risk",
    "ambiguous_hyperbole",
]
NoRiskKind = Literal["exercise_hyperbole", "ordinary_low_mood", "ordinary_chat"]
RISK_KINDS: tuple[str, ...] = get_args(RiskKind)
NO_RISK_KINDS: tuple[str, ...] = get_args(NoRiskKind)


class LabelledMessage(StrictModel):
    text: str = Field(min_length=1)
    language: LanguageCode
    label: Literal["risk", "none"]
    kind: RiskKind | NoRiskKind

    @model_validator(mode="after")
    def _label_fits_kind(self) -> Self:
        expected = "risk" if self.kind in RISK_KINDS else "none"
        if self.label != expected:
            raise ValueError(f"kind {self.kind!r} is always labelled {expected!r}: {self.text!r}")
        return self


class LabelledSet(StrictModel):
    schema_version: Literal[1]
    messages: tuple[LabelledMessage, ...] = Field(min_length=1)


def load_labelled(path: Path = DEFAULT_LABELLED) -> LabelledSet:
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
    def correct(self) -> bool:
        return self.finding.flagged == (self.message.label == "risk")


@dataclass(frozen=True)
class Evaluation:
    outcomes: tuple[Outcome, ...]

    def _rate(self, label: str, kind: str | None = None, language: str | None = None) -> Rate:
        chosen = [
            o
            for o in self.outcomes
            if o.message.label == label
            and (kind is None or o.message.kind == kind)
            and (language is None or o.message.language == language)
        ]
        return Rate(sum(o.finding.flagged for o in chosen), len(chosen))

    def recall(self, kind: str | None = None, language: str | None = None) -> Rate:
        """Share of risk messages (of one kind, or all) that the screen flags."""
        return self._rate("risk", kind, language)

    def false_positive_rate(self, kind: str | None = None, language: str | None = None) -> Rate:
        """Share of no-risk messages (of one kind, or all) that the screen flags."""
        return self._rate("none", kind, language)

    @property
    def misses(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.message.label == "risk" and not o.correct)

    @property
    def false_positives(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.message.label == "none" and not o.correct)


def evaluate(screen: RiskScreen, labelled: LabelledSet) -> Evaluation:
    return Evaluation(
        tuple(Outcome(m, screen.screen(m.text, m.language)) for m in labelled.messages)
    )


def _check(ok: bool) -> str:
    return "met" if ok else "**NOT MET**"


def _quote(text: str) -> str:
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def render_report(screen: RiskScreen, labelled: LabelledSet) -> str:
    """The generated section of docs/safety/detector.md (deterministic: no dates, no timing)."""
    result = evaluate(screen, labelled)
    overall = result.recall()
    indirect = result.recall("indirect")
    hyperbole = result.false_positive_rate("exercise_hyperbole")
    lines = [
        f"_Generated by `{REGENERATE}`; a test fails when this section is out of date._",
        "",
        "### Lexicons",
        "",
        "| language | version | status | reviewed | risk patterns | exceptions |",
        "|---|---|---|---|---|---|",
    ]
    for language, lexicon in screen.lexicons.items():
        patterns = sum(len(c.patterns) for c in lexicon.categories)
        lines.append(
            f"| {language} | {lexicon.version} | {lexicon.status} | {lexicon.reviewed} "
            f"| {patterns} | {len(lexicon.exceptions)} |"
        )
    messages = labelled.messages
    risk_count = sum(m.label == "risk" for m in messages)
    lines += [
        "",
        f"Labelled set: {len(messages)} messages ({risk_count} risk, "
        f"{len(messages) - risk_count} no risk; "
        + ", ".join(
            f"{lang}: {sum(m.language == lang for m in messages)}"
            for lang in sorted({m.language for m in messages})
        )
        + ").",
        "",
        "### Targets",
        "",
        "| measure | result | target | |",
        "|---|---|---|---|",
        f"| recall, all risk messages | {overall} | ≥ {TARGET_RECALL} "
        f"| {_check(overall.value >= TARGET_RECALL)} |",
        f"| recall, indirect ideation | {indirect} | ≥ {TARGET_INDIRECT_RECALL} "
        f"| {_check(indirect.value >= TARGET_INDIRECT_RECALL)} |",
        f"| false positives, exercise hyperbole | {hyperbole} | ≤ {TARGET_HYPERBOLE_FP} "
        f"| {_check(hyperbole.value <= TARGET_HYPERBOLE_FP)} |",
        f"| false positives, all no-risk messages | {result.false_positive_rate()} | "
        "(reported) | |",
        "",
        "### By kind of message",
        "",
        "| kind | label | messages | flagged | recall | false-positive rate |",
        "|---|---|---|---|---|---|",
    ]
    for kind in RISK_KINDS:
        rate = result.recall(kind)
        lines.append(f"| {kind} | risk | {rate.total} | {rate.hits} | {rate} | |")
    for kind in NO_RISK_KINDS:
        rate = result.false_positive_rate(kind)
        lines.append(f"| {kind} | none | {rate.total} | {rate.hits} | | {rate} |")
    lines += [
        "",
        "| language | recall | false-positive rate |",
        "|---|---|---|",
    ]
    for lang in sorted({m.language for m in messages}):
        lines.append(
            f"| {lang} | {result.recall(language=lang)} "
            f"| {result.false_positive_rate(language=lang)} |"
        )
    lines += ["", "### Which category caught the risk messages", ""]
    caught: dict[str, int] = {}
    for outcome in result.outcomes:
        if outcome.message.label == "risk" and outcome.finding.flagged:
            category = outcome.finding.category or ""
            caught[category] = caught.get(category, 0) + 1
    lines += ["| category | risk messages |", "|---|---|"]
    lines += [f"| {category} | {count} |" for category, count in sorted(caught.items())]
    lines += ["", "### Missed risk messages (known false negatives)", ""]
    lines += [
        f"- {_quote(o.message.text)} ({o.message.language}, {o.message.kind})"
        for o in result.misses
    ] or ["None."]
    lines += ["", "### Flagged no-risk messages (known false positives)", ""]
    lines += [
        f"- {_quote(o.message.text)} ({o.message.language}, {o.message.kind}) → "
        f"`{o.finding.reason}`"
        for o in result.false_positives
    ] or ["None."]
    return "\n".join(lines) + "\n"


def replace_generated_section(document: str, report: str) -> str:
    """`document` with the text between the markers replaced by `report`."""
    try:
        head, rest = document.split(BEGIN_MARKER, 1)
        _, tail = rest.split(END_MARKER, 1)
    except ValueError:
        raise ValueError(
            f"the document needs the markers {BEGIN_MARKER!r} and {END_MARKER!r}"
        ) from None
    return f"{head}{BEGIN_MARKER}\n{report}{END_MARKER}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--labelled", type=Path, default=DEFAULT_LABELLED)
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", type=Path, metavar="DOC", help="refresh the report in DOC")
    action.add_argument("--check", type=Path, metavar="DOC", help="exit 1 if DOC is stale")
    args = parser.parse_args(argv)
    report = render_report(
        RiskScreen(load_risk_lexicons(args.content)), load_labelled(args.labelled)
    )
    if args.write is None and args.check is None:
        sys.stdout.write(report)
        return 0
    path: Path = args.write or args.check
    current = path.read_text(encoding="utf-8")
    updated = replace_generated_section(current, report)
    if args.check is not None:
        if updated != current:
            sys.stderr.write(f"{path} is out of date; run: {REGENERATE}\n")
            return 1
        return 0
    path.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
