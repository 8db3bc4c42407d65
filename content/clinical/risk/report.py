"""The generated evaluation section of docs/safety/detector.md, and the command that writes it.

    python -m content.clinical.risk.report --write docs/safety/detector.md

A test regenerates the section and fails when the document is stale, so a lexicon change
always comes with its refreshed numbers. The targets are judged on the held-out set only; the
development set's numbers are shown after them, as what the lexicons were tuned on.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from content.clinical.risk.evaluation import (
    DEV_SET,
    HELDOUT_SET,
    ORDINARY_KINDS,
    TARGET_FALSE_ALARMS,
    TARGET_RECALL_ANY,
    TARGET_RECALL_RISK,
    TARGETED_KINDS,
    Evaluation,
    LabelledSet,
    evaluate,
    load_labelled,
    obfuscated_recall,
    overlap,
)
from content.clinical.risk.screen import (
    DEFAULT_CONTENT_DIR,
    RiskScreen,
    load_normalisation_table,
    load_risk_lexicons,
)

REGENERATE = "python -m content.clinical.risk.report --write docs/safety/detector.md"
BEGIN_MARKER = "<!-- BEGIN GENERATED risk-evaluation: do not edit by hand -->"
END_MARKER = "<!-- END GENERATED risk-evaluation -->"


def _check(ok: bool) -> str:
    return "met" if ok else "**NOT MET**"


def _quote(text: str) -> str:
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def _count(labelled: LabelledSet) -> str:
    messages = labelled.messages
    levels = {level: sum(m.level == level for m in messages) for level in ("risk", "concern")}
    flags = sum(m.level == "flag" for m in messages)
    languages = ", ".join(
        f"{lang}: {sum(m.language == lang for m in messages)}"
        for lang in sorted({m.language for m in messages})
    )
    either = f", {flags} either level" if flags else ""
    return (
        f"{len(messages)} messages ({levels['risk']} risk, {levels['concern']} concern{either}, "
        f"{sum(m.level == 'none' for m in messages)} ordinary; {languages})"
    )


def _targets(result: Evaluation) -> list[str]:
    lines = ["| measure | result | target | |", "|---|---|---|---|"]
    recall_any, recall_risk = result.recall_any(), result.recall_risk()
    lines.append(
        f"| recall at risk or concern (risk and concern messages) | {recall_any} "
        f"| ≥ {TARGET_RECALL_ANY} | {_check(recall_any.value >= TARGET_RECALL_ANY)} |"
    )
    lines.append(
        f"| recall at risk level (risk messages) | {recall_risk} "
        f"| ≥ {TARGET_RECALL_RISK} | {_check(recall_risk.value >= TARGET_RECALL_RISK)} |"
    )
    for kind in TARGETED_KINDS:
        rate = result.false_alarms(kind)
        lines.append(
            f"| false alarms, {kind} | {rate} | ≤ {TARGET_FALSE_ALARMS} "
            f"| {_check(rate.value <= TARGET_FALSE_ALARMS)} |"
        )
    return lines


def _detail(result: Evaluation) -> list[str]:
    lines = [
        "| warning sign | labelled level | messages | recall, risk or concern | recall at risk |",
        "|---|---|---|---|---|",
    ]
    for category in result.categories():
        chosen = [o for o in result.outcomes if o.message.category == category]
        level = "/".join(sorted({o.message.level for o in chosen}))
        risk = result.recall_risk(category=category)
        lines.append(
            f"| {category} | {level} | {len(chosen)} | {result.recall_any(category=category)} "
            f"| {risk if risk.total else ''} |"
        )
    lines += [
        "",
        "| labelled level | messages | recall, risk or concern | recall at risk |",
        "|---|---|---|---|",
    ]
    for level in ("risk", "concern", "flag"):
        rate = result.recall_any(level)
        if rate.total:
            at_risk = result.recall_risk() if level == "risk" else ""
            lines.append(f"| {level} | {rate.total} | {rate} | {at_risk} |")
    lines += [
        "",
        "| ordinary message kind | messages | false alarms (either level) | at risk level |",
        "|---|---|---|---|",
    ]
    for kind in ORDINARY_KINDS:
        rate = result.false_alarms(kind)
        lines.append(
            f"| {kind} | {rate.total} | {rate} | {result.false_alarms(kind, urgent=True)} |"
        )
    lines += ["", "| language | recall, risk or concern | recall at risk | false alarms |"]
    lines.append("|---|---|---|---|")
    for lang in sorted({o.message.language for o in result.outcomes}):
        lines.append(
            f"| {lang} | {result.recall_any(language=lang)} "
            f"| {result.recall_risk(language=lang)} | {result.false_alarms(language=lang)} |"
        )
    return lines


def _errors(result: Evaluation) -> list[str]:
    lines = ["Missed (no flag at all):", ""]
    lines += [
        f"- {_quote(o.message.text)} ({o.message.language}, {o.message.category})"
        for o in result.misses
    ] or ["- none"]
    lines += ["", "Risk messages flagged only as a concern:", ""]
    lines += [
        f"- {_quote(o.message.text)} ({o.message.language}) → `{o.finding.reason}`"
        for o in result.under_levelled
    ] or ["- none"]
    lines += ["", "False alarms:", ""]
    lines += [
        f"- {_quote(o.message.text)} ({o.message.language}, {o.message.kind}) → "
        f"{o.finding.level} `{o.finding.reason}`"
        for o in result.false_positives
    ] or ["- none"]
    return lines


def render_report(screen: RiskScreen, heldout: LabelledSet, dev: LabelledSet) -> str:
    """The generated section of docs/safety/detector.md (deterministic: no dates, no timing)."""
    held, tuned = evaluate(screen, heldout, exclude=dev), evaluate(screen, dev)
    shared = overlap(heldout, dev)
    lines = [
        f"_Generated by `{REGENERATE}`; a test fails when this section is out of date._",
        "",
        "#### Lexicons",
        "",
        "| language | version | status | reviewed | patterns | exceptions |",
        "|---|---|---|---|---|---|",
    ]
    for language, lexicon in screen.lexicons.items():
        patterns = sum(len(c.patterns) for c in lexicon.categories)
        lines.append(
            f"| {language} | {lexicon.version} | {lexicon.status} | {lexicon.reviewed} "
            f"| {patterns} | {len(lexicon.exceptions)} |"
        )
    lines += [
        "",
        f"Held-out set (`tests/risk/heldout_messages.yaml`): {_count(heldout)}.  ",
        f"Development set (`tests/risk/dev_messages.yaml`): {_count(dev)}.",
        "",
        f"{len(shared)} held-out messages turned out to be word for word in the development "
        "set (short common phrases such as "
        + ", ".join(_quote(m.text) for m in shared[:3])
        + "); they are not held out, so every held-out figure below leaves them out: "
        f"{len(held.outcomes)} messages are scored.",
        "",
        "#### Targets, on the held-out set",
        "",
        *_targets(held),
        "",
        "#### Held-out set in detail",
        "",
        *_detail(held),
        "",
        *_errors(held),
        "",
        "#### Obfuscation, on the held-out set",
        "",
        "Every risk and concern message of the held-out set, rewritten the way people get past "
        "word filters, then screened again (recall at either level):",
        "",
        "| rewrite | recall, risk or concern |",
        "|---|---|",
        *(
            f"| {name} | {rate} |"
            for name, rate in obfuscated_recall(screen, heldout, dev).items()
        ),
        "",
        "#### Development set (tuned on; for comparison only)",
        "",
        *_targets(tuned),
        "",
        *_detail(tuned),
        "",
        *_errors(tuned),
    ]
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
    parser.add_argument("--heldout", type=Path, default=HELDOUT_SET)
    parser.add_argument("--dev", type=Path, default=DEV_SET)
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", type=Path, metavar="DOC", help="refresh the report in DOC")
    action.add_argument("--check", type=Path, metavar="DOC", help="exit 1 if DOC is stale")
    args = parser.parse_args(argv)
    screen = RiskScreen(load_risk_lexicons(args.content), load_normalisation_table(args.content))
    report = render_report(screen, load_labelled(args.heldout), load_labelled(args.dev))
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
