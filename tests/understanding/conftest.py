"""Fixtures for the understanding tests: the shipped content, its understander, labelled sets."""

from __future__ import annotations

import pytest

from content.clinical.understanding import Understander, understander_for
from content.clinical.understanding.evaluation import (
    DEFAULT_HELD_OUT,
    DEFAULT_TUNED,
    LabelledSet,
    load_labelled,
)
from content.loader import Content, shipped_content


@pytest.fixture(scope="session")
def content() -> Content:
    return shipped_content()


@pytest.fixture(scope="session")
def understander(content: Content) -> Understander:
    return understander_for(content)


@pytest.fixture(scope="session")
def tuned() -> LabelledSet:
    return load_labelled(DEFAULT_TUNED)


@pytest.fixture(scope="session")
def held_out() -> LabelledSet:
    return load_labelled(DEFAULT_HELD_OUT)
