"""`content` is the innermost layer: the risk modules import only the standard library,
pydantic, PyYAML and other `content` modules."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import content

CONTENT = Path(content.__file__).resolve().parent
MODULES = [
    CONTENT / "schemas" / "risk.py",
    CONTENT / "schemas" / "risk_policy.py",
    *sorted((CONTENT / "clinical" / "risk").glob("*.py")),
]
ALLOWED = set(sys.stdlib_module_names) | {"pydantic", "yaml", "content", "__future__"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_risk_modules_import_only_the_innermost_layer(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.split(".")[0])
    assert imported <= ALLOWED, f"{path.name} imports {sorted(imported - ALLOWED)}"
