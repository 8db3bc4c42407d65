"""docs/understanding.md carries the numbers of the current lexicons and labelled sets."""

from __future__ import annotations

from pathlib import Path

from content.clinical.understanding import Understander
from content.clinical.understanding.evaluation import (
    REGENERATE,
    LabelledSet,
    render_report,
    replace_generated_section,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "understanding.md"


def test_the_doc_is_up_to_date(
    understander: Understander, tuned: LabelledSet, held_out: LabelledSet
) -> None:
    current = DOC.read_text(encoding="utf-8")
    expected = replace_generated_section(current, render_report(understander, tuned, held_out))
    assert current == expected, (
        f"{DOC.name} is out of date with the lexicons or the labelled messages. "
        f"Regenerate it with:\n    {REGENERATE}\nand commit the result."
    )


def test_the_doc_says_how_to_regenerate_it() -> None:
    assert REGENERATE in DOC.read_text(encoding="utf-8")
