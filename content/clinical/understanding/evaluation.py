"""How well understanding does on labelled messages: accuracy per intent and a confusion table.

The report is the generated part of `docs/understanding.md`; a test regenerates it and fails
when the document is stale, so a lexicon change always comes with its refreshed numbers:

    python -m content.clinical.understanding.evaluation --write docs/understanding.md

Two labelled sets, both in `tests/understanding/`: `labelled.yaml`, which the lexicons were
tuned on, and `held_out.yaml`, written first and never tuned on, so its numbers estimate how
the lexicons do on messages their authors did not see.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, model_validator

from content.clinical.understanding.engine import Understander, Understanding, slots_text
from content.loader import SHIPPED_CONTENT, load_content
from content.schemas.base import Identifier, LanguageCode, StrictModel
from content.schemas.understanding import INTENTS, IntentId

TESTS = Path(__file__).resolve().parents[3] / "tests/understanding"
DEFAULT_TUNED = TESTS / "labelled.yaml"
DEFAULT_HELD_OUT = TESTS / "held_out.yaml"
REGENERATE = "python -m content.clinical.understanding.evaluation --write docs/understanding.md"
BEGIN_MARKER = "<!-- BEGIN GENERATED understanding-evaluation: do not edit by hand -->"
END_MARKER = "<!-- END GENERATED understanding-evaluation -->"

# The targets, asserted by tests/understanding and shown in the report.
TARGET_ACCURACY = 0.90
TARGET_UNKNOWN_LEAK = 0.03


class LabelledMessage(StrictModel):
    """A message and what it means; `minutes`/`modality` are checked for activity reports."""

    text: str = Field(min_length=1)
    language: LanguageCode
    intent: IntentId
    minutes: int | None = None
    modality: Identifier | None = None
    batch: int = Field(default=1, ge=1)  # held-out messages: which batch (see held_out.yaml)

    @model_validator(mode="after")
    def _slots_only_for_reports(self) -> LabelledMessage:
        if self.intent != "activity_report" and (self.minutes or self.modality):
            raise ValueError(f"only activity reports carry minutes and modality: {self.text!r}")
        return self


class LabelledSet(StrictModel):
    schema_version: Literal[1]
    messages: tuple[LabelledMessage, ...] = Field(min_length=1)


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
        return f"{self.value:.3f} ({self.hits}/{self.total})" if self.total else "n/a"


@dataclass(frozen=True)
class Outcome:
    message: LabelledMessage
    found: Understanding

    @property
    def correct(self) -> bool:
        return self.found.intent == self.message.intent

    @property
    def slots_correct(self) -> bool:
        """For a labelled activity report read as one: minutes and modality as labelled."""
        slots = self.found.slots
        return (
            slots.get("minutes") == self.message.minutes
            and slots.get("modality") == self.message.modality
        )


@dataclass(frozen=True)
class Evaluation:
    outcomes: tuple[Outcome, ...]

    def accuracy(
        self, intent: str | None = None, language: str | None = None, batch: int | None = None
    ) -> Rate:
        """Share of messages (labelled `intent`, or all) read as their labelled intent."""
        chosen = [
            o
            for o in self.outcomes
            if (intent is None or o.message.intent == intent)
            and (language is None or o.message.language == language)
            and (batch is None or o.message.batch == batch)
        ]
        return Rate(sum(o.correct for o in chosen), len(chosen))

    def precision(self, intent: str) -> Rate:
        """Share of messages read as `intent` that are labelled `intent`."""
        chosen = [o for o in self.outcomes if o.found.intent == intent]
        return Rate(sum(o.correct for o in chosen), len(chosen))

    def unknown_leak(self) -> Rate:
        """Share of not-understood messages that get anything but the fallback (lower: better)."""
        unknown = [o for o in self.outcomes if o.message.intent == "unknown"]
        return Rate(sum(not o.correct for o in unknown), len(unknown))

    def slots(self) -> Rate:
        """Activity reports read as such whose minutes and modality are right."""
        reports = [o for o in self.outcomes if o.message.intent == "activity_report" and o.correct]
        return Rate(sum(o.slots_correct for o in reports), len(reports))

    def confusion(self) -> Counter[tuple[str, str]]:
        return Counter((o.message.intent, o.found.intent) for o in self.outcomes)

    @property
    def errors(self) -> tuple[Outcome, ...]:
        return tuple(
            o
            for o in self.outcomes
            if not o.correct or (o.message.intent == "activity_report" and not o.slots_correct)
        )


def evaluate(understander: Understander, labelled: LabelledSet) -> Evaluation:
    return Evaluation(
        tuple(Outcome(m, understander.understand(m.text, m.language)) for m in labelled.messages)
    )


def _check(ok: bool) -> str:
    return "met" if ok else "**NOT MET**"


def _quote(text: str) -> str:
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def _section(title: str, result: Evaluation) -> list[str]:
    messages = [o.message for o in result.outcomes]
    accuracy, leak = result.accuracy(), result.unknown_leak()
    languages = sorted({m.language for m in messages})
    lines = [
        f"### {title}",
        "",
        f"{len(messages)} messages ("
        + ", ".join(f"{lang}: {sum(m.language == lang for m in messages)}" for lang in languages)
        + ").",
        "",
        "| measure | result | target | |",
        "|---|---|---|---|",
        f"| right intent, all messages | {accuracy} | ≥ {TARGET_ACCURACY} "
        f"| {_check(accuracy.value >= TARGET_ACCURACY)} |",
        f"| not understood but not given the fallback | {leak} | ≤ {TARGET_UNKNOWN_LEAK} "
        f"| {_check(leak.value <= TARGET_UNKNOWN_LEAK)} |",
        f"| activity reports with the right minutes and kind | {result.slots()} | (reported) | |",
    ]
    lines += [
        f"| right intent, {lang} | {result.accuracy(language=lang)} | (reported) | |"
        for lang in languages
    ]
    batches = sorted({m.batch for m in messages})
    if len(batches) > 1:
        lines += [
            f"| right intent, batch {batch} | {result.accuracy(batch=batch)} | (reported) | |"
            for batch in batches
        ]
    lines += ["", "| intent | messages | recall | precision |", "|---|---|---|---|"]
    for intent in INTENTS:
        recall = result.accuracy(intent)
        if recall.total or result.precision(intent).total:
            lines.append(f"| {intent} | {recall.total} | {recall} | {result.precision(intent)} |")
    confusion = result.confusion()
    present = [i for i in INTENTS if any(i in pair for pair in confusion)]
    lines += [
        "",
        "Confusion (rows: labelled intent; columns: intent found; blank: 0):",
        "",
        "| labelled \\ found | " + " | ".join(present) + " |",
        "|---|" + "---|" * len(present),
    ]
    for row in present:
        cells = [str(confusion[(row, col)] or "") for col in present]
        lines.append(f"| **{row}** | " + " | ".join(cells) + " |")
    lines += ["", "Messages read wrongly:", ""]
    lines += [
        f"- {_quote(o.message.text)} ({o.message.language}): labelled {o.message.intent}"
        + (
            f", found {o.found.intent} (`{o.found.why}`)"
            if not o.correct
            else f", slots `{slots_text(o.found.slots)}`"
        )
        for o in result.errors
    ] or ["None."]
    return lines


def render_report(understander: Understander, tuned: LabelledSet, held_out: LabelledSet) -> str:
    """The generated section of docs/understanding.md (deterministic: no dates, no timing)."""
    lines = [
        f"_Generated by `{REGENERATE}`; a test fails when this section is out of date._",
        "",
        "| language | version | status | reviewed | patterns | exceptions |",
        "|---|---|---|---|---|---|",
    ]
    for language, compiled in understander.languages.items():
        lexicon = compiled.lexicon
        patterns = sum(len(i.patterns) for i in lexicon.intents)
        exceptions = sum(len(i.exceptions) for i in lexicon.intents)
        lines.append(
            f"| {language} | {lexicon.version} | {lexicon.status} | {lexicon.reviewed} "
            f"| {patterns} | {exceptions} |"
        )
    lines.append("")
    lines += _section("Held-out messages (never tuned on)", evaluate(understander, held_out))
    lines.append("")
    lines += _section("Tuning messages", evaluate(understander, tuned))
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
    parser.add_argument("--tuned", type=Path, default=DEFAULT_TUNED)
    parser.add_argument("--held-out", type=Path, default=DEFAULT_HELD_OUT)
    parser.add_argument("--content", type=Path, default=SHIPPED_CONTENT)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", type=Path, metavar="DOC", help="refresh the report in DOC")
    action.add_argument("--check", type=Path, metavar="DOC", help="exit 1 if DOC is stale")
    args = parser.parse_args(argv)
    content = load_content(args.content)
    understander = Understander(content.understanding, content.modalities)
    report = render_report(understander, load_labelled(args.tuned), load_labelled(args.held_out))
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
