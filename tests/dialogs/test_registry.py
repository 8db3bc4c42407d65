"""The flow registry: built in one place at start-up, complete in a fresh process.

A restart used to lose a flow that registered itself only when its module happened to be
imported; now nothing registers by import side effect, and the application builds the
registry explicitly. These tests import the application in a brand-new interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dialogs.base import FlowDialog
from dialogs.flow import Flow
from dialogs.registry import DIALOGS, build_registry

REPO = Path(__file__).resolve().parents[2]

FRESH_PROCESS = """
import json
from bot.clock import SystemClock
from bot.config import load_settings
from bot.services import Services

settings = load_settings({"DATABASE_URL": "sqlite+aiosqlite:///:memory:", "SUPERVISOR_IDS": "1"})
services = Services.build(settings, SystemClock())
flows = services.deps.flows
print(json.dumps({name: type(flows[name]).__name__ for name in sorted(flows)}))
"""


def test_a_fresh_process_running_the_application_knows_every_flow() -> None:
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert sorted(found) == sorted(flow.value for flow in Flow)
    assert found["onboarding"] == "OnboardingDialog"


def test_each_flow_is_listed_once_and_its_dialog_says_it_is_that_flow() -> None:
    registry = build_registry()
    assert set(registry) == set(Flow)
    for flow, dialog in registry.items():
        assert dialog.flow is flow
        assert isinstance(dialog, FlowDialog)


def test_a_missing_or_doubled_flow_refuses_to_build() -> None:
    with pytest.raises(ValueError, match="without a dialog"):
        build_registry(DIALOGS[:-1])
    with pytest.raises(ValueError, match="twice"):
        build_registry((*DIALOGS, DIALOGS[0]))


def test_no_dialog_module_is_over_400_lines() -> None:
    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in (REPO / "dialogs").glob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > 400} == {}
