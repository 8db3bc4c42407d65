"""Shared content for the clinical tests: the content Stride ships, validated by the loader."""

from __future__ import annotations

import pytest

from content.clinical.prescription import ClinicalParts
from content.loader import Content, shipped_content
from content.schemas.instrument import Instrument
from content.schemas.modalities import ModalityCatalogue
from content.schemas.protocol import Protocol


@pytest.fixture(scope="session")
def shipped() -> Content:
    return shipped_content()


@pytest.fixture(scope="session")
def parts(shipped: Content) -> ClinicalParts:
    """Only the parts a prescription reads, so tests show `Content` is not required."""
    return ClinicalParts(
        phq9=shipped.phq9,
        protocol=shipped.protocol,
        modalities=shipped.modalities,
        readiness=shipped.readiness,
    )


@pytest.fixture(scope="session")
def phq9(shipped: Content) -> Instrument:
    return shipped.phq9


@pytest.fixture(scope="session")
def protocol(shipped: Content) -> Protocol:
    return shipped.protocol


@pytest.fixture(scope="session")
def catalogue(shipped: Content) -> ModalityCatalogue:
    return shipped.modalities
