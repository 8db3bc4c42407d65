"""Fixtures for the risk screen tests: the shipped lexicons, one screen, the labelled sets."""

from __future__ import annotations

import pytest

from content.clinical.risk import RiskScreen, load_risk_lexicons
from content.clinical.risk.evaluation import DEV_SET, HELDOUT_SET, LabelledSet, load_labelled
from content.schemas.risk import RiskLexicon


@pytest.fixture(scope="session")
def lexicons() -> dict[str, RiskLexicon]:
    return load_risk_lexicons()


@pytest.fixture(scope="session")
def screen(lexicons: dict[str, RiskLexicon]) -> RiskScreen:
    return RiskScreen(lexicons)


@pytest.fixture(scope="session")
def labelled() -> LabelledSet:
    """The development set (the lexicons are tuned on it)."""
    return load_labelled(DEV_SET)


@pytest.fixture(scope="session")
def heldout() -> LabelledSet:
    """The held-out set (never tuned on)."""
    return load_labelled(HELDOUT_SET)
