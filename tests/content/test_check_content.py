"""`check_content` reports every problem in a broken content directory, not just the first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from content.loader import ContentProblem, check_content


def _edit_yaml(path: Path, edit: Callable[[Any], object]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _find(problems: list[ContentProblem], file: str, location: str) -> ContentProblem:
    matches = [p for p in problems if p.file == file and p.location == location]
    listing = "\n".join(str(p) for p in problems)
    assert len(matches) == 1, f"expected one problem at {file}:{location}, got:\n{listing}"
    return matches[0]


def test_shipped_copy_is_clean(content_copy: Path) -> None:
    content, problems = check_content(content_copy)
    assert problems == []
    assert content is not None


def test_every_break_is_reported_with_file_and_location(content_copy: Path) -> None:
    # 1. YAML syntax error (an unclosed flow sequence on line 3).
    (content_copy / "readiness.yaml").write_text(
        "schema_version: 1\nid: readiness\nquestions: [unclosed\n", encoding="utf-8"
    )
    # 2. An unknown field.
    _edit_yaml(content_copy / "modalities.yaml", lambda d: d.update(colour="red"))
    # 3. A wrong type.
    _edit_yaml(content_copy / "protocol.yaml", lambda d: d.update(default_training_days="Mon"))

    # 4. A text key referenced by a script that no message file defines.
    def missing_key(data: dict[str, Any]) -> None:
        data["scripts"][2]["steps"][1]["text_key"] = "barrier.values.nowhere"

    _edit_yaml(content_copy / "barriers.yaml", missing_key)

    # 5. A Spanish text using a placeholder the English text does not provide.
    def extra_placeholder(data: dict[str, Any]) -> None:
        data["barrier"]["values"]["2"] = "Cada sesión le acerca a eso, {nombre}."

    _edit_yaml(content_copy / "messages" / "es" / "clinical.yaml", extra_placeholder)

    # 6. A gap between severity bands (10 is covered by no band).
    def band_gap(data: dict[str, Any]) -> None:
        data["bands"][2]["range"]["low"] = 11

    _edit_yaml(content_copy / "phq9.yaml", band_gap)
    # 7. A missing file.
    (content_copy / "crisis.yaml").unlink()
    # 8. The same key defined in two message files of one language.
    (content_copy / "messages" / "en" / "zz_duplicate.yaml").write_text(
        'barrier:\n  intro: "Defined twice."\n', encoding="utf-8"
    )

    content, problems = check_content(content_copy)

    assert content is None
    listing = "\n".join(str(p) for p in problems)
    assert len(problems) == 8, f"one problem per break expected, got:\n{listing}"

    syntax = _find(problems, "readiness.yaml", "line 4")
    assert "not valid YAML" in syntax.message
    unknown = _find(problems, "modalities.yaml", "colour")
    assert "extra" in unknown.message.lower()
    wrong_type = _find(problems, "protocol.yaml", "default_training_days")
    assert "list" in wrong_type.message.lower()
    undefined = _find(problems, "barriers.yaml", "scripts.2.steps.1.text_key")
    assert "barrier.values.nowhere" in undefined.message
    placeholder = _find(problems, "messages/es/", "barrier.values.2")
    assert "nombre" in placeholder.message
    # A band gap is a whole-instrument rule: pydantic reports it at the file's root.
    gap = _find(problems, "phq9.yaml", "")
    assert "gap" in gap.message and "10" in gap.message
    missing_file = _find(problems, "crisis.yaml", "")
    assert "missing" in missing_file.message
    duplicate = _find(problems, "messages/en/zz_duplicate.yaml", "barrier.intro")
    assert "another file" in duplicate.message


def test_missing_directory_is_one_problem(tmp_path: Path) -> None:
    content, problems = check_content(tmp_path / "nowhere")
    assert content is None
    assert len(problems) == 1
    assert "not a directory" in problems[0].message
