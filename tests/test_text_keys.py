"""Every text key the code names exists in every shipped language.

The content check resolves keys referenced from content files; this test covers the keys
referenced from code (`say("…")`, button and menu labels, question prompts), so a renamed
key fails here instead of showing a raw key to a patient.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from content.loader import shipped_content

ROOT = Path(__file__).resolve().parents[1]
KEY_CALLS = {"say": 0, "button": 1, "menu": 1, "get": 1, "Question": 1}
PREFIXES = (
    "common.",
    "consent.",
    "welcome.",
    "checkin.",
    "safety.",
    "safety_plan.",
    "crisis.",
    "onboarding.",
    "settings.",
    "pause.",
    "resume.",
    "cancel.",
    "help.",
    "language.",
    "supervisor.",
    "group.",
    "today.",
    "log.",
    "barrier.",
    "progress.",
    "plan.",
    "mood.",
    "programme.",
    "nudge.",
    "menu.",
    "digest.",
)


def literal_keys(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        position = KEY_CALLS.get(name)
        if position is None or len(node.args) <= position:
            continue
        argument = node.args[position]
        if (
            isinstance(argument, ast.Constant)
            and isinstance(argument.value, str)
            and argument.value.startswith(PREFIXES)
        ):
            yield node.lineno, argument.value


def code_files() -> list[Path]:
    return sorted([*ROOT.glob("dialogs/*.py"), *ROOT.glob("bot/**/*.py")])


def test_the_scanner_finds_keys() -> None:
    keys = {key for path in code_files() for _, key in literal_keys(path)}
    assert "safety.team_told" in keys
    assert len(keys) > 80


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_key_named_in_code_exists(language: str) -> None:
    texts = shipped_content().texts
    missing = [
        f"{path.relative_to(ROOT)}:{line}: {key}"
        for path in code_files()
        for line, key in literal_keys(path)
        if not texts.has(key, language)
    ]
    assert not missing, "text keys missing in " + language + ":\n" + "\n".join(missing)


@pytest.mark.parametrize("language", ["en", "es"])
def test_keys_built_from_names_exist(language: str) -> None:
    """Keys assembled at run time from trigger, section and option names."""
    from dialogs.questions import ASKED_CONDITIONS
    from dialogs.records import EscalationTrigger
    from dialogs.safety import SAFETY_PLAN_SECTIONS
    from dialogs.settings import EDITABLE, TOGGLES

    texts = shipped_content().texts
    keys = [f"safety.ack.{t}" for t in ("item9", "risk_language", "sos")]
    keys += [f"supervisor.trigger.{t.value}" for t in EscalationTrigger]
    keys += [f"safety_plan.{kind}.{s}" for s in SAFETY_PLAN_SECTIONS for kind in ("title", "hint")]
    keys += [f"settings.button.{name}" for name in (*EDITABLE, *TOGGLES)]
    keys += [f"onboarding.condition.{c.value}" for c in ASKED_CONDITIONS]
    keys += [f"language.switch_to.{lang}" for lang in texts.languages]
    missing = [key for key in keys if not texts.has(key, language)]
    assert not missing, f"missing in {language}: {missing}"
