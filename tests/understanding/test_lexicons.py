"""The phrase lists and the routes table: every example holds, and bad files are refused."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from content.clinical.understanding import Understander
from content.loader import SHIPPED_CONTENT, check_content
from content.schemas.understanding import (
    MATCHED_INTENTS,
    RouteTable,
    UnderstandingLexicon,
    regex_problems,
)


def test_every_example_is_understood_as_its_intent(understander: Understander) -> None:
    assert understander.example_problems() == []


def test_every_shipped_language_has_a_phrase_list(understander: Understander) -> None:
    assert set(understander.languages) == {"en", "es"}


def _english() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (SHIPPED_CONTENT / "understanding/en.yaml").read_text(encoding="utf-8")
    )
    return data


def test_the_intents_must_be_listed_in_priority_order() -> None:
    data = _english()
    data["intents"] = list(reversed(data["intents"]))
    with pytest.raises(ValidationError, match="priority"):
        UnderstandingLexicon.model_validate(data)


def test_a_pattern_may_not_name_an_undefined_term() -> None:
    data = _english()
    data["intents"][0]["patterns"].append({"id": "typo", "regex": r"\b{{medicines}}\b"})
    with pytest.raises(ValidationError, match="undefined terms"):
        UnderstandingLexicon.model_validate(data)


def test_pattern_ids_are_unique() -> None:
    data = _english()
    data["intents"][0]["patterns"].append({"id": "stop_alone", "phrase": "halt"})
    with pytest.raises(ValidationError, match="used twice"):
        UnderstandingLexicon.model_validate(data)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (r"\bTired\b", "lower case"),
        (r"\bcan't\b", "apostrophes"),
        (r"\bcansadísimo\b", "ASCII"),
        (r"\bfeel?ing\b", ""),  # fine: one letter made optional
        (r"\bfeell?\b", "doubled letter"),
        (r"\b(?P<x>tired)\b", "named groups"),
        (r"\b(tired\b", "does not compile"),
        (r"\b(tired)?", "empty string"),
    ],
)
def test_regex_problems(source: str, problem: str) -> None:
    found = "; ".join(regex_problems(source, set()))
    assert (problem in found) if problem else not found


def test_every_intent_needs_a_route_and_unknown_the_fallback() -> None:
    data = yaml.safe_load((SHIPPED_CONTENT / "understanding/routes.yaml").read_text("utf-8"))
    del data["routes"]["thanks"]
    data["routes"]["unknown"] = {"action": "show_help"}
    with pytest.raises(ValidationError) as error:
        RouteTable.model_validate(data)
    assert "missing ['thanks']" in str(error.value) and "fallback" in str(error.value)


def test_a_reply_has_at_most_three_choices() -> None:
    data = yaml.safe_load((SHIPPED_CONTENT / "understanding/routes.yaml").read_text("utf-8"))
    data["routes"]["unknown"]["choices"] = ["today", "how_i_feel", "help", "pause"]
    with pytest.raises(ValidationError, match="at most 3"):
        RouteTable.model_validate(data)


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_content_check_finds_unknown_barriers_activities_and_text_keys(
    tmp_path: Path,
) -> None:
    directory = _copy(tmp_path)
    routes = directory / "understanding/routes.yaml"
    _edit(routes, "barrier: low_energy}", "barrier: sleepiness}")
    _edit(routes, "label_key: understanding.button.help,", "label_key: understanding.button.hlep,")
    _edit(directory / "understanding/es.yaml", "activity: swimming,", "activity: natacion,")
    content, problems = check_content(directory)
    assert content is None
    found = "\n".join(str(p) for p in problems)
    assert "unknown barrier 'sleepiness'" in found
    assert "'understanding.button.hlep' is not defined" in found
    assert "understanding/es.yaml:activities" in found and "'natacion'" in found


def test_a_language_without_a_phrase_list_is_a_problem(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "understanding/es.yaml").unlink()
    _, problems = check_content(directory)
    assert any(
        p.file == "understanding/es.yaml" and "no phrase list" in p.message for p in problems
    )


def test_the_shipped_content_has_both(understander: Understander) -> None:
    for compiled in understander.languages.values():
        assert tuple(i.intent for i in compiled.intents) == MATCHED_INTENTS
