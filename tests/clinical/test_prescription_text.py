"""The clinician-readable prescription: numbers and structure, not wording.

The description's own keys get bare templates here (`key | param=value`), so the tests see
exactly which facts reach which line whatever the shipped wording says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from content.clinical import prescription as prescription_module
from content.clinical import progression, weekly_plan
from content.clinical.prescription import ClinicalParts, PrescriptionInput, prescribe
from content.clinical.prescription_text import TEXT_KEYS, describe_prescription
from content.loader import Content
from content.schemas.modalities import ModalityCatalogue, ProfileCondition
from content.schemas.protocol import Protocol
from content.texts import Texts

PARAMS = {
    "prescription.heading": ["protocol", "version"],
    "prescription.phase": ["phase", "week"],
    "prescription.maintenance": ["week"],
    "prescription.minutes": ["minutes"],
    "prescription.sessions": ["sessions"],
    "prescription.weekly_minutes": ["minutes"],
    "prescription.hr_max": ["hr_max", "formula"],
    "prescription.target_bpm": ["bpm", "percent"],
    "prescription.rpe_only": ["reason", "percent"],
    "prescription.rpe": ["rpe", "exertion"],
    "prescription.modality": ["name", "reasons", "activities"],
    "prescription.activities_preferred": ["reasons"],
    "prescription.refused": ["name", "reasons"],
    "prescription.supervised": ["reasons"],
}


def _templates() -> dict[str, str]:
    return {
        key: " | ".join([key, *(f"{name}={{{name}}}" for name in PARAMS.get(key, []))])
        for key in TEXT_KEYS
    }


@dataclass(frozen=True)
class Described:
    texts: Texts
    protocol: Protocol
    modalities: ModalityCatalogue


@pytest.fixture(scope="module")
def described(parts: ClinicalParts) -> Described:
    # Only the line templates: every other key renders as itself (with its numbers), so these
    # tests do not depend on the shipped wording.
    english: dict[str, str | list[str]] = dict(_templates())
    spanish: dict[str, str | list[str]] = {k: f"es {v}" for k, v in _templates().items()}
    return Described(Texts({"en": english, "es": spanish}), parts.protocol, parts.modalities)


def lines_by_key(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in text.splitlines():
        key = re.split(r" \| |: ", line.removeprefix("es "))[0]
        found.setdefault(key, line)
    return found


def test_worked_example(parts: ClinicalParts, described: Described) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=1))
    lines = lines_by_key(describe_prescription(described, p, "en"))
    assert "phase=1" in lines["prescription.phase"] and "week=1" in lines["prescription.phase"]
    assert "minutes=20–30" in lines["prescription.minutes"]
    assert "sessions=3" in lines["prescription.sessions"]
    assert "hr_max=180 " in lines["prescription.hr_max"]
    assert "formula=prescription.formula.tanaka" in lines["prescription.hr_max"]
    assert "bpm=120–132" in lines["prescription.target_bpm"]
    assert "percent=50–60" in lines["prescription.target_bpm"]
    assert "rpe=12–14" in lines["prescription.rpe"]
    assert "exertion.moderate_vigorous: rpe=12–14, anchors=" in lines["prescription.rpe"]
    assert "prescription.rpe_only" not in lines
    assert "prescription.supervised" not in lines
    assert "name=modality.aerobic.name" in lines["prescription.modality"]
    assert "reasons=prescription.reason.backbone" in lines["prescription.modality"]
    assert "first_benefit=2–4" in lines["prescription.expectations"]
    assert "full_effect=8–12" in lines["prescription.expectations"]


def test_beta_blockers_show_rpe_only(parts: ClinicalParts, described: Described) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=1, beta_blockers=True))
    lines = lines_by_key(describe_prescription(described, p, "en"))
    assert "prescription.target_bpm" not in lines
    assert "prescription.hr_max" not in lines
    assert "reason=prescription.rpe_reason.beta_blockers" in lines["prescription.rpe_only"]


def test_supervision_refusals_and_advice_are_listed(
    parts: ClinicalParts, described: Described
) -> None:
    inp = PrescriptionInput(
        age=70,
        resting_hr=60,
        week=1,
        readiness_positive=True,
        conditions=frozenset({ProfileCondition.LITTLE_TIME}),
    )
    text = describe_prescription(described, prescribe(parts, inp), "en")
    lines = lines_by_key(text)
    assert "prescription.start_low" in lines
    assert "minutes=20 " in lines["prescription.minutes"] + " "
    # HRmax 208 − 0.7 × 70 = 159; 60 + 0.5 × 99 = 109.5 → 110 (halves up), one value on the
    # start step, widened to five beats (mostly downwards): 107–112.
    assert "bpm=107–112 " in lines["prescription.target_bpm"] + " "
    assert "prescription.supervised.readiness" in lines["prescription.supervised"]
    assert "prescription.hiit_excluded.readiness_positive" in lines["prescription.refused"]
    assert "prescription.activities_preferred" in lines
    assert sum(line.startswith("prescription.modality |") for line in text.splitlines()) == 2


def test_maintenance_shows_the_weekly_range(parts: ClinicalParts, described: Described) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=13))
    lines = lines_by_key(describe_prescription(described, p, "en"))
    assert "week=13" in lines["prescription.maintenance"]
    assert "minutes=150–300" in lines["prescription.weekly_minutes"]
    assert "sessions=3–7" in lines["prescription.sessions"]


def test_spanish_uses_a_decimal_comma(parts: ClinicalParts, described: Described) -> None:
    p = prescribe(parts, PrescriptionInput(age=33, resting_hr=60, week=1))
    english = lines_by_key(describe_prescription(described, p, "en"))
    spanish = describe_prescription(described, p, "es")
    assert "hr_max=184.9 " in english["prescription.hr_max"]
    assert "hr_max=184,9 " in spanish
    assert "bpm=122–135" in spanish
    assert all(line.startswith("es ") for line in spanish.splitlines()[:3])


def test_shipped_content_describes_the_worked_example(shipped: Content) -> None:
    p = prescribe(shipped, PrescriptionInput(age=40, resting_hr=60, week=1))
    for language in ("en", "es"):
        text = describe_prescription(shipped, p, language)
        for number in ("180", "120–132", "50–60", "20–30"):
            assert number in text, (language, number)
        # every key has wording: no dotted key leaks into what a clinician reads
        assert not re.search(r"\b[a-z_]+\.[a-z_]+\.?[a-z_]*:", text), text


def test_every_key_the_clinical_core_needs_has_wording(shipped: Content) -> None:
    needed = {
        *TEXT_KEYS,
        *prescription_module.text_keys(shipped.modalities),
        *progression.TEXT_KEYS,
        *weekly_plan.TEXT_KEYS,
    }
    missing = {
        language: sorted(k for k in needed if not shipped.texts.has(k, language))
        for language in ("en", "es")
    }
    assert missing == {"en": [], "es": []}
