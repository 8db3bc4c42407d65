"""docs/safety/detector.md carries the numbers of the current lexicons and labelled sets."""

from __future__ import annotations

from pathlib import Path

from content.clinical.risk import RiskScreen
from content.clinical.risk.evaluation import LabelledSet
from content.clinical.risk.report import (
    REGENERATE,
    main,
    render_report,
    replace_generated_section,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "safety" / "detector.md"


def test_detector_doc_is_up_to_date(
    screen: RiskScreen, heldout: LabelledSet, labelled: LabelledSet
) -> None:
    current = DOC.read_text(encoding="utf-8")
    expected = replace_generated_section(current, render_report(screen, heldout, labelled))
    assert current == expected, (
        f"{DOC.name} is out of date with the risk lexicons or the labelled messages. "
        f"Regenerate it with:\n    {REGENERATE}\nand commit the result."
    )


def test_the_doc_says_how_to_regenerate_it() -> None:
    assert REGENERATE in DOC.read_text(encoding="utf-8")


def test_check_and_write_commands(tmp_path: Path) -> None:
    stale = tmp_path / "detector.md"
    stale.write_text(
        "# Doc\n<!-- BEGIN GENERATED risk-evaluation: do not edit by hand -->\nold\n"
        "<!-- END GENERATED risk-evaluation -->\ntail\n",
        encoding="utf-8",
    )
    assert main(["--check", str(stale)]) == 1
    assert main(["--write", str(stale)]) == 0
    assert main(["--check", str(stale)]) == 0
    text = stale.read_text(encoding="utf-8")
    assert text.startswith("# Doc\n") and text.endswith("tail\n") and "old" not in text
    assert "Targets, on the held-out set" in text
