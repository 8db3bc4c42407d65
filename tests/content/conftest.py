"""Shared fixtures for the content tests: the shipped content, and a scratch copy to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from content.loader import SHIPPED_CONTENT, Content, shipped_content


@pytest.fixture(scope="session")
def content() -> Content:
    """The shipped content, validated (a failure here lists every problem)."""
    return shipped_content()


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A private copy of `content/data` that a test may break freely."""
    target = tmp_path / "data"
    shutil.copytree(SHIPPED_CONTENT, target)
    return target
