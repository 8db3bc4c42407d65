"""(1) Every lexicon file validates, every pattern compiles, every example does what it says."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from content.clinical.risk import (
    DEFAULT_CONTENT_DIR,
    RiskScreen,
    lexicon_paths,
    load_risk_lexicons,
    normalise,
    normalised_variants,
)
from content.clinical.risk.evaluation import LabelledSet
from content.clinical.risk.patterns import compile_anchored, pattern_source
from content.schemas.risk import RISK_CATEGORIES, RiskLexicon

RISK_FILES = lexicon_paths(DEFAULT_CONTENT_DIR)


def test_english_and_spanish_are_shipped() -> None:
    assert {path.stem for path in RISK_FILES} >= {"en", "es"}


@pytest.mark.parametrize("path", RISK_FILES, ids=lambda p: p.name)
def test_lexicon_file_validates(path: Path) -> None:
    lexicon = RiskLexicon.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert lexicon.language == path.stem
    assert tuple(c.id for c in lexicon.categories) == RISK_CATEGORIES
    assert all(c.description.strip() for c in lexicon.categories)


def test_every_pattern_compiles(lexicons: dict[str, RiskLexicon]) -> None:
    for lexicon in lexicons.values():
        for _, pattern in lexicon.all_patterns():
            re.compile(pattern_source(pattern, lexicon.terms, normalise))
    RiskScreen(lexicons)  # compiles every pattern in its optimised, anchored form


def test_every_regex_pattern_has_an_example(lexicons: dict[str, RiskLexicon]) -> None:
    missing = [
        f"{language}:{where}:{pattern.id}"
        for language, lexicon in lexicons.items()
        for where, pattern in lexicon.all_patterns()
        if pattern.regex is not None and not pattern.examples
    ]
    assert not missing, f"regex patterns without examples: {missing}"


def test_every_example_is_caught_or_covered(screen: RiskScreen) -> None:
    problems = screen.example_problems()
    assert not problems, "\n".join(problems)


def test_both_languages_are_screened_whatever_the_patient_language(screen: RiskScreen) -> None:
    assert screen.screen("me quiero morir", "en").flagged
    assert screen.screen("i want to kill myself", "es").flagged
    assert screen.screen("i want to kill myself", "fr").flagged  # unknown language: all


def test_optimised_patterns_match_exactly_like_the_written_ones(
    lexicons: dict[str, RiskLexicon], labelled: LabelledSet, heldout: LabelledSet
) -> None:
    """The engine rewrites patterns (tries, anchoring); the rewrite must not change matches."""
    texts = [m.text for m in (*labelled.messages, *heldout.messages)]
    for lexicon in lexicons.values():
        texts.extend(e for _, p in lexicon.all_patterns() for e in p.examples)
    normalised = {v for text in texts for v in normalised_variants(text)}
    for lexicon in lexicons.values():
        for _, pattern in lexicon.all_patterns():
            source = pattern_source(pattern, lexicon.terms, normalise)
            written, optimised = re.compile(source), compile_anchored(source)
            for text in normalised:
                assert bool(written.search(text)) == bool(optimised.search(f" {text}")), (
                    pattern.id,
                    text,
                )


def _english() -> dict[str, Any]:
    data = yaml.safe_load((DEFAULT_CONTENT_DIR / "risk" / "en.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _with_first_pattern(regex: str) -> dict[str, Any]:
    data = copy.deepcopy(_english())
    data["categories"][0]["patterns"][0] = {"id": "probe", "regex": regex}
    return data


@pytest.mark.parametrize(
    ("regex", "problem"),
    [
        (r"\bcan't go on\b", "apostrophe"),
        (r"\bI want to die\b", "upper case"),
        (r"\bquiero morir jamás\b", "non-ASCII"),
        (r"\bkill?\b", "doubled letter"),
        (r"\bcut(ting)? myself\b", "across a group"),
        (r"want to die", "word boundary"),
        (r"\b(want)?", "empty string"),
        (r"\b(die", "does not compile"),
        (r"\b{{nonsense}} dead\b", "undefined terms"),
        (r"\b(?P<name>die)\b", "unsupported syntax"),
        (r"\b(die) \1\b", "backreferences"),
    ],
)
def test_schema_rejects_patterns_that_could_never_match(regex: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        RiskLexicon.model_validate(_with_first_pattern(regex))


def test_schema_rejects_duplicate_ids_and_wrong_category_order() -> None:
    data = copy.deepcopy(_english())
    data["categories"][0]["patterns"].append(dict(data["categories"][0]["patterns"][0]))
    with pytest.raises(ValidationError, match="used twice"):
        RiskLexicon.model_validate(data)
    data = copy.deepcopy(_english())
    data["categories"].reverse()
    with pytest.raises(ValidationError, match="priority"):
        RiskLexicon.model_validate(data)


def test_schema_rejects_unknown_fields_and_versions() -> None:
    data = copy.deepcopy(_english())
    data["categories"][0]["patterns"][0]["regexp"] = "typo"
    with pytest.raises(ValidationError):
        RiskLexicon.model_validate(data)
    data = copy.deepcopy(_english())
    data["schema_version"] = 1
    with pytest.raises(ValidationError):
        RiskLexicon.model_validate(data)


def test_a_file_must_be_named_after_its_language(tmp_path: Path) -> None:
    (tmp_path / "risk").mkdir()
    text = (DEFAULT_CONTENT_DIR / "risk" / "en.yaml").read_text(encoding="utf-8")
    (tmp_path / "risk" / "fr.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"must be named en\.yaml"):
        load_risk_lexicons(tmp_path)


def test_an_empty_directory_has_no_lexicons(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no risk lexicons"):
        load_risk_lexicons(tmp_path)
