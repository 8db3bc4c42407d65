"""Dependencies point inward: content ← state_machines ← dialogs ← bot (STYLE.md, point 1).

Only `bot/` touches the outside world (Telegram, the database, migrations, the scheduler, HTTP).
The check reads source with `ast` instead of importing it, so it cannot be fooled by import
order and runs even when an outer layer's dependencies are not installed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

REPO = Path(__file__).resolve().parents[1]

# Inner to outer: a layer may import the layers before it, never the ones after it.
LAYERS = ("content", "state_machines", "dialogs", "bot")
EDGE_ONLY = ("telegram", "sqlalchemy", "alembic", "apscheduler", "aiohttp")
DYNAMIC_IMPORTERS = {"import_module", "__import__"}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    imported: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: imports {self.imported} ({self.rule})"


def imported_modules(tree: ast.AST, package: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """Every module a file imports, relative imports resolved against the file's package."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if node.module and node.module != "__future__":
                    yield node.lineno, node.module
                continue
            base = package[: max(len(package) - (node.level - 1), 0)]
            if node.module:
                yield node.lineno, ".".join((*base, node.module))
            else:  # `from . import x`: each name may be a module of the package
                for alias in node.names:
                    yield node.lineno, ".".join((*base, alias.name))
        elif isinstance(node, ast.Call) and _dynamic_import_target(node):
            yield node.lineno, _dynamic_import_target(node)


def _dynamic_import_target(node: ast.Call) -> str:
    """The literal module of `importlib.import_module("x")` or `__import__("x")`, else ''."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name not in DYNAMIC_IMPORTERS or not node.args:
        return ""
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value.lstrip(".")
    return ""


def check_source(source: str, path: str) -> list[Violation]:
    """The forbidden imports of one file; `path` is relative to the repository root."""
    relative = PurePosixPath(path)
    layer = relative.parts[0]
    outer = LAYERS[LAYERS.index(layer) + 1 :]
    violations = []
    for line, module in imported_modules(ast.parse(source, path), relative.parent.parts):
        top = module.split(".")[0]
        if top in outer:
            violations.append(Violation(path, line, module, f"{layer} must not import {top}"))
        elif top in EDGE_ONLY and layer != "bot":
            violations.append(Violation(path, line, module, f"only bot/ may import {top}"))
    return sorted(violations, key=lambda v: v.line)


def layer_files(layer: str) -> list[Path]:
    return sorted((REPO / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_has_sources(layer: str) -> None:
    """Guards the check below against passing because it found nothing to read."""
    assert layer_files(layer), f"no .py files under {layer}/"


def test_dependencies_point_inward() -> None:
    violations = []
    for layer in LAYERS:
        for file in layer_files(layer):
            path = file.relative_to(REPO).as_posix()
            violations += check_source(file.read_text(encoding="utf-8"), path)
    assert not violations, "forbidden imports:\n" + "\n".join(map(str, violations))


SYNTHETIC = """\
from __future__ import annotations
import telegram.ext
from sqlalchemy.orm import Session
from ..bot import application
from .. import bot
from . import screens
from content.loader import Content
from state_machines.engine import Flow
import importlib
handler = importlib.import_module("apscheduler.schedulers")
"""


def test_checker_catches_violations() -> None:
    found = check_source(SYNTHETIC, "dialogs/screens.py")
    assert [(v.line, v.imported) for v in found] == [
        (2, "telegram.ext"),
        (3, "sqlalchemy.orm"),
        (4, "bot"),
        (5, "bot"),
        (10, "apscheduler.schedulers"),
    ]
    assert str(found[0]) == (
        "dialogs/screens.py:2: imports telegram.ext (only bot/ may import telegram)"
    )
    assert str(found[2]) == "dialogs/screens.py:4: imports bot (dialogs must not import bot)"


def test_checker_resolves_relative_imports_to_the_package() -> None:
    source = "from ...dialogs import state\nfrom .schemas import base\n"
    assert check_source(source, "content/schemas/deep/x.py") == []  # content.dialogs.state
    found = check_source("from .. import state_machines\n", "content/x.py")
    assert [(v.line, v.imported) for v in found] == [(1, "state_machines")]
    found = check_source("from ..dialogs import screens\n", "state_machines/flows/x.py")
    assert found == []  # state_machines.dialogs: a module inside the package, allowed


def test_checker_lets_inner_layers_and_the_edge_through() -> None:
    assert check_source(SYNTHETIC, "bot/app.py") == []
    assert check_source("from content.loader import Content\n", "state_machines/x.py") == []
    inner = check_source("from state_machines.engine import Flow\n", "content/x.py")
    assert [v.rule for v in inner] == ["content must not import state_machines"]
