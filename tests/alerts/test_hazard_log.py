"""The hazard log stays true: every test it cites as verifying a control still exists.

A control whose test was renamed or deleted is a control nobody verifies any more; this fails
until the log (docs/safety/hazard-log.md) is brought up to date.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "safety" / "hazard-log.md"
CITED_TEST = re.compile(r"(tests/[\w/]+\.py)::(\w+)")
CITED_STORY = re.compile(r"(tests/stories/[\w]+\.yaml)")
HAZARD = re.compile(r"^### (H-\d\d) ", re.MULTILINE)


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test")
    }


def test_every_cited_test_exists() -> None:
    text = LOG.read_text(encoding="utf-8")
    cited = CITED_TEST.findall(text)
    assert len(cited) >= 40
    missing = []
    for file, name in sorted(set(cited)):
        path = ROOT / file
        if not path.is_file() or name not in defined_tests(path):
            missing.append(f"{file}::{name}")
    for story in sorted(set(CITED_STORY.findall(text))):
        if not (ROOT / story).is_file():
            missing.append(story)
    assert missing == [], "the hazard log cites tests that do not exist"


def test_every_hazard_names_its_verifying_tests_and_residual_risk() -> None:
    text = LOG.read_text(encoding="utf-8")
    sections = HAZARD.split(text)[1:]
    ids = sections[0::2]
    assert ids == [f"H-{n:02d}" for n in range(1, len(ids) + 1)]
    assert len(ids) >= 12
    for hazard, body in zip(ids, sections[1::2], strict=True):
        for field in ("Hazard", "Causes", "Effect", "Initial risk", "Controls", "Verified by"):
            assert f"| {field} |" in body, f"{hazard} has no {field}"
        assert "| Residual risk |" in body and "| Owner / status |" in body, hazard
        assert CITED_TEST.search(body) or CITED_STORY.search(body), f"{hazard} cites no test"
        assert f"| {hazard} |" in text, f"{hazard} is missing from the summary"


def test_the_checker_notices_a_missing_test(tmp_path: Path) -> None:
    sample = tmp_path / "test_x.py"
    sample.write_text("def test_real() -> None:\n    pass\n", encoding="utf-8")
    assert defined_tests(sample) == {"test_real"}
    assert CITED_TEST.findall("`tests/alerts/test_x.py::test_gone`") == [
        ("tests/alerts/test_x.py", "test_gone")
    ]
