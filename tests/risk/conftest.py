"""Fixtures for the risk screen tests: the shipped lexicons, one screen, the labelled set."""

from __future__ import annotations

import pytest

from content.clinical.risk import RiskScreen, load_risk_lexicons
from content.clinical.risk_evaluation import LabelledSet, load_labelled
from content.schemas.risk import RiskLexicon


@pytest.fixture(scope="session")
def lexicons() -> dict[str, RiskLexicon]:
    return load_risk_lexicons()


@pytest.fixture(scope="session")
def screen(lexicons: dict[str, RiskLexicon]) -> RiskScreen:
    return RiskScreen(lexicons)


@pytest.fixture(scope="session")
def labelled() -> LabelledSet:
    return load_labelled()
